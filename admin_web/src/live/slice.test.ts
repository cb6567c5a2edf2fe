import { describe, expect, it } from "vitest";

import type { Pc, Session } from "../api/types";
import { backoffMs } from "./backoff";
import { parseEvent } from "./events";
import reducer, {
  eventReceived,
  eventsReceived,
  feedChanged,
  initialLiveState,
  pcLockReported,
  pcMaintenanceReported,
  sessionFetched,
  signedOut,
  snapshotLoaded,
} from "./slice";
import { countByStatus, tileOf } from "./tiles";

const pc = (id: string, status = "online", extra: Partial<Pc> = {}): Pc => ({
  id,
  site: "main",
  status,
  status_since: 1,
  hostname: id,
  group: "default",
  session_id: null,
  ...extra,
});

const session = (id: string, pcId: string, extra: Partial<Session> = {}): Session => ({
  id,
  pc_id: pcId,
  kind: "prepaid",
  state: "active",
  member_id: null,
  tariff_id: "standard",
  prepaid_minutes: 60,
  budget: null,
  created_at: 1,
  started_at: 1,
  ends_at: 3_600_001,
  ended_at: null,
  used_ms: 0,
  cost: 0,
  ...extra,
});

const seeded = () =>
  reducer(initialLiveState, snapshotLoaded({ pcs: [pc("pc-002"), pc("pc-001", "offline")], sessions: [session("s1", "pc-002")] }));

