import { describe, expect, it } from "vitest";

import { methodBody, methodChecks, needsShift, NEW_METHOD, offered } from "./method";

describe("payment methods", () => {
  it("offers what the branch takes, in a fixed order", () => {
    expect(offered(["voucher", "cash"])).toEqual(["cash", "voucher"]);
    expect(offered(undefined)).toEqual(["cash", "card", "balance", "voucher"]);
    expect(offered(["cash", "voucher"], ["voucher"])).toEqual(["cash"]);
  });

  it("asks for what each method needs", () => {
    expect(methodChecks(NEW_METHOD)).toEqual({ terminalRef: null, voucherCode: null, member: null });
    expect(methodChecks({ ...NEW_METHOD, method: "card" }).terminalRef).toBe("required");
    expect(methodChecks({ ...NEW_METHOD, method: "card", terminalRef: "4111111111111111" }).terminalRef).toBe("cardNumber");
    expect(methodChecks({ ...NEW_METHOD, method: "voucher" }).voucherCode).toBe("required");
    expect(methodChecks({ ...NEW_METHOD, method: "balance" }).member).toBe("required");
  });

  it("sends only the chosen method's fields", () => {
    const member = { id: "m1", login: "aziz", name: "Aziz", balance: 0 };
    const all = { method: "cash" as const, terminalRef: " 845512 ", voucherCode: " V-1 ", member };
    expect(methodBody(all)).toEqual({ method: "cash" });
    expect(methodBody({ ...all, method: "card" })).toEqual({ method: "card", terminal_ref: "845512" });
    expect(methodBody({ ...all, method: "voucher" })).toEqual({ method: "voucher", voucher_code: "V-1" });
    expect(methodBody({ ...all, method: "balance" })).toEqual({ method: "balance", member_id: "m1" });
  });

  it("puts cash and card in a shift's drawer", () => {
    expect(needsShift("cash")).toBe(true);
    expect(needsShift("card")).toBe(true);
    expect(needsShift("balance")).toBe(false);
    expect(needsShift("voucher")).toBe(false);
  });
});
