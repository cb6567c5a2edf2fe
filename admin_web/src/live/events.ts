/** What the hub pushes on `/api/v1/ws` (hub/api/live.py); anything else is ignored. */
import type { Session } from "../api/types";

export interface PcAlert {
  id: string;
  pc_id: string;
  kind: string;
  state: string;
  message: string;
  count: number;
  first_at: number;
  last_at: number;
}

export type LiveEvent =
  | { type: "hello"; user: string }
  | { type: "pc.status"; pc_id: string; status: string; at: number }
  | { type: "pc.telemetry"; pc_id: string; telemetry: Record<string, unknown> }
  | { type: "pc.alert"; pc_id: string; alert: PcAlert }
  | { type: "stock.alert"; branch: string; product_id: string; alert: { id: string; state: string } }
  | { type: "system.alert"; system: string; alert: { id: string; state: string } }
  // A payment or a refund (hub.money.books): one for goods ("sale") moved stock.
  | { type: "payment.created" | "payment.refunded"; payment_id: string; purpose: string | null; branch: string }
  | { type: "session.started"; session_id: string; pc_id: string; session?: Session }
  | { type: "session.progress"; session_id: string; pc_id: string; used_ms: number; cost: number }
  | { type: "session.ended"; session_id: string; pc_id: string; cost: number; reason: string | null }
  | { type: "command.ack"; command_id: string; pc_id: string; outcome: string; detail: string | null; done_at: number };

const TYPES = new Set([
  "hello",
  "pc.status",
  "pc.telemetry",
  "pc.alert",
  "stock.alert",
  "system.alert",
  "payment.created",
  "payment.refunded",
  "session.started",
  "session.progress",
  "session.ended",
  "command.ack",
]);

/** A pushed frame as an event, or null when it is not JSON, not an object, or of an unknown type. */
export function parseEvent(raw: unknown): LiveEvent | null {
  if (typeof raw !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !TYPES.has(type)) return null;
  if (type === "stock.alert" || type === "system.alert") {
    const alert = (value as { alert?: unknown }).alert;
    return typeof alert === "object" && alert !== null ? (value as LiveEvent) : null;
  }
  if (type === "payment.created" || type === "payment.refunded") {
    return typeof (value as { payment_id?: unknown }).payment_id === "string" ? (value as LiveEvent) : null;
  }
  if (type !== "hello" && typeof (value as { pc_id?: unknown }).pc_id !== "string") return null;
  return value as LiveEvent;
}
