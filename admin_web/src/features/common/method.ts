/** How a customer pays, and what each method needs (the hub checks the same: hub/money/methods.py). */
import type { MemberChoice, Method, PaymentBody } from "../../api/money";
import { required, terminalRef, type Check } from "./validate";

export const METHODS: readonly Method[] = ["cash", "card", "balance", "voucher"];

/** The member paying from their balance (what the picker shows of them). */
export type ChosenMember = Pick<MemberChoice, "id" | "login" | "name" | "balance">;

export interface MethodValue {
  method: Method;
  terminalRef: string;
  voucherCode: string;
  member: ChosenMember | null;
}

export const NEW_METHOD: MethodValue = { method: "cash", terminalRef: "", voucherCode: "", member: null };

/** The methods the branch takes (its settings), in the console's order; `exclude` leaves some out. */
export function offered(branchMethods: readonly string[] | undefined, exclude: readonly Method[] = []): Method[] {
  const taken = new Set(branchMethods ?? METHODS);
  return METHODS.filter((method) => taken.has(method) && !exclude.includes(method));
}

/** Cash and card go into a drawer: they need the cashier's open shift. */
export function needsShift(method: string): boolean {
  return method === "cash" || method === "card";
}

export function methodChecks(value: MethodValue): { terminalRef: Check; voucherCode: Check; member: Check } {
  return {
    terminalRef: value.method === "card" ? terminalRef(value.terminalRef) : null,
    voucherCode: value.method === "voucher" ? required(value.voucherCode) : null,
    member: value.method === "balance" && value.member === null ? "required" : null,
  };
}

/** The method's part of a payment's body. */
export function methodBody(value: MethodValue): Pick<PaymentBody, "method" | "terminal_ref" | "voucher_code" | "member_id"> {
  switch (value.method) {
    case "card":
      return { method: "card", terminal_ref: value.terminalRef.trim() };
    case "voucher":
      return { method: "voucher", voucher_code: value.voucherCode.trim() };
    case "balance":
      return { method: "balance", member_id: value.member?.id ?? "" };
    default:
      return { method: "cash" };
  }
}
