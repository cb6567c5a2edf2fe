import { describe, expect, it } from "vitest";

import { ApiError } from "../../api/errors";
import { fieldError } from "./apiField";
import { allValid, amount, clockOf, luhn, minutesOf, reason, staffPassword, terminalRef, totpCode, username, wholeNumber } from "./validate";

describe("form checks", () => {
  it("wants a reason of at least 3 characters once trimmed", () => {
    expect(reason("")).toBe("required");
    expect(reason("  ab  ")).toBe("reasonShort");
    expect(reason("typo")).toBeNull();
    expect(reason("x".repeat(501))).toBe("tooLong");
  });

  it("wants six digits from the authenticator, spaces allowed", () => {
    expect(totpCode("123 456")).toBeNull();
    expect(totpCode("12345")).toBe("totp");
    expect(totpCode("abcdef")).toBe("totp");
    expect(totpCode(" ")).toBe("required");
  });

  it("checks amounts in the branch currency, with a floor and a ceiling", () => {
    expect(amount("12 000", "UZS")).toBeNull();
    expect(amount("", "UZS")).toBe("required");
    expect(amount("0", "UZS")).toBe("positive");
    expect(amount("0", "UZS", 0)).toBeNull();
    expect(amount("12.5", "UZS")).toBe("amount");
    expect(amount("-3", "UZS")).toBe("amount");
    expect(amount("5 001", "UZS", 1, 500_000)).toBe("tooMuch");
    expect(amount("5 000", "UZS", 1, 500_000)).toBeNull();
  });

  it("refuses a card number where the terminal's approval code belongs", () => {
    expect(luhn("4111111111111111")).toBe(true);
    expect(luhn("4111111111111112")).toBe(false);
    expect(terminalRef("4111 1111 1111 1111")).toBe("cardNumber");
    expect(terminalRef("4111-1111-1111-1112")).toBeNull();
    expect(terminalRef("AUTH-845512")).toBeNull();
    expect(terminalRef("AUTH 845512")).toBe("terminalRef");
    expect(terminalRef("123")).toBe("terminalRef");
    expect(terminalRef("   ")).toBe("required");
    expect(terminalRef("x".repeat(33))).toBe("terminalRef");
  });

  it("checks usernames and staff passwords by the hub's lengths", () => {
    expect(username("al")).toBe("username");
    expect(username("alice")).toBeNull();
    expect(staffPassword("short")).toBe("passwordLength");
    expect(staffPassword("a long enough passphrase")).toBeNull();
  });

  it("reads whole numbers within a range", () => {
    expect(wholeNumber("60", 1, 1440)).toBeNull();
    expect(wholeNumber("0", 1, 1440)).toBe("range");
    expect(wholeNumber("1.5", 1, 1440)).toBe("whole");
    expect(wholeNumber("", 1, 1440)).toBe("required");
  });

  it("reads times of day as minutes after midnight and back", () => {
    expect(minutesOf("22:00")).toBe(1320);
    expect(minutesOf("8:05")).toBe(485);
    expect(minutesOf("24:00")).toBe(1440);
    expect(minutesOf("24:01")).toBeNull();
    expect(minutesOf("12:60")).toBeNull();
    expect(minutesOf("noon")).toBeNull();
    expect(clockOf(485)).toBe("08:05");
    expect(clockOf(1440)).toBe("24:00");
    for (let minute = 0; minute <= 1440; minute += 7) expect(minutesOf(clockOf(minute))).toBe(minute);
  });

  it("says whether a whole form is valid", () => {
    expect(allValid({ a: null, b: null })).toBe(true);
    expect(allValid({ a: null, b: "required" })).toBe(false);
  });
});

describe("fieldError", () => {
  const fields = { amount: "amount", "confirmation.reason": "reason", reason: "reason", items: "cart" };

  it("puts a 400 naming a field next to that field, in the hub's words", () => {
    expect(fieldError(new ApiError("bad_request", "amount: Input should be greater than 0", 400), fields)).toEqual({
      field: "amount",
      message: "Input should be greater than 0",
    });
    expect(fieldError(new ApiError("bad_request", "confirmation.reason: give a reason of at least 3 characters", 400), fields)).toEqual({
      field: "reason",
      message: "give a reason of at least 3 characters",
    });
    expect(fieldError(new ApiError("bad_request", "items.0.quantity: too big", 400), fields)?.field).toBe("cart");
  });

  it("knows refusals by their code", () => {
    const error = new ApiError("refund_exceeds_payment", "only 5 000 so'm is left to refund", 409);
    expect(fieldError(error, fields, { refund_exceeds_payment: "amount" })).toEqual({ field: "amount", message: "only 5 000 so'm is left to refund" });
  });

  it("words a refused code or password in the user's language (a key of common.errors)", () => {
    const error = new ApiError("confirmation_failed", "the totp confirmation is wrong or already used", 403);
    expect(fieldError(error, fields, { confirmation_failed: "proof" })).toEqual({ field: "proof", message: "confirmationFailed" });
  });

  it("leaves anything else to the form as a whole", () => {
    expect(fieldError(new ApiError("bad_request", "unknown: what", 400), fields)).toEqual({ field: null, message: "unknown: what" });
    expect(fieldError(new ApiError("shift_required", "open a shift first", 409), fields)).toEqual({ field: null, message: "open a shift first" });
    expect(fieldError(new Error("boom"), fields)).toBeNull();
  });
});
