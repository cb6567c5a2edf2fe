import { describe, expect, it } from "vitest";

import { AuthSession, STORAGE_KEY, type KeyValueStore, type LockManagerLike, type RefreshOutcome, type SignOutReason } from "./auth";
import { ApiError, errorFrom } from "./errors";
import { IdempotentAction } from "./idempotency";
import type { Fault } from "./notices";
import { authedFetch, failureOf } from "./transport";
import type { SessionAnswer } from "./types";

class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

/** A Web Lock over one shared store: callbacks run one at a time, in order. */
class SerialLocks implements LockManagerLike {
  private tail: Promise<unknown> = Promise.resolve();
  request<T>(_name: string, callback: () => Promise<T>): Promise<T> {
    const run = this.tail.then(callback);
    this.tail = run.catch(() => undefined);
    return run;
  }
}

const answer = (n: number): SessionAnswer => ({
  access_token: `access-${n}`,
  refresh_token: `refresh-${n}`,
  token_type: "Bearer",
  expires_in: 900,
  scope: "full",
  user: { id: "u1", username: "admin", role: "owner" },
});

/** The hub's refresh rule: each refresh token works once; a second use is refused as reuse. */
function hubRefresh() {
  let issued = 1;
  const spent = new Set<string>();
  const calls: string[] = [];
  const call = async (token: string): Promise<RefreshOutcome> => {
    calls.push(token);
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (spent.has(token)) return { ok: false, code: "refresh_token_reused" };
    spent.add(token);
    issued += 1;
    return { ok: true, answer: answer(issued) };
  };
  return { call, calls };
}

function signedInSession(store: KeyValueStore, locks: LockManagerLike | null, call: (t: string) => Promise<RefreshOutcome>) {
  const session = new AuthSession({ storage: store, locks, callRefresh: call });
  session.signedIn(answer(1));
  return session;
}