describe("live slice", () => {
  it("seeds PCs in id order and links active sessions to their PC", () => {
    const state = seeded();
    expect(state.loaded).toBe(true);
    expect(state.pcs.ids).toEqual(["pc-001", "pc-002"]);
    expect(state.pcs.entities["pc-002"]?.session_id).toBe("s1");
  });

  it("moves a PC offline and back, noting when", () => {
    let state = reducer(seeded(), eventReceived({ type: "pc.status", pc_id: "pc-002", status: "offline", at: 500 }));
    expect(state.pcs.entities["pc-002"]?.status).toBe("offline");
    expect(state.pcs.entities["pc-002"]?.status_since).toBe(500);
    state = reducer(state, eventReceived({ type: "pc.status", pc_id: "pc-002", status: "offline", at: 900 }));
    expect(state.pcs.entities["pc-002"]?.status_since).toBe(500);
  });

  it("adds a PC it has not seen when that PC reports", () => {
    const state = reducer(seeded(), eventReceived({ type: "pc.status", pc_id: "pc-099", status: "online", at: 7 }));
    expect(state.pcs.ids).toContain("pc-099");
    expect(state.pcs.entities["pc-099"]?.status).toBe("online");
  });

  it("never lets time or cost go back when checkpoints arrive out of order", () => {
    let state = reducer(seeded(), eventReceived({ type: "session.progress", session_id: "s1", pc_id: "pc-002", used_ms: 120_000, cost: 4000 }));
    state = reducer(state, eventReceived({ type: "session.progress", session_id: "s1", pc_id: "pc-002", used_ms: 60_000, cost: 2000 }));
    expect(state.sessions.entities.s1?.used_ms).toBe(120_000);
    expect(state.sessions.entities.s1?.cost).toBe(4000);
  });

  it("keeps progress that arrived before the session's record", () => {
    let state = reducer(seeded(), eventReceived({ type: "session.started", session_id: "s2", pc_id: "pc-001" }));
    state = reducer(state, eventReceived({ type: "session.progress", session_id: "s2", pc_id: "pc-001", used_ms: 90_000, cost: 3000 }));
    state = reducer(state, sessionFetched(session("s2", "pc-001", { used_ms: 0, cost: 0, kind: "member" })));
    expect(state.sessions.entities.s2?.kind).toBe("member");
    expect(state.sessions.entities.s2?.used_ms).toBe(90_000);
    expect(state.sessions.entities.s2?.cost).toBe(3000);
    expect(state.pcs.entities["pc-001"]?.session_id).toBe("s2");
  });

  it("ends a session: gone from the active set and from its PC", () => {
    const state = reducer(seeded(), eventReceived({ type: "session.ended", session_id: "s1", pc_id: "pc-002", cost: 5000, reason: "expired" }));
    expect(state.sessions.ids).toEqual([]);
    expect(state.pcs.entities["pc-002"]?.session_id).toBeNull();
  });

  it("drops a fetched session that already ended", () => {
    const state = reducer(seeded(), sessionFetched(session("s1", "pc-002", { state: "ended", ended_at: 9 })));
    expect(state.sessions.ids).toEqual([]);
    expect(state.pcs.entities["pc-002"]?.session_id).toBeNull();
  });

  it("keeps alerts by id, newest first, and the last command outcome per PC", () => {
    const alert = { id: "a1", pc_id: "pc-001", kind: "login_failures", state: "open", message: "5 failed logins", count: 5, first_at: 1, last_at: 10 };
    let state = reducer(seeded(), eventReceived({ type: "pc.alert", pc_id: "pc-001", alert }));
    state = reducer(state, eventReceived({ type: "pc.alert", pc_id: "pc-001", alert: { ...alert, id: "a2", last_at: 20 } }));
    expect(state.alerts.ids).toEqual(["a2", "a1"]);
    expect(state.alertPushes).toBe(2);
    state = reducer(state, eventReceived({ type: "stock.alert", branch: "main", product_id: "cola", alert: { id: "s1", state: "open" } }));
    expect(state.alertPushes).toBe(3);
    state = reducer(state, eventReceived({ type: "system.alert", system: "main", alert: { id: "y1", state: "open" } }));
    expect(state.alertPushes).toBe(4);
    state = reducer(state, eventReceived({ type: "command.ack", command_id: "c1", pc_id: "pc-001", outcome: "done", detail: null, done_at: 30 }));
    expect(state.acks["pc-001"]).toEqual({ commandId: "c1", outcome: "done", detail: null, at: 30 });
  });

  it("counts the events that say stock moved: low-stock alerts and goods sold or refunded", () => {
    let state = reducer(seeded(), eventReceived({ type: "stock.alert", branch: "main", product_id: "cola", alert: { id: "s1", state: "resolved" } }));
    expect(state.stockPushes).toBe(1);
    state = reducer(state, eventReceived({ type: "payment.created", payment_id: "p1", purpose: "sale", branch: "main" }));
    state = reducer(state, eventReceived({ type: "payment.refunded", payment_id: "r1", purpose: "sale", branch: "main" }));
    expect(state.stockPushes).toBe(3);
    // A top-up or PC time moves no goods.
    state = reducer(state, eventReceived({ type: "payment.created", payment_id: "p2", purpose: "topup", branch: "main" }));
    state = reducer(state, eventReceived({ type: "system.alert", system: "main", alert: { id: "y1", state: "open" } }));
    expect(state.stockPushes).toBe(3);
    expect(state.alertPushes).toBe(2);
  });

  it("counts feed failures until the feed is live again", () => {
    let state = reducer(seeded(), feedChanged({ state: "down", at: 1 }));
    state = reducer(state, feedChanged({ state: "down", at: 2 }));
    expect(state.feed).toEqual({ state: "down", since: 1, failures: 2 });
    state = reducer(state, feedChanged({ state: "live", at: 3 }));
    expect(state.feed).toEqual({ state: "live", since: 3, failures: 0 });
  });

  it("applies a batch of events in order, as one update", () => {
    const state = reducer(
      seeded(),
      eventsReceived([
        { type: "session.progress", session_id: "s1", pc_id: "pc-002", used_ms: 60_000, cost: 2000 },
        { type: "session.ended", session_id: "s1", pc_id: "pc-002", cost: 2500, reason: "stopped" },
        { type: "session.started", session_id: "s2", pc_id: "pc-002" },
        { type: "pc.status", pc_id: "pc-001", status: "online", at: 5 },
      ]),
    );
    expect(state.sessions.ids).toEqual(["s2"]);
    expect(state.pcs.entities["pc-002"]?.session_id).toBe("s2");
    expect(state.pcs.entities["pc-001"]?.status).toBe("online");
    // The same events one by one end in the same state.
    let single = seeded();
    for (const event of [
      { type: "session.progress", session_id: "s1", pc_id: "pc-002", used_ms: 60_000, cost: 2000 },
      { type: "session.ended", session_id: "s1", pc_id: "pc-002", cost: 2500, reason: "stopped" },
      { type: "session.started", session_id: "s2", pc_id: "pc-002" },
      { type: "pc.status", pc_id: "pc-001", status: "online", at: 5 },
    ] as const)
      single = reducer(single, eventReceived(event));
    expect(single).toEqual(state);
  });

  it("keeps telemetry apart from the PC's record, and the lock the PC reports until its session changes", () => {
    const before = seeded();
    let state = reducer(before, eventReceived({ type: "pc.telemetry", pc_id: "pc-002", telemetry: { cpu_percent: 12, locked: false } }));
    // A sample does not touch the PC's record (its tile is not redrawn for it).
    expect(state.pcs.entities["pc-002"]).toBe(before.pcs.entities["pc-002"]);
    expect(state.telemetry["pc-002"]).toEqual({ cpu_percent: 12, locked: false });
    expect(state.locks["pc-002"]).toBe(false);
    state = reducer(state, pcLockReported({ pcId: "pc-002", locked: true, at: 5_000 }));
    expect(state.locks["pc-002"]).toBe(true);
    // A sample the PC sent before it acknowledged the lock is older news; one sent after is not.
    state = reducer(state, eventReceived({ type: "pc.telemetry", pc_id: "pc-002", telemetry: { locked: false, sent_at: 4_999 } }));
    expect(state.locks["pc-002"]).toBe(true);
    state = reducer(state, eventReceived({ type: "pc.telemetry", pc_id: "pc-002", telemetry: { locked: false, sent_at: 5_001 } }));
    expect(state.locks["pc-002"]).toBe(false);
    state = reducer(state, pcLockReported({ pcId: "pc-002", locked: true, at: 6_000 }));
    // The session ends: the agent locks by itself, so the last report no longer holds.
    state = reducer(state, eventReceived({ type: "session.ended", session_id: "s1", pc_id: "pc-002", cost: 1, reason: "stopped" }));
    expect(state.locks["pc-002"]).toBeUndefined();
    state = reducer(state, eventReceived({ type: "pc.telemetry", pc_id: "pc-002", telemetry: { locked: true } }));
    state = reducer(state, eventReceived({ type: "session.started", session_id: "s3", pc_id: "pc-002" }));
    expect(state.locks["pc-002"]).toBeUndefined();
  });

  it("keeps a PC in maintenance until a lock, an unlock or a session ends it", () => {
    let state = reducer(seeded(), pcMaintenanceReported({ pcId: "pc-001" }));
    expect(state.maintenance["pc-001"]).toBe(true);
    state = reducer(state, pcLockReported({ pcId: "pc-001", locked: true, at: 5_000 }));
    expect(state.maintenance["pc-001"]).toBeUndefined();
    state = reducer(state, pcMaintenanceReported({ pcId: "pc-001" }));
    state = reducer(state, eventReceived({ type: "session.started", session_id: "s9", pc_id: "pc-001" }));
    expect(state.maintenance["pc-001"]).toBeUndefined();
  });

  it("forgets everything on sign-out", () => {
    expect(reducer(seeded(), signedOut())).toEqual(initialLiveState);
  });
});

