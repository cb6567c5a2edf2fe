/** The dashboard's best sellers: a day's goods by product, ranked by takings. */
import type { RevenueReport } from "./api";

export type ProductSales = RevenueReport["by_product"][number];

/**
 * The `count` products that took the most, then sold the most units, then by name. The report keys a
 * row by product and name, so a product renamed during the day comes in twice: its rows are added up
 * (under the name it took most with) so it is ranked once, on everything it sold.
 */
export function topProducts(rows: readonly ProductSales[], count: number): ProductSales[] {
  const merged = new Map<string, ProductSales & { best: number }>();
  for (const row of rows) {
    const known = merged.get(row.product_id);
    if (!known) {
      merged.set(row.product_id, { ...row, best: row.total });
      continue;
    }
    known.quantity += row.quantity;
    known.total += row.total;
    if (row.total > known.best) Object.assign(known, { name: row.name, best: row.total });
  }
  return [...merged.values()]
    .sort((a, b) => b.total - a.total || b.quantity - a.quantity || (a.name || a.product_id).localeCompare(b.name || b.product_id) || a.product_id.localeCompare(b.product_id))
    .slice(0, Math.max(0, count))
    .map(({ product_id, name, quantity, total }) => ({ product_id, name, quantity, total }));
}
