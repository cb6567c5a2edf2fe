/**
 * Inventory through the API (hub/api/inventory.py): stock, movements, receipts, write-offs, transfers, stock
 * settings and stocktakes. Writes that move goods carry an Idempotency-Key kept by the caller's
 * `IdempotentAction`.
 */
import { call, client, query } from "../../api/client";
import type { Answer } from "../../api/types";

type Item<P> = P extends { items: (infer T)[] } ? T : never;

export type StockLevel = Item<Answer<"get~inventory.list_stock", never>>;
export type StockPage = Answer<"get~inventory.list_stock", never>;
export type Movement = Item<Answer<"get~inventory.list_movements", never>>;
export type StockSettings = Answer<"get~inventory.get_settings", never>;
export type Stocktake = Answer<"get~inventory.get_stocktake", never>;
export type StocktakeSummary = Item<Answer<"get~inventory.list_stocktakes", never>>;

export const MOVEMENT_KINDS = ["received", "sold", "returned", "written_off", "transfer_in", "transfer_out", "counted", "voided"] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

export interface MovementFilters {
  product_id?: string;
  kind?: MovementKind;
}

export interface ReceivedLine {
  product_id: string;
  quantity: number;
  unit_cost?: number;
}

export interface SettingsBody {
  track: boolean;
  low_stock: number | null;
  allow_negative: boolean;
  unit_cost: number;
}

const sheet = (sheetId: string) => ({ path: { sheet_id: sheetId } });
const idem = (key: string) => ({ header: { "Idempotency-Key": key } });

export const inventory = {
  stock: () => call<StockPage>(client.GET("/api/v1/inventory/stock", query<"get~inventory.list_stock">({ limit: 500 }))),
  movements: (filters: MovementFilters, offset: number, limit: number) =>
    call<Answer<"get~inventory.list_movements", never>>(
      client.GET("/api/v1/inventory/movements", query<"get~inventory.list_movements">({ ...filters, offset, limit })),
    ),
  settings: (productId: string) =>
    call<StockSettings>(client.GET("/api/v1/inventory/items/{product_id}", { params: { path: { product_id: productId } } })),
  saveSettings: (productId: string, body: SettingsBody) =>
    call<Answer<"put~inventory.set_settings", never>>(
      client.PUT("/api/v1/inventory/items/{product_id}", { body, params: { path: { product_id: productId } } }),
    ),
  receive: (lines: ReceivedLine[], note: string, key: string) =>
    call<Answer<"post~inventory.receive", never>>(
      client.POST("/api/v1/inventory/receipts", { body: { lines, note: note || null }, params: idem(key) }),
    ),
  writeOff: (productId: string, quantity: number, reason: string, key: string) =>
    call<Answer<"post~inventory.write_off", never>>(
      client.POST("/api/v1/inventory/write-offs", { body: { product_id: productId, quantity, reason }, params: idem(key) }),
    ),
  transfer: (toBranch: string, lines: { product_id: string; quantity: number }[], note: string, key: string) =>
    call<Answer<"post~inventory.transfer", never>>(
      client.POST("/api/v1/inventory/transfers", { body: { to_branch: toBranch, lines, note: note || null }, params: idem(key) }),
    ),
  stocktakes: (offset: number, limit: number) =>
    call<Answer<"get~inventory.list_stocktakes", never>>(
      client.GET("/api/v1/inventory/stocktakes", query<"get~inventory.list_stocktakes">({ offset, limit })),
    ),
  stocktake: (sheetId: string) => call<Stocktake>(client.GET("/api/v1/inventory/stocktakes/{sheet_id}", { params: sheet(sheetId) })),
  openStocktake: (countedBy: string, note: string) =>
    call<Answer<"post~inventory.open_stocktake", never>>(client.POST("/api/v1/inventory/stocktakes", { body: { counted_by: countedBy, note } })),
  count: (sheetId: string, counts: { product_id: string; counted: number }[]) =>
    call<Stocktake>(client.PUT("/api/v1/inventory/stocktakes/{sheet_id}/counts", { body: { counts }, params: sheet(sheetId) })),
  post: (sheetId: string) => call<Stocktake>(client.POST("/api/v1/inventory/stocktakes/{sheet_id}/post", { params: sheet(sheetId) })),
};