describe("parseEvent", () => {
  it("accepts known events and refuses anything else", () => {
    expect(parseEvent('{"type":"pc.status","pc_id":"pc-001","status":"online","at":1}')).toMatchObject({ type: "pc.status" });
    expect(parseEvent('{"type":"hello","user":"admin"}')).toMatchObject({ type: "hello" });
    expect(parseEvent("not json")).toBeNull();
    expect(parseEvent('{"type":"payment.created","pc_id":"x"}')).toBeNull();
    expect(parseEvent('{"type":"payment.created","payment_id":"p1","purpose":"sale","branch":"main","amount":300}')).toMatchObject({ type: "payment.created", purpose: "sale" });
    expect(parseEvent('{"type":"pc.status","pc_id":5}')).toBeNull();
    expect(parseEvent("[1,2]")).toBeNull();
    expect(parseEvent('{"type":"stock.alert","branch":"main","product_id":"cola","alert":{"id":"s1","state":"open"}}')).toMatchObject({ type: "stock.alert" });
    expect(parseEvent('{"type":"stock.alert","branch":"main"}')).toBeNull();
    expect(parseEvent('{"type":"system.alert","system":"main","alert":{"id":"y1","state":"open"}}')).toMatchObject({ type: "system.alert" });
    expect(parseEvent('{"type":"system.alert","system":"main"}')).toBeNull();
    expect(parseEvent(new ArrayBuffer(2))).toBeNull();
  });
});

