import { describe, expect, it } from "vitest";

import { changedCounts, countRows, parseQuantity, stockTone, transferLines } from "./logic";

describe("parseQuantity", () => {
  it("reads whole numbers with spaces as typed", () => {
    expect(parseQuantity("12")).toBe(12);
    expect(parseQuantity(" 1 000 ")).toBe(1000);
    expect(parseQuantity("0", 0)).toBe(0);
  });
  it("refuses fractions, signs, zero where one is the least, and the absurd", () => {
    for (const bad of ["", "1.5", "-2", "0", "abc", "12345678"]) expect(parseQuantity(bad)).toBeNull();
  });
});

describe("stockTone", () => {
  it("tells out of stock from low from fine", () => {
    expect(stockTone({ on_hand: 0, low: true })).toBe("out");
    expect(stockTone({ on_hand: -2, low: false })).toBe("out");
    expect(stockTone({ on_hand: 2, low: true })).toBe("low");
    expect(stockTone({ on_hand: 9, low: false })).toBe("ok");
  });
});

describe("count sheet", () => {
  const stock = [
    { product_id: "b", name: "Bar", on_hand: 10 },
    { product_id: "a", name: "Apple juice", on_hand: 4 },
  ];
  const lines = [{ product_id: "b", name: "Bar", counted: 8, expected: 10, variance: -2 }];

  it("lists counted products with their variance and the rest uncounted, by name", () => {
    expect(countRows(stock, lines)).toEqual([
      { product_id: "a", name: "Apple juice", expected: 4, counted: null, variance: null },
      { product_id: "b", name: "Bar", expected: 10, counted: 8, variance: -2 },
    ]);
  });

  it("sends only counts that changed, and nothing when one is not a count", () => {
    const rows = countRows(stock, lines);
    expect(changedCounts(rows, { a: "5", b: "8" })).toEqual([{ product_id: "a", counted: 5 }]);
    expect(changedCounts(rows, { a: "", b: "7" })).toEqual([{ product_id: "b", counted: 7 }]);
    expect(changedCounts(rows, { a: "x" })).toBeNull();
  });
});

describe("transferLines", () => {
  it("sends each product once with its whole quantity", () => {
    expect(transferLines([{ productId: "cola", quantity: "2" }, { productId: "bar", quantity: " 1 000 " }])).toEqual({
      lines: [{ product_id: "cola", quantity: 2 }, { product_id: "bar", quantity: 1000 }],
      errors: [
        { product: null, quantity: false },
        { product: null, quantity: false },
      ],
    });
  });
  it("names what is wrong with each line and sends nothing", () => {
    const checked = transferLines([{ productId: null, quantity: "" }, { productId: "cola", quantity: "0" }, { productId: "bar", quantity: "3" }, { productId: "bar", quantity: "1" }]);
    expect(checked).toEqual({
      lines: null,
      errors: [
        { product: "required", quantity: true },
        { product: null, quantity: true },
        { product: null, quantity: false },
        { product: "duplicate", quantity: false },
      ],
    });
    expect(transferLines([]).lines).toBeNull();
  });
});