describe("token refresh", () => {
  it("shares one refresh among concurrent callers in a tab", async () => {
    const hub = hubRefresh();
    const session = signedInSession(new MemoryStore(), null, hub.call);
    const results = await Promise.all([session.refresh("access-1"), session.refresh("access-1"), session.refresh("access-1")]);
    expect(results).toEqual(["access-2", "access-2", "access-2"]);
    expect(hub.calls).toEqual(["refresh-1"]);
  });

  it("never spends a refresh token twice across tabs sharing storage and a lock", async () => {
    const hub = hubRefresh();
    const store = new MemoryStore();
    const locks = new SerialLocks();
    const tabA = signedInSession(store, locks, hub.call);
    const tabB = new AuthSession({ storage: store, locks, callRefresh: hub.call });
    const reasons: (SignOutReason | null)[] = [];
    tabB.subscribe((_tokens, reason) => reasons.push(reason));
    const [a, b] = await Promise.all([tabA.refresh("access-1"), tabB.refresh("access-1")]);
    expect(a).toBe("access-2");
    expect(b).toBe("access-2");
    expect(hub.calls).toEqual(["refresh-1"]);
    expect(reasons).not.toContain("reused");
  });

  it("signs out with the hub's reason when the session is over", async () => {
    const store = new MemoryStore();
    const session = signedInSession(store, null, () => Promise.resolve({ ok: false, code: "session_expired" }));
    const reasons: (SignOutReason | null)[] = [];
    session.subscribe((_tokens, reason) => reasons.push(reason));
    expect(await session.refresh("access-1")).toBeNull();
    expect(reasons).toEqual(["expired"]);
    expect(store.getItem(STORAGE_KEY)).toBeNull();
  });

  it("keeps the session when the hub cannot be reached", async () => {
    const store = new MemoryStore();
    const session = signedInSession(store, null, () => Promise.reject(new ApiError("network", "down", 0)));
    await expect(session.refresh("access-1")).rejects.toMatchObject({ code: "network" });
    expect(session.accessToken()).toBe("access-1");
  });

  it("a logout is shown as a logout, even when the live feed's refresh is refused before its answer", async () => {
    const store = new MemoryStore();
    let finishLogout: () => void = () => undefined;
    const logoutAnswered = new Promise<void>((resolve) => {
      finishLogout = resolve;
    });
    // The hub ended the session: any refresh from now on is refused.
    const session = signedInSession(store, null, () => Promise.resolve({ ok: false, code: "session_revoked" }));
    const reasons: (SignOutReason | null)[] = [];
    session.subscribe((_tokens, reason) => reasons.push(reason));
    const leaving = session.logout(() => logoutAnswered);
    // The socket closed (4002) before the logout's answer: it tries a refresh, which is refused.
    expect(await session.refresh("access-1")).toBeNull();
    finishLogout();
    await leaving;
    expect(reasons).toEqual(["logout"]);
    expect(store.getItem(STORAGE_KEY)).toBeNull();
  });

  it("a refusal that arrives after the tokens changed signs nobody out a second time", async () => {
    const store = new MemoryStore();
    let refuse: () => void = () => undefined;
    const refused = new Promise<RefreshOutcome>((resolve) => {
      refuse = () => resolve({ ok: false, code: "refresh_token_reused" });
    });
    const session = signedInSession(store, null, () => refused);
    const reasons: (SignOutReason | null)[] = [];
    session.subscribe((_tokens, reason) => reasons.push(reason));
    const refreshing = session.refresh("access-1");
    await Promise.resolve();
    await session.logout(() => Promise.resolve());
    refuse();
    expect(await refreshing).toBeNull();
    session.signOut("ended"); // and a late sign-out keeps the first reason
    expect(reasons).toEqual(["logout"]);
  });

  it("keeps the sign-in's idle limit across rotations (later answers shrink towards the session's end)", async () => {
    const store = new MemoryStore();
    const session = new AuthSession({
      storage: store,
      locks: null,
      callRefresh: () => Promise.resolve({ ok: true, answer: { ...answer(2), refresh_expires_in: 120 } }),
    });
    session.signedIn({ ...answer(1), refresh_expires_in: 1800 });
    expect(session.tokens()?.idleS).toBe(1800);
    expect(await session.refresh("access-1")).toBe("access-2");
    expect(session.tokens()?.idleS).toBe(1800);
  });

  it("another tab hears why this browser's session ended", async () => {
    const store = new MemoryStore();
    const tabA = signedInSession(store, null, () => Promise.reject(new Error("not called")));
    const tabB = new AuthSession({ storage: store, locks: null, callRefresh: () => Promise.reject(new Error("not called")) });
    const heard: (SignOutReason | null)[] = [];
    tabB.subscribe((_tokens, reason) => heard.push(reason));
    await tabA.logout(() => Promise.resolve(), "idle");
    tabB.externalChange();
    expect(heard).toEqual(["idle"]);
    tabA.signedIn(answer(3));
    tabB.externalChange();
    expect(heard).toEqual(["idle", null]);
  });

  it("ends a limited session (no refresh token) when its token expires", async () => {
    const session = new AuthSession({ storage: new MemoryStore(), locks: null, callRefresh: () => Promise.reject(new Error("not called")) });
    session.signedIn({ ...answer(1), refresh_token: undefined, scope: "limited" });
    expect(await session.refresh("access-1")).toBeNull();
    expect(session.tokens()).toBeNull();
  });
});

