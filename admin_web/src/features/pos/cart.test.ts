import { describe, expect, it } from "vitest";

import type { Product } from "../../api/money";
import { add, categories, count, items, MAX_QUANTITY, price, setQuantity, withoutMissing, type Cart } from "./cart";

const tea: Product = { id: "tea", name: "Tea", price: 500_000, category: "Drinks", active: true };
const cola: Product = { id: "cola", name: "Cola", price: 800_000, category: "Drinks", active: true };
const chips: Product = { id: "chips", name: "Chips", price: 1_200_000, category: "Snacks", active: true };
const gone: Product = { id: "gone", name: "Old", price: 100, category: "Snacks", active: false };

describe("cart", () => {
  it("adds a product once per line and counts up", () => {
    let cart: Cart = [];
    cart = add(cart, "tea");
    cart = add(cart, "cola");
    cart = add(cart, "tea");
    expect(cart).toEqual([
      { productId: "tea", quantity: 2 },
      { productId: "cola", quantity: 1 },
    ]);
    expect(count(cart)).toBe(3);
    expect(items(cart)).toEqual([
      { product_id: "tea", quantity: 2 },
      { product_id: "cola", quantity: 1 },
    ]);
  });

  it("removes a line at zero and holds a quantity at the hub's bound", () => {
    const cart = add(add([], "tea"), "cola");
    expect(setQuantity(cart, "tea", 0)).toEqual([{ productId: "cola", quantity: 1 }]);
    expect(setQuantity(cart, "tea", -4)).toEqual([{ productId: "cola", quantity: 1 }]);
    expect(setQuantity(cart, "tea", Number.NaN)).toEqual([{ productId: "cola", quantity: 1 }]);
    expect(setQuantity(cart, "tea", 5000)[0]).toEqual({ productId: "tea", quantity: MAX_QUANTITY });
    expect(add(setQuantity(cart, "tea", MAX_QUANTITY), "tea")[0]?.quantity).toBe(MAX_QUANTITY);
  });

  it("prices lines from the catalogue it is given, and sets aside what is no longer sold", () => {
    const cart: Cart = [
      { productId: "tea", quantity: 2 },
      { productId: "gone", quantity: 1 },
      { productId: "chips", quantity: 1 },
      { productId: "unknown", quantity: 3 },
    ];
    const priced = price(cart, [tea, chips, gone]);
    expect(priced.lines.map((line) => [line.productId, line.total])).toEqual([
      ["tea", 1_000_000],
      ["chips", 1_200_000],
    ]);
    expect(priced.total).toBe(2_200_000);
    expect(priced.missing.map((line) => line.productId)).toEqual(["gone", "unknown"]);
    expect(withoutMissing(cart, [tea, chips, gone])).toEqual([
      { productId: "tea", quantity: 2 },
      { productId: "chips", quantity: 1 },
    ]);
  });

  it("shows the new price after the catalogue changed (what a 409 price_changed refreshes)", () => {
    const cart: Cart = [{ productId: "tea", quantity: 3 }];
    expect(price(cart, [tea]).total).toBe(1_500_000);
    expect(price(cart, [{ ...tea, price: 600_000 }]).total).toBe(1_800_000);
  });

  it("lists the categories of products for sale alphabetically, those without one last", () => {
    expect(categories([chips, { ...tea, id: "x", category: "" }, tea, cola, gone])).toEqual(["Drinks", "Snacks", ""]);
  });
});
