import { describe, expect, it } from "vitest";

import { topProducts, type ProductSales } from "./topProducts";

const row = (product_id: string, name: string, quantity: number, total: number): ProductSales => ({ product_id, name, quantity, total });

/** A small deterministic generator (mulberry32), so a failing case can be replayed from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("top products", () => {
  it("ranks by takings, then units, then name, and keeps the first few", () => {
    const rows = [row("tea", "Tea", 4, 12_000_00), row("cola", "Cola", 2, 16_000_00), row("bar", "Bar", 3, 12_000_00), row("chips", "Chips", 1, 12_000_00)];
    expect(topProducts(rows, 3).map((r) => r.product_id)).toEqual(["cola", "tea", "bar"]);
    expect(topProducts(rows, 0)).toEqual([]);
    expect(topProducts([], 5)).toEqual([]);
  });

  it("counts a product renamed during the day once, under the name it took most with", () => {
    const rows = [row("tea", "Black tea", 3, 9_000_00), row("cola", "Cola", 1, 10_000_00), row("tea", "Tea", 1, 3_000_00)];
    expect(topProducts(rows, 5)).toEqual([row("tea", "Black tea", 4, 12_000_00), row("cola", "Cola", 1, 10_000_00)]);
  });

  it("keeps every product's sums and never leaves out one that took more than one shown (random days)", () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const next = random(seed);
      const ids = ["a", "b", "c", "d", "e", "f", "g", "h"];
      const rows = Array.from({ length: Math.floor(next() * 14) }, () => {
        const id = ids[Math.floor(next() * ids.length)] ?? "a";
        return row(id, `${id}${Math.floor(next() * 2)}`, 1 + Math.floor(next() * 5), Math.floor(next() * 4) * 500_00);
      });
      const count = Math.floor(next() * 7);
      const top = topProducts(rows, count);
      const sums = new Map<string, [number, number]>();
      for (const r of rows) {
        const [quantity, total] = sums.get(r.product_id) ?? [0, 0];
        sums.set(r.product_id, [quantity + r.quantity, total + r.total]);
      }
      expect(top).toHaveLength(Math.min(count, sums.size));
      for (const shown of top) expect([shown.quantity, shown.total]).toEqual(sums.get(shown.product_id));
      const totals = top.map((shown) => shown.total);
      expect(totals).toEqual([...totals].sort((a, b) => b - a));
      const lowest = top.at(-1)?.total ?? Infinity;
      for (const [id, [, total]] of sums) if (!top.some((shown) => shown.product_id === id)) expect(top.length < count || total <= lowest).toBe(true);
      // The name shown is one the product was sold under.
      for (const shown of top) expect(rows.some((r) => r.product_id === shown.product_id && r.name === shown.name)).toBe(true);
    }
  });
});
