import { describe, expect, it } from "vitest";

import { IdempotentAction } from "../../api/idempotency";
import { proofOf, refundRequest } from "./refund";

describe("a refund's request and its idempotency key", () => {
  let counter = 0;
  const action = () => new IdempotentAction(() => `key-${++counter}`);

  it("sends the proof in the body but keys the refund by what is refunded", () => {
    const { body, keyOf } = refundRequest({ amount: 500_000, reason: " returned one tea ", terminalRef: null }, proofOf("123 456", true));
    expect(body).toEqual({ amount: 500_000, reason: "returned one tea", totp: "123456" });
    expect(keyOf).toEqual({ amount: 500_000, reason: "returned one tea" });
  });

  it("keeps the key when the same refund is retried with a new code, and after a fault", () => {
    const refund = action();
    const what = { amount: 500_000, reason: "returned one tea", terminalRef: "AUTH-1" };
    const first = refund.keyFor(refundRequest(what, proofOf("111111", true)).keyOf);
    // The answer was lost (a fault): the cashier tries again, with the next code.
    const retry = refund.keyFor(refundRequest(what, proofOf("222222", true)).keyOf);
    expect(retry).toBe(first);
  });

  it("takes a new key for a different refund, and after the last one finished", () => {
    const refund = action();
    const what = { amount: 500_000, reason: "returned one tea", terminalRef: null };
    const first = refund.keyFor(refundRequest(what, proofOf("x", false)).keyOf);
    expect(refund.keyFor(refundRequest({ ...what, amount: 400_000 }, proofOf("x", false)).keyOf)).not.toBe(first);
    const second = refund.keyFor(refundRequest(what, proofOf("x", false)).keyOf);
    refund.finished();
    expect(refund.keyFor(refundRequest(what, proofOf("x", false)).keyOf)).not.toBe(second);
  });

  it("sends a password as typed (spaces are part of it)", () => {
    expect(proofOf(" pass phrase ", false)).toEqual({ password: " pass phrase " });
  });
});