describe("tiles", () => {
  const now = 1_000_000;
  it("colours a PC by presence, session and time left", () => {
    expect(tileOf(pc("a"), null, 0, now).status).toBe("free");
    // A free PC with alerts is still free: its badge counts them, the legend counts it under attention.
    expect(tileOf(pc("a"), null, 2, now).status).toBe("free");
    expect(tileOf(pc("a", "offline"), null, 0, now).status).toBe("offline");
    expect(tileOf(pc("a", "offline"), session("s", "a"), 0, now).status).toBe("offline_paid");
    expect(tileOf(pc("a"), session("s", "a", { ends_at: now + 5 * 60_000 }), 0, now).status).toBe("in_session");
    const ending = tileOf(pc("a"), session("s", "a", { ends_at: now + 5 * 60_000 - 1 }), 0, now);
    expect(ending.status).toBe("ending");
    expect(ending.leftMs).toBe(5 * 60_000 - 1);
  });

  it("shows no time left for a session without a known end, and never a negative one", () => {
    expect(tileOf(pc("a"), session("s", "a", { ends_at: null, kind: "member" }), 0, now).leftMs).toBeNull();
    expect(tileOf(pc("a"), session("s", "a", { ends_at: now - 10 }), 0, now).leftMs).toBe(0);
  });

  it("looks locked or under maintenance when the PC says so", () => {
    expect(tileOf(pc("a"), session("s", "a"), 0, now, true).status).toBe("maintenance");
    expect(tileOf(pc("a"), session("s", "a", { ends_at: now + 10 * 60_000 }), 0, now, false).status).toBe("in_session");
    expect(tileOf(pc("a"), null, 0, now, false).status).toBe("maintenance");
    expect(tileOf(pc("a"), null, 0, now, true).status).toBe("free");
    expect(tileOf(pc("a"), null, 0, now, null).status).toBe("free");
    expect(tileOf(pc("a", "offline"), null, 0, now, false).status).toBe("offline");
    expect(tileOf(pc("a"), null, 0, now, true, true).status).toBe("maintenance");
  });

  it("counts tiles per status", () => {
    const tiles = [tileOf(pc("a"), null, 0, now), tileOf(pc("b"), null, 0, now), tileOf(pc("c", "offline"), null, 0, now)];
    expect(countByStatus(tiles)).toMatchObject({ free: 2, offline: 1, in_session: 0, attention: 0 });
    expect(countByStatus([tileOf(pc("d"), null, 3, now), tileOf(pc("e", "offline"), null, 1, now)])).toMatchObject({ free: 1, offline: 1, attention: 2 });
  });
});

describe("reconnection back-off", () => {
  it("doubles from half a second, jittered, capped at ten", () => {
    expect(backoffMs(1, () => 0)).toBe(250);
    expect(backoffMs(1, () => 1)).toBe(500);
    expect(backoffMs(3, () => 1)).toBe(2000);
    expect(backoffMs(30, () => 1)).toBe(10_000);
    expect(backoffMs(30, () => 0)).toBe(5000);
  });
});
