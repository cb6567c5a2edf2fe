/**
 * The console's own idle timeout. The live feed renews the access token by itself, so the hub would never
 * see an open console as idle: the console watches the user's input instead (keys, clicks, the pointer,
 * the wheel, touch), shared by every tab of the browser through localStorage, and after as long without
 * any as the hub's idle limit (`refresh_expires_in` at sign-in, ICAFE_STAFF_SESSION_IDLE_S) it logs out.
 * A warning with a countdown comes first. Pure apart from the storage it is given (idle.test.ts).
 */
import type { KeyValueStore } from "../../api/auth";

export const ACTIVITY_KEY = "icafe.activity";
/** The warning is shown this long before the end (half the limit when that is shorter). */
export const WARN_MS = 60_000;
/** Continuous input is written for the other tabs at most this often; the first after a pause at once. */
export const SHARE_EVERY_MS = 5_000;

export type IdleState = { phase: "active"; warnInMs: number } | { phase: "warning"; leftMs: number } | { phase: "over" };

export function idleState(now: number, lastActive: number, idleMs: number, warnMs: number = WARN_MS): IdleState {
  const left = lastActive + idleMs - now;
  if (left <= 0) return { phase: "over" };
  const warn = Math.min(warnMs, idleMs / 2);
  if (left <= warn) return { phase: "warning", leftMs: left };
  return { phase: "active", warnInMs: left - warn };
}

/** When the user last did something, in this tab or another. */
export class ActivityClock {
  private last: number;
  private shared = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly storage: KeyValueStore,
    private readonly now: () => number,
  ) {
    this.last = now(); // opening (or reloading) the console is the user's doing
  }

  touch(): void {
    const at = this.now();
    this.last = at;
    if (at - this.shared < SHARE_EVERY_MS) return;
    this.shared = at;
    try {
      this.storage.setItem(ACTIVITY_KEY, String(at));
    } catch {
      // Storage full or refused: this tab still counts its own input.
    }
  }

  lastActive(): number {
    const stored = Number(this.storage.getItem(ACTIVITY_KEY));
    return Number.isFinite(stored) ? Math.max(this.last, stored) : this.last;
  }
}
