/**
 * Money through the API: payments and refunds, receipts, the payment history and its CSV, products,
 * vouchers and shifts. Every money write carries an Idempotency-Key (kept by the caller's
 * `IdempotentAction`, so a retry of the same action sends the same key). PDFs and the CSV come back as
 * blobs fetched with the bearer token: a bare link would carry no credentials.
 */
import { call, client, query, type QueryOf } from "./client";
import type { Answer, Page } from "./types";

export type Method = "cash" | "card" | "balance" | "voucher";
export type Purpose = "topup" | "session" | "sale" | "voucher";
export type Layout = "a4" | "thermal";
export type PrintLanguage = "uz" | "ru" | "en";

export interface PaymentLine {
  kind: string;
  product_id?: string;
  name?: string;
  quantity: number;
  unit_price: number;
  total: number;
}

export interface Payment {
  id: string;
  kind: "payment" | "refund" | (string & {});
  purpose: Purpose | (string & {});
  method: Method | (string & {});
  amount: number;
  currency: string;
  branch: string;
  receipt_no: number | null;
  receipt: string | null;
  staff: string | null;
  shift_id: string | null;
  member_id: string | null;
  session_id: string | null;
  items: PaymentLine[] | null;
  terminal_ref: string | null;
  voucher_id: string | null;
  voucher_last4: string | null;
  refund_of: string | null;
  reason: string | null;
  at: number;
  amount_display: string;
}

export interface PaymentDetail extends Payment {
  refunds?: Payment[];
  refundable?: number;
}

export interface PaymentAnswer extends Payment {
  replayed: boolean;
  voucher_code?: string;
  balance?: number;
}

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

export interface Product {
  id: string;
  name: string;
  price: number;
  category: string;
  active: boolean;
}

export interface ProductBody {
  name: string;
  price: number;
  category: string;
}

export interface Voucher {
  id: string;
  last4: string;
  branch: string;
  value: number;
  balance: number;
  payment_id: string;
  created_at: number;
}

export interface ShiftMethodLine {
  method: string;
  expected: number;
  counted: number | null;
  difference: number | null;
}

export interface ShiftSummary {
  methods: ShiftMethodLine[];
  payments: number;
  refunds: number;
  refunds_total: number;
  by_purpose: Record<string, number>;
}

export interface UnpaidSession {
  session_id: string;
  pc_id: string;
  owed: number;
  paid: number;
}

export interface Shift {
  id: string;
  branch: string;
  cashier: string;
  state: "open" | "closed" | (string & {});
  opened_at: number;
  opening_float: number;
  closed_at: number | null;
  closed_by: string | null;
  counted: Record<string, number> | null;
  note: string;
  /** Only once closed, or for reports:read: the blind count does not show it before. */
  summary?: ShiftSummary;
  unpaid_sessions?: UnpaidSession[];
}

export interface MemberChoice {
  id: string;
  login: string;
  name: string;
  balance: number;
}

const payment = (paymentId: string) => ({ path: { payment_id: paymentId } });
const shift = (shiftId: string) => ({ path: { shift_id: shiftId } });

export const money = {
  pay: (body: PaymentBody, idempotencyKey: string) =>
    call<Answer<"post~payments.create_payment", PaymentAnswer>>(
      client.POST("/api/v1/payments", { body, params: { header: { "Idempotency-Key": idempotencyKey } } }),
    ),
  payments: (filters: HistoryFilters, offset: number, limit: number) =>
    call<Answer<"get~payments.list_payments", Page<Payment>>>(
      client.GET("/api/v1/payments", query<"get~payments.list_payments">({ ...filters, offset, limit })),
    ),
  payment: (paymentId: string) =>
    call<Answer<"get~payments.get_payment", PaymentDetail>>(client.GET("/api/v1/payments/{payment_id}", { params: payment(paymentId) })),
  refund: (paymentId: string, body: RefundBody, idempotencyKey: string) =>
    call<Answer<"post~payments.refund_payment", PaymentAnswer>>(
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
    call<Answer<"get~members.list_members", Page<MemberChoice>>>(
      client.GET("/api/v1/members", query<"get~members.list_members">({ q: text, limit: 8 } as QueryOf<"get~members.list_members">)),
    ),

  products: (all = false) =>
    call<Answer<"get~products.list_products", Page<Product>>>(
      client.GET("/api/v1/products", query<"get~products.list_products">(all ? { all: true, limit: 500 } : { limit: 500 })),
    ),
  createProduct: (body: ProductBody) => call<Answer<"post~products.create_product", Product>>(client.POST("/api/v1/products", { body })),
  updateProduct: (productId: string, changes: Partial<ProductBody> & { active?: boolean }) =>
    call<Answer<"patch~products.update_product", Product>>(
      client.PATCH("/api/v1/products/{product_id}", { body: changes, params: { path: { product_id: productId } } }),
    ),

  vouchers: (offset: number, limit: number) =>
    call<Answer<"get~vouchers.list_vouchers", Page<Voucher>>>(
      client.GET("/api/v1/vouchers", query<"get~vouchers.list_vouchers">({ offset, limit })),
    ),
  /** What a voucher holds: a POST, so the code stays out of URLs and logs. */
  checkVoucher: (code: string) =>
    call<Answer<"post~vouchers.check_voucher", Voucher>>(client.POST("/api/v1/vouchers/check", { body: { code } })),

  currentShift: () => call<Answer<"get~shifts.current_shift", Shift>>(client.GET("/api/v1/shifts/current")),
  openShift: (openingFloat: number) =>
    call<Answer<"post~shifts.open_shift", Shift>>(client.POST("/api/v1/shifts", { body: { opening_float: openingFloat } })),
  closeShift: (shiftId: string, counted: Record<string, number>, note: string) =>
    call<Answer<"post~shifts.close_shift", Shift>>(
      client.POST("/api/v1/shifts/{shift_id}/close", { body: { counted, note }, params: shift(shiftId) }),
    ),
  shift: (shiftId: string) => call<Answer<"get~shifts.get_shift", Shift>>(client.GET("/api/v1/shifts/{shift_id}", { params: shift(shiftId) })),
  shifts: (state: "open" | "closed" | undefined, offset: number, limit: number) =>
    call<Answer<"get~shifts.list_shifts", Page<Shift>>>(
      client.GET("/api/v1/shifts", query<"get~shifts.list_shifts">(state ? { state, offset, limit } : { offset, limit })),
    ),
  shiftReportPdf: (shiftId: string, layout: Layout, lang: PrintLanguage) =>
    call<Blob>(
      client.GET("/api/v1/shifts/{shift_id}/report", { params: { ...shift(shiftId), query: { layout, lang } }, parseAs: "blob" }),
    ),
};
