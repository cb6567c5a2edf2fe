/**
 * The sale being rung up: products and quantities, in the order they were added. Prices are never kept
 * here: a line is priced from the catalogue the hub answered last, and the sum shown is only a display.
 * The hub prices the sale itself and refuses it (409 price_changed) when that sum is stale.
 */
import type { Product, SaleItem } from "../../api/money";

export interface CartLine {
  productId: string;
  quantity: number;
}

export type Cart = readonly CartLine[];

/** The hub's bound per line (hub/money/requests.py SaleItem) and per sale. */
export const MAX_QUANTITY = 1000;
export const MAX_LINES = 100;

export function add(cart: Cart, productId: string, by = 1): Cart {
  const found = cart.find((line) => line.productId === productId);
  if (found === undefined) return cart.length >= MAX_LINES ? cart : [...cart, { productId, quantity: Math.min(by, MAX_QUANTITY) }];
  return setQuantity(cart, productId, found.quantity + by);
}

/** A quantity of 0 or less removes the line; more than the hub takes is held at its bound. */
export function setQuantity(cart: Cart, productId: string, quantity: number): Cart {
  if (!Number.isFinite(quantity) || quantity <= 0) return cart.filter((line) => line.productId !== productId);
  const bounded = Math.min(Math.floor(quantity), MAX_QUANTITY);
  return cart.map((line) => (line.productId === productId ? { ...line, quantity: bounded } : line));
}

export interface PricedLine extends CartLine {
  product: Product;
  total: number;
}

export interface Priced {
  lines: PricedLine[];
  /** Lines whose product is no longer for sale (withdrawn, or gone from the catalogue). */
  missing: CartLine[];
  /** The sum as shown; the hub decides the real one. */
  total: number;
}

export function price(cart: Cart, catalogue: readonly Product[]): Priced {
  const byId = new Map(catalogue.map((product) => [product.id, product]));
  const lines: PricedLine[] = [];
  const missing: CartLine[] = [];
  for (const line of cart) {
    const product = byId.get(line.productId);
    if (product === undefined || !product.active) missing.push(line);
    else lines.push({ ...line, product, total: product.price * line.quantity });
  }
  return { lines, missing, total: lines.reduce((sum, line) => sum + line.total, 0) };
}

/** Lines whose product is no longer for sale leave the cart (after a refresh of the catalogue). */
export function withoutMissing(cart: Cart, catalogue: readonly Product[]): Cart {
  const { missing } = price(cart, catalogue);
  return missing.length === 0 ? cart : cart.filter((line) => !missing.includes(line));
}

export function items(cart: Cart): SaleItem[] {
  return cart.map((line) => ({ product_id: line.productId, quantity: line.quantity }));
}

export function count(cart: Cart): number {
  return cart.reduce((sum, line) => sum + line.quantity, 0);
}

/** The categories of products for sale, alphabetically; products without one ("") come last. */
export function categories(catalogue: readonly Product[], locale = "en"): string[] {
  const names = [...new Set(catalogue.filter((product) => product.active).map((product) => product.category))];
  return names.sort((a, b) => (a === "" ? 1 : b === "" ? -1 : a.localeCompare(b, locale)));
}
