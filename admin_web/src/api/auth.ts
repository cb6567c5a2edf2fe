/**
 * The login session's tokens and their rotation, shared by every tab of the console.
 *
 * Tokens live in localStorage so a new tab is signed in too. A refresh token is single-use (the hub
 * treats a second use as theft and ends the session), so exactly one refresh may be in flight: within a
 * tab, concurrent callers share one promise; across tabs, a Web Lock serialises them and the tab that
 * gets the lock second finds the tokens already rotated in storage and uses those instead of spending
 * the old refresh token again.
 */
import type { SessionAnswer } from "./types";

export interface Tokens {
  access: string;
  refresh: string | null;
  scope: "full" | "limited";
  username: string;
  /**
   * How long the hub lets the session go without a refresh (its `refresh_expires_in` at sign-in, the
   * idle limit): the console's own idle timeout (app/auth/idle.ts). Absent in tokens stored before it.
   */
  idleS?: number;
}

export type SignOutReason = "logout" | "idle" | "expired" | "ended" | "reused";

export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** What the refresh endpoint did: new tokens, a definite refusal (the session is over), or a thrown error. */
export type RefreshOutcome = { ok: true; answer: SessionAnswer } | { ok: false; code: string };

export interface AuthDeps {
  storage: KeyValueStore;
  locks: LockManagerLike | null;
  callRefresh: (refreshToken: string) => Promise<RefreshOutcome>;
}

export const STORAGE_KEY = "icafe.session";
/** Why this browser's session last ended, for the other tabs (they hear of it through the `storage` event). */
export const REASON_KEY = "icafe.signed-out";
const LOCK_NAME = "icafe.refresh";

type Listener = (tokens: Tokens | null, reason: SignOutReason | null) => void;

/** Tokens from the hub's answer; a rotation keeps the idle limit of the sign-in (later answers shrink
 * `refresh_expires_in` towards the session's absolute end). */
export function tokensFrom(answer: SessionAnswer, previous: Tokens | null = null): Tokens {
  const idleS = previous?.idleS ?? answer.refresh_expires_in;
  return {
    access: answer.access_token,
    refresh: answer.refresh_token ?? null,
    scope: answer.scope,
    username: answer.user.username,
    ...(idleS !== undefined && idleS > 0 ? { idleS } : {}),
  };
}

const REASONS: readonly SignOutReason[] = ["logout", "idle", "expired", "ended", "reused"];

function reasonOf(code: string): SignOutReason {
  if (code === "refresh_token_reused") return "reused";
  if (code === "session_expired") return "expired";
  return "ended";
}

export class AuthSession {
  private inflight: Promise<string | null> | null = null;
  /** A logout of this tab is in flight: the session's end is the user's doing, whatever else fails meanwhile. */
  private leaving = false;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly deps: AuthDeps) {}

  tokens(): Tokens | null {
    const raw = this.deps.storage.getItem(STORAGE_KEY);
    if (raw === null) return null;
    try {
      const value = JSON.parse(raw) as Tokens;
      return typeof value.access === "string" ? value : null;
    } catch {
      return null;
    }
  }

  accessToken(): string | null {
    return this.tokens()?.access ?? null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Another tab changed the tokens (the `storage` event): tell this tab's listeners. */
  externalChange(): void {
    const tokens = this.tokens();
    const said = this.deps.storage.getItem(REASON_KEY);
    this.emit(tokens, tokens === null ? (REASONS.find((reason) => reason === said) ?? "ended") : null);
  }

  signedIn(answer: SessionAnswer): void {
    this.deps.storage.removeItem(REASON_KEY);
    this.deps.storage.setItem(STORAGE_KEY, JSON.stringify(tokensFrom(answer)));
    this.emit(this.tokens(), null);
  }

  signOut(reason: SignOutReason): void {
    // Already signed out: the listeners heard the first reason, which stays the one shown.
    if (this.tokens() === null) return;
    this.deps.storage.setItem(REASON_KEY, reason);
    this.deps.storage.removeItem(STORAGE_KEY);
    this.emit(null, reason);
  }

  /**
   * Log out with `call` (the hub's logout), then sign out with `reason` whatever it answered: "logout"
   * when the user asked, "idle" when the console's idle timeout did. The hub
   * ends the session's live feed at once, often before the logout's own answer arrives; the refresh
   * that the feed then tries is refused, and that refusal must not be shown as "your session was ended".
   */
  async logout(call: () => Promise<unknown>, reason: "logout" | "idle" = "logout"): Promise<void> {
    this.leaving = true;
    try {
      await call();
    } finally {
      this.leaving = false;
      this.signOut(reason);
    }
  }

  /**
   * A fresh access token after `stale` was refused, or null when the session is over (then listeners
   * hear why). Network failures throw: the session may well be alive, so nobody is signed out for them.
   */
  refresh(stale: string): Promise<string | null> {
    this.inflight ??= this.rotate(stale).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async rotate(stale: string): Promise<string | null> {
    const work = async (): Promise<string | null> => {
      const current = this.tokens();
      if (current === null) return null;
      // Another tab (or an earlier call) already rotated: use its tokens, never spend the old one twice.
      if (current.access !== stale) return current.access;
      if (current.refresh === null) {
        // A limited token (required actions pending) has no refresh: its end is the session's end.
        this.signOut("expired");
        return null;
      }
      const outcome = await this.deps.callRefresh(current.refresh);
      if (!outcome.ok) {
        // Refused because this tab is logging out, or after the tokens changed meanwhile (signed out,
        // signed in again): whoever changed them told the listeners; this refusal is not news.
        if (this.leaving || this.tokens()?.access !== current.access) return null;
        this.signOut(reasonOf(outcome.code));
        return null;
      }
      this.deps.storage.setItem(STORAGE_KEY, JSON.stringify(tokensFrom(outcome.answer, current)));
      this.emit(this.tokens(), null);
      return outcome.answer.access_token;
    };
    return this.deps.locks ? this.deps.locks.request(LOCK_NAME, work) : work();
  }

  private emit(tokens: Tokens | null, reason: SignOutReason | null): void {
    for (const listener of this.listeners) listener(tokens, reason);
  }
}
