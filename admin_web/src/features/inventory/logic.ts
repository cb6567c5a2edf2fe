/** The inventory screens' pure rules: reading a typed quantity, how a stock row is shown, a count sheet's rows. */

/** A whole number of units typed by staff ("12", " 1 000 "), at least `min`; null when it is not one. */
export function parseQuantity(text: string, min = 1): number | null {
  const compact = text.replace(/[\s\u00a0\u202f]/g, "");
  if (!/^\d{1,7}$/.test(compact)) return null;
  const value = Number(compact);
  return value >= min ? value : null;
}

export type Tone = "out" | "low" | "ok";

/** Out of stock (nothing left, or sold below zero), at or below the low-stock level, or fine. */
export function stockTone(row: { on_hand: number; low: boolean }): Tone {
  if (row.on_hand <= 0) return "out";
  return row.low ? "low" : "ok";
}

export interface CountRow {
  product_id: string;
  name: string;
  expected: number;
  counted: number | null;
  variance: number | null;
}

interface Counted {
  product_id: string;
  name: string;
  counted: number;
  expected: number;
  variance: number;
}

/**
 * A sheet's rows: every counted product on the sheet (with what the hub says it expects), then every other
 * product whose stock is kept, not counted yet; by name.
 */
export function countRows(stock: readonly { product_id: string; name: string; on_hand: number }[], lines: readonly Counted[]): CountRow[] {
  const rows = new Map<string, CountRow>();
  for (const item of stock) rows.set(item.product_id, { product_id: item.product_id, name: item.name, expected: item.on_hand, counted: null, variance: null });
  for (const line of lines) rows.set(line.product_id, { ...line });
  return [...rows.values()].sort((a, b) => a.name.localeCompare(b.name) || a.product_id.localeCompare(b.product_id));
}

/** The counts typed on the sheet that differ from what it holds, ready to send; null when one is not a count. */
export function changedCounts(rows: readonly CountRow[], typed: Readonly<Record<string, string>>): { product_id: string; counted: number }[] | null {
  const changes: { product_id: string; counted: number }[] = [];
  for (const row of rows) {
    const text = typed[row.product_id];
    if (text === undefined || text.trim() === "") continue;
    const counted = parseQuantity(text, 0);
    if (counted === null) return null;
    if (counted !== row.counted) changes.push({ product_id: row.product_id, counted });
  }
  return changes;
}

export interface TransferDraft {
  productId: string | null;
  quantity: string;
}

/** What is wrong with a transfer's line: its product (none, or one already on another line) and its quantity. */
export interface LineErrors {
  product: "required" | "duplicate" | null;
  quantity: boolean;
}

/**
 * A transfer's typed lines, checked as the hub checks them (a product once, at least one unit): the lines
 * to send, or null, and each line's errors.
 */
export function transferLines(drafts: readonly TransferDraft[]): { lines: { product_id: string; quantity: number }[] | null; errors: LineErrors[] } {
  const seen = new Set<string>();
  const lines: { product_id: string; quantity: number }[] = [];
  let valid = drafts.length > 0;
  const errors = drafts.map((draft): LineErrors => {
    const quantity = parseQuantity(draft.quantity);
    let product: LineErrors["product"] = null;
    if (draft.productId === null) product = "required";
    else if (seen.has(draft.productId)) product = "duplicate";
    else seen.add(draft.productId);
    if (draft.productId !== null && product === null && quantity !== null) lines.push({ product_id: draft.productId, quantity });
    else valid = false;
    return { product, quantity: quantity === null };
  });
  return { lines: valid ? lines : null, errors };
}