describe("transport", () => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });

  it("adds the token, refreshes once on an expired token and retries the same request", async () => {
    const hub = hubRefresh();
    const session = signedInSession(new MemoryStore(), null, hub.call);
    const seen: { auth: string | null; body: string }[] = [];
    const fetchImpl = async (request: Request) => {
      const auth = request.headers.get("authorization");
      seen.push({ auth, body: await request.text() });
      return auth === "Bearer access-1" ? json(401, { error: { code: "invalid_token", message: "expired" } }) : json(200, { ok: true });
    };
    const send = authedFetch(session, fetchImpl, () => undefined);
    const response = await send(new Request("http://hub/api/v1/members/m1/topup", { method: "POST", body: '{"amount":5}' }));
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      { auth: "Bearer access-1", body: '{"amount":5}' },
      { auth: "Bearer access-2", body: '{"amount":5}' },
    ]);
  });

  it("does not refresh on a wrong password or a forbidden action", async () => {
    const hub = hubRefresh();
    const session = signedInSession(new MemoryStore(), null, hub.call);
    const faults: Fault[] = [];
    const send = authedFetch(session, () => Promise.resolve(json(401, { error: { code: "invalid_credentials", message: "wrong" } })), (f) => faults.push(f));
    expect((await send(new Request("http://hub/api/v1/auth/login", { method: "POST" }))).status).toBe(401);
    const forbidden = authedFetch(session, () => Promise.resolve(json(403, { error: { code: "forbidden", message: "your role may not users:read" } })), (f) => faults.push(f));
    const response = await forbidden(new Request("http://hub/api/v1/users"));
    expect(failureOf(await response.json(), response, (f) => faults.push(f))).toMatchObject({ code: "forbidden", status: 403 });
    expect(hub.calls).toEqual([]);
    expect(faults).toEqual([{ kind: "forbidden", message: "your role may not users:read" }]);
  });

  it("leaves a refused confirmation to the form: no 'your role may not' notice", () => {
    const faults: Fault[] = [];
    for (const code of ["confirmation_failed", "confirmation_required"]) {
      const response = json(403, { error: { code, message: "the totp confirmation is wrong or already used" } });
      expect(failureOf({ error: { code, message: "m" } }, response, (f) => faults.push(f))).toMatchObject({ code, status: 403 });
    }
    expect(faults).toEqual([]);
  });

  it("reports offline, 5xx and 429 for the global notice", async () => {
    const session = signedInSession(new MemoryStore(), null, hubRefresh().call);
    const faults: Fault[] = [];
    const offline = authedFetch(session, () => Promise.reject(new TypeError("Failed to fetch")), (f) => faults.push(f));
    await expect(offline(new Request("http://hub/api/v1/pcs"))).rejects.toMatchObject({ code: "network", status: 0, transient: true });
    const busy = authedFetch(session, () => Promise.resolve(json(429, { error: { code: "too_many_requests", message: "slow down" } }, { "Retry-After": "3" })), (f) => faults.push(f));
    await busy(new Request("http://hub/api/v1/pcs"));
    const broken = authedFetch(session, () => Promise.resolve(new Response("<html>bad gateway</html>", { status: 502 })), (f) => faults.push(f));
    const response = await broken(new Request("http://hub/api/v1/pcs"));
    expect(failureOf(await response.text(), response, () => undefined)).toMatchObject({ code: "server_error", status: 502 });
    expect(faults).toEqual([{ kind: "offline" }, { kind: "busy", retryAfterS: 3 }, { kind: "server", status: 502 }]);
  });
});

describe("errors", () => {
  it("normalises the hub's error body and Retry-After", () => {
    const error = errorFrom({ error: { code: "busy", message: "try again" } }, 503, "1");
    expect([error.code, error.message, error.status, error.retryAfterS, error.transient]).toEqual(["busy", "try again", 503, 1, true]);
    expect(errorFrom("nope", 404, null)).toMatchObject({ code: "http_404", status: 404, transient: false });
  });
});

describe("idempotency keys", () => {
  it("keeps the key for a retry of the same action and changes it for a new one", () => {
    let n = 0;
    const action = new IdempotentAction(() => `key-${++n}`);
    const payload = { member: "m1", amount: 5_000_000, method: "cash" };
    expect(action.keyFor(payload)).toBe("key-1");
    expect(action.keyFor({ ...payload })).toBe("key-1"); // retried after a timeout
    expect(action.keyFor({ ...payload, amount: 6_000_000 })).toBe("key-2"); // the cashier changed it
    action.finished();
    expect(action.keyFor({ ...payload, amount: 6_000_000 })).toBe("key-3"); // the next top-up
  });

  it("makes distinct random keys by default", () => {
    const a = new IdempotentAction().keyFor(1);
    const b = new IdempotentAction().keyFor(1);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });
});
