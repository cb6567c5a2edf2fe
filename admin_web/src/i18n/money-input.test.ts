import { describe, expect, it } from "vitest";

import { currencyName, formatMoney, moneyInputText, parseMoney } from "./format";

describe("parseMoney", () => {
  it("reads whole so'm, grouped or not, as minor units", () => {
    expect(parseMoney("12000", "UZS")).toBe(1_200_000);
    expect(parseMoney("12 000", "UZS")).toBe(1_200_000);
    expect(parseMoney(" 1\u00a0500\u00a0000 ", "UZS")).toBe(150_000_000);
    expect(parseMoney("0", "UZS")).toBe(0);
  });

  it("refuses fractions of a so'm, signs, letters and nothing", () => {
    for (const text of ["12.5", "12,50", "-5", "+5", "12k", "", "  ", "1e6", "0x10", "12 000 so'm"]) {
      expect(parseMoney(text, "UZS")).toBeNull();
    }
  });

  it("reads cents with either decimal separator", () => {
    expect(parseMoney("12.50", "USD")).toBe(1_250);
    expect(parseMoney("12,5", "USD")).toBe(1_250);
    expect(parseMoney("12.", "USD")).toBe(1_200);
    expect(parseMoney("0,05", "EUR")).toBe(5);
    expect(parseMoney("1.234", "USD")).toBeNull();
  });

  it("refuses what would not be a safe integer of minor units", () => {
    expect(parseMoney("99999999999999999", "UZS")).toBeNull();
  });

  it("is the inverse of the editing text", () => {
    for (const [minor, currency] of [
      [1_200_000, "UZS"],
      [0, "UZS"],
      [1_250, "USD"],
      [1_205, "EUR"],
      [100, "RUB"],
    ] as const) {
      expect(parseMoney(moneyInputText(minor, currency), currency)).toBe(minor);
    }
  });

  it("reads back what formatMoney shows, without the unit", () => {
    const shown = formatMoney(1_234_500, "UZS", "ru").replace(/ сум$/, "");
    expect(parseMoney(shown, "UZS")).toBe(1_234_500);
  });
});

describe("currencyName", () => {
  it("names the currency in the language, or by its code", () => {
    expect(currencyName("UZS", "ru")).toBe("сум");
    expect(currencyName("UZS", "uz")).toBe("so'm");
    expect(currencyName("KZT", "en")).toBe("KZT");
  });
});
