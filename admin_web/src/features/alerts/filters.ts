/** The alerts page's rules: its filters as the address keeps them, the hub's query, and the list's order. */
import type { AlertFilters, AlertItem } from "../../api/alerts";

export const STATES = ["unresolved", "open", "acknowledged", "resolved"] as const;
export type StateFilter = (typeof STATES)[number];

/** The kinds the hub raises (hub/alerts.py AlertKind); the list names each, the filter offers them. */
export const KINDS = [
  "offline_in_session",
  "tamper",
  "lock_hardening",
  "event_quarantined",
  "session_bounded",
  "offline_unverified",
  "malformed_message",
  "oversized_message",
  "foreign_site",
  "login_failures",
  "broker_refused",
  "low_stock",
  "broker_down",
  "store_outage",
  "backup_overdue",
] as const;

export const KEYS = ["state", "kind", "pc"] as const;
export type Form = Record<(typeof KEYS)[number], string>;

/** The hub's id rule (protocol's Identifier): a PC filter that breaks it is not sent, and the field says so. */
export const PC_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The hub's filters from the form: unresolved (open or acknowledged) unless another state is chosen. */
export function alertsQuery(form: Form): AlertFilters {
  const state = (STATES as readonly string[]).includes(form.state) ? (form.state as StateFilter) : "unresolved";
  const query: AlertFilters = { state };
  if (form.kind) query.kind = form.kind;
  const pc = form.pc.trim();
  if (PC_ID.test(pc)) query.pc_id = pc;
  return query;
}

const RANK: Record<string, number> = { open: 0, acknowledged: 1, resolved: 2 };

/** Open ones first (nobody is on them yet), then acknowledged, then resolved; newest first within each. */
export function sortAlerts<T extends Pick<AlertItem, "state" | "last_at" | "id">>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (RANK[a.state] ?? 3) - (RANK[b.state] ?? 3) || b.last_at - a.last_at || a.id.localeCompare(b.id));
}

/** The nav's badge: nothing at zero, the count up to 99, then "99+". */
export function badgeText(openCount: number | undefined): string | null {
  if (openCount === undefined || openCount <= 0) return null;
  return openCount > 99 ? "99+" : String(openCount);
}

/** What a staff member may do to an alert in its state: acknowledge an open one, resolve any unresolved one. */
export function actionsFor(state: string, mayManage: boolean): { acknowledge: boolean; resolve: boolean } {
  if (!mayManage) return { acknowledge: false, resolve: false };
  return { acknowledge: state === "open", resolve: state === "open" || state === "acknowledged" };
}
