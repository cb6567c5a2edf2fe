/**
 * Money through the API: payments and refunds, receipts, the payment history and its CSV, products,
 * vouchers and shifts. Every money write carries an Idempotency-Key (kept by the caller's
 * `IdempotentAction`, so a retry of the same action sends the same key). PDFs and the CSV come back as
 * blobs fetched with the bearer token: a bare link would carry no credentials.
 */
import { call, client, query, type QueryOf } from "./client";
import type { Answer } from "./types";

export type Method = "cash" | "card" | "balance" | "voucher";
export type Purpose = "topup" | "session" | "sale" | "voucher";
export type Layout = "a4" | "thermal";
export type PrintLanguage = "uz" | "ru" | "en";

/*
 * What the hub answers, as its OpenAPI document declares it (schema.d.ts, `make console-api`): tsc checks
 * every screen against the hub's own models.
 */
type Item<P> = P extends { items: (infer T)[] } ? T : never;

export type PaymentDetail = Answer<"get~payments.get_payment", never>;
export type Payment = Item<Answer<"get~payments.list_payments", never>>;
export type PaymentLine = PaymentDetail["items"][number];
export type PaymentAnswer = Answer<"post~payments.create_payment", never>;
export type Product = Item<Answer<"get~products.list_products", never>>;
export type Voucher = Answer<"post~vouchers.check_voucher", never>;
export type Shift = Answer<"get~shifts.get_shift", never>;
export type ShiftSummary = NonNullable<Shift["summary"]>;
export type UnpaidSession = NonNullable<Shift["unpaid_sessions"]>[number];
export type MemberChoice = Item<Answer<"get~members.list_members", never>>;

export interface SaleItem {
  product_id: string;
  quantity: number;
}

/** The body of POST /payments (what the front desk sends: the hub prices and checks it). */
export interface PaymentBody {
  purpose: Purpose;
  method: Method;
  amount?: number;
  member_id?: string;
  session_id?: string;
  items?: SaleItem[];
  terminal_ref?: string;
  voucher_code?: string;
}

export interface RefundBody {
  amount: number;
  reason: string;
  totp?: string;
  password?: string;
  terminal_ref?: string;
}

export type HistoryFilters = Omit<QueryOf<"get~payments.list_payments">, "offset" | "limit">;

export interface ProductBody {
  name: string;
  price: number;
  category: string;
}

const payment = (paymentId: string) => ({ path: { payment_id: paymentId } });
const shift = (shiftId: string) => ({ path: { shift_id: shiftId } });

export const money = {
  pay: (body: PaymentBody, idempotencyKey: string) =>
    call<Answer<"post~payments.create_payment", never>>(
      client.POST("/api/v1/payments", { body, params: { header: { "Idempotency-Key": idempotencyKey } } }),
    ),
  payments: (filters: HistoryFilters, offset: number, limit: number) =>
    call<Answer<"get~payments.list_payments", never>>(
      client.GET("/api/v1/payments", query<"get~payments.list_payments">({ ...filters, offset, limit })),
    ),
  payment: (paymentId: string) =>
    call<Answer<"get~payments.get_payment", never>>(client.GET("/api/v1/payments/{payment_id}", { params: payment(paymentId) })),
  refund: (paymentId: string, body: RefundBody, idempotencyKey: string) =>
    call<Answer<"post~payments.refund_payment", never>>(
      client.POST("/api/v1/payments/{payment_id}/refunds", {
        body,
        params: { ...payment(paymentId), header: { "Idempotency-Key": idempotencyKey } },
      }),
    ),
  /** The history as CSV, with the same filters as the list (fetched with the token, as a blob). */
  exportCsv: (filters: HistoryFilters) =>
    call<Blob>(
      client.GET("/api/v1/payments/export.csv", { ...query<"get~payments.export_payments">(filters), parseAs: "blob" }),
    ),
  receiptPdf: (paymentId: string, layout: Layout, lang: PrintLanguage) =>
    call<Blob>(
      client.GET("/api/v1/payments/{payment_id}/receipt", {
        params: { ...payment(paymentId), query: { layout, lang } },
        parseAs: "blob",
      }),
    ),

  /** Members matching what was typed (login, name or phone), for paying from a balance. */
  findMembers: (text: string) =>
    call<Answer<"get~members.list_members", never>>(
      client.GET("/api/v1/members", query<"get~members.list_members">({ q: text, limit: 8 })),
    ),

  products: (all = false) =>
    call<Answer<"get~products.list_products", never>>(
      client.GET("/api/v1/products", query<"get~products.list_products">(all ? { all: true, limit: 500 } : { limit: 500 })),
    ),
  createProduct: (body: ProductBody) => call<Answer<"post~products.create_product", never>>(client.POST("/api/v1/products", { body })),
  updateProduct: (productId: string, changes: Partial<ProductBody> & { active?: boolean }) =>
    call<Answer<"patch~products.update_product", never>>(
      client.PATCH("/api/v1/products/{product_id}", { body: changes, params: { path: { product_id: productId } } }),
    ),

  vouchers: (offset: number, limit: number) =>
    call<Answer<"get~vouchers.list_vouchers", never>>(
      client.GET("/api/v1/vouchers", query<"get~vouchers.list_vouchers">({ offset, limit })),
    ),
  /** What a voucher holds: a POST, so the code stays out of URLs and logs. */
  checkVoucher: (code: string) =>
    call<Answer<"post~vouchers.check_voucher", never>>(client.POST("/api/v1/vouchers/check", { body: { code } })),

  currentShift: () => call<Answer<"get~shifts.current_shift", never>>(client.GET("/api/v1/shifts/current")),
  openShift: (openingFloat: number) =>
    call<Answer<"post~shifts.open_shift", never>>(client.POST("/api/v1/shifts", { body: { opening_float: openingFloat } })),
  closeShift: (shiftId: string, counted: Record<string, number>, note: string) =>
    call<Answer<"post~shifts.close_shift", never>>(
      client.POST("/api/v1/shifts/{shift_id}/close", { body: { counted, note }, params: shift(shiftId) }),
    ),
  shift: (shiftId: string) => call<Answer<"get~shifts.get_shift", never>>(client.GET("/api/v1/shifts/{shift_id}", { params: shift(shiftId) })),
  shifts: (state: "open" | "closed" | undefined, offset: number, limit: number) =>
    call<Answer<"get~shifts.list_shifts", never>>(
      client.GET("/api/v1/shifts", query<"get~shifts.list_shifts">(state ? { state, offset, limit } : { offset, limit })),
    ),
  shiftReportPdf: (shiftId: string, layout: Layout, lang: PrintLanguage) =>
    call<Blob>(
      client.GET("/api/v1/shifts/{shift_id}/report", { params: { ...shift(shiftId), query: { layout, lang } }, parseAs: "blob" }),
    ),
};
