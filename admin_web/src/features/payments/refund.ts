/**
 * A refund request and what its Idempotency-Key follows. The key belongs to what is refunded (amount,
 * reason, terminal code), never to the proof: a retry after a lost answer, or after a wrong code, is the
 * same refund with a fresh code, and the hub answers a retried key before asking for the code again.
 */
import type { RefundBody } from "../../api/money";

export interface RefundWhat {
  amount: number;
  reason: string;
  terminalRef: string | null;
}

export type Proof = { totp: string } | { password: string };

export function refundRequest(what: RefundWhat, proof: Proof): { body: RefundBody; keyOf: object } {
  const keyOf = { amount: what.amount, reason: what.reason.trim(), ...(what.terminalRef !== null ? { terminal_ref: what.terminalRef.trim() } : {}) };
  return { body: { ...keyOf, ...proof }, keyOf };
}

/** The proof as the hub takes it: a TOTP code without the spaces apps show, or the password as typed. */
export function proofOf(text: string, usesTotp: boolean): Proof {
  return usesTotp ? { totp: text.replace(/\s/g, "") } : { password: text };
}
