/**
 * What a PC tile shows, decided in one pure function from the live state and the clock: its status
 * (the legend's colours), who sits there and how long is left. Money and time come from the hub
 * (the session's cost so far and end); nothing is priced here.
 */
import type { Pc, Session } from "../api/types";

export type TileStatus = "free" | "in_session" | "ending" | "offline" | "offline_paid" | "maintenance";

/** The statuses, in the order the legend shows them. */
export const TILE_STATUSES: readonly TileStatus[] = ["free", "in_session", "ending", "offline_paid", "offline", "maintenance"];

/**
 * The legend's entries: every status, and the PCs with unresolved alerts ("needs attention"), which is
 * not a status: a free PC with an alert is still free (its badge counts the alerts).
 */
export type LegendKey = TileStatus | "attention";

export const ENDING_SOON_MS = 5 * 60_000;

export interface Tile {
  pc: Pc;
  session: Session | null;
  status: TileStatus;
  /** Milliseconds left when the session has a known end, else null (a member's balance-limited session). */
  leftMs: number | null;
  alerts: number;
  /** What the PC last said about its screen lock (null: not reported since its session changed). */
  locked: boolean | null;
  /** Put in maintenance from this console: the lock screen says so and takes no logins. */
  maintenance: boolean;
}

/**
 * `locked` is the PC's own report: locked during a session (staff locked it) or unlocked without one
 * (handed out for maintenance) is the "maintenance / locked" look, so neither goes unnoticed.
 */
export function tileOf(
  pc: Pc,
  session: Session | null,
  unresolvedAlerts: number,
  now: number,
  locked: boolean | null = null,
  maintenance = false,
): Tile {
  const leftMs = session?.ends_at != null ? Math.max(0, session.ends_at - now) : null;
  let status: TileStatus;
  if (pc.status !== "online") {
    // A PC that drops out while someone pays for it is what staff must see first (USERS.md: time sold off
    // the books by disconnecting a client).
    status = session ? "offline_paid" : "offline";
  } else if (session) {
    if (locked === true) status = "maintenance";
    else status = leftMs !== null && leftMs < ENDING_SOON_MS ? "ending" : "in_session";
  } else if (locked === false || maintenance) {
    status = "maintenance";
  } else {
    status = "free";
  }
  return { pc, session, status, leftMs, alerts: unresolvedAlerts, locked, maintenance };
}

/** How many tiles are in each legend entry (a PC with alerts counts in its status and in "attention"). */
export function countByStatus(tiles: readonly Tile[]): Record<LegendKey, number> {
  const counts: Record<LegendKey, number> = { free: 0, in_session: 0, ending: 0, offline: 0, offline_paid: 0, maintenance: 0, attention: 0 };
  for (const tile of tiles) {
    counts[tile.status] += 1;
    if (tile.alerts > 0) counts.attention += 1;
  }
  return counts;
}
