/**
 * The payment history's filters as the page keeps them (in the address, so a reload or a shared link
 * shows the same list) and as the hub takes them (GET /payments and /payments/export.csv): every filter
 * the API has, empty ones left out (the hub refuses an empty parameter).
 */
import type { HistoryFilters, Method, Purpose } from "../../api/money";
import { zonedToEpoch } from "../common/zoned";

export interface FilterForm {
  /** On the branch's clock, "YYYY-MM-DDTHH:MM" (a datetime-local value), or "". */
  from: string;
  to: string;
  method: Method | "";
  purpose: Purpose | "";
  kind: "payment" | "refund" | "";
  staff: string;
  member: string;
  shift: string;
  branch: string;
}

export const NO_FILTERS: FilterForm = { from: "", to: "", method: "", purpose: "", kind: "", staff: "", member: "", shift: "", branch: "" };

const KEYS = Object.keys(NO_FILTERS) as (keyof FilterForm)[];
const METHODS: readonly string[] = ["cash", "card", "balance", "voucher"];
const PURPOSES: readonly string[] = ["topup", "session", "sale", "voucher"];
const KINDS: readonly string[] = ["payment", "refund"];

/** The form from the address's parameters; unknown values are dropped rather than sent. */
export function formFromParams(params: URLSearchParams): FilterForm {
  const value = (key: keyof FilterForm) => params.get(key)?.trim() ?? "";
  const oneOf = (key: keyof FilterForm, allowed: readonly string[]) => (allowed.includes(value(key)) ? value(key) : "");
  return {
    from: value("from"),
    to: value("to"),
    method: oneOf("method", METHODS) as FilterForm["method"],
    purpose: oneOf("purpose", PURPOSES) as FilterForm["purpose"],
    kind: oneOf("kind", KINDS) as FilterForm["kind"],
    staff: value("staff"),
    member: value("member"),
    shift: value("shift"),
    branch: value("branch"),
  };
}

export function paramsOf(form: FilterForm): Record<string, string> {
  return Object.fromEntries(KEYS.filter((key) => form[key].trim() !== "").map((key) => [key, form[key].trim()]));
}

/** The hub's query: times as epoch ms (from the branch's clock), empty filters left out. */
export function toQuery(form: FilterForm, timezone: string): HistoryFilters {
  const query: HistoryFilters = {};
  const from = form.from ? zonedToEpoch(form.from, timezone) : null;
  const to = form.to ? zonedToEpoch(form.to, timezone) : null;
  if (from !== null) query.from = from;
  if (to !== null) query.to = to;
  if (form.method) query.method = form.method;
  if (form.purpose) query.purpose = form.purpose;
  if (form.kind) query.kind = form.kind;
  if (form.staff.trim()) query.staff = form.staff.trim();
  if (form.member.trim()) query.member_id = form.member.trim();
  if (form.shift.trim()) query.shift_id = form.shift.trim();
  if (form.branch.trim()) query.branch = form.branch.trim();
  return query;
}

/** A time range that ends before it starts. */
export function backwards(form: FilterForm, timezone: string): boolean {
  const from = form.from ? zonedToEpoch(form.from, timezone) : null;
  const to = form.to ? zonedToEpoch(form.to, timezone) : null;
  return from !== null && to !== null && to < from;
}

export function activeCount(form: FilterForm): number {
  return KEYS.filter((key) => form[key].trim() !== "").length;
}

/** The export's file name: what it holds and when it was made. */
export function exportName(form: FilterForm, now: Date): string {
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  const what = [form.kind, form.method, form.purpose].filter(Boolean).join("-");
  return `payments${what ? `-${what}` : ""}-${stamp}.csv`;
}
