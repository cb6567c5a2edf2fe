/**
 * What the console reads from the hub's responses. Until every route declares its response in the
 * OpenAPI document (then `schema.d.ts` carries them), these are the shapes the hub answers today
 * (hub/api/*.py views). `Answer<Op, Fallback>` picks the generated type as soon as the document has
 * one, so tsc then checks every use against the hub's own declaration.
 */
import type { operations } from "./schema";

type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : never;
type SuccessOf<O> = O extends { responses: infer Rs }
  ? Rs extends { 200: infer R }
    ? JsonOf<R>
    : Rs extends { 201: infer R }
      ? JsonOf<R>
      : never
  : never;
/** The generated 200/201 JSON body of `Op` when the document declares it, else `Fallback`. */
export type Answer<Op extends keyof operations, Fallback> = [SuccessOf<operations[Op]>] extends [never]
  ? Fallback
  : SuccessOf<operations[Op]>;

export interface Page<T> {
  items: T[];
  total: number;
}

export interface StaffUserView {
  id: string;
  username: string;
  role: string;
  disabled?: boolean;
  totp_enabled?: boolean;
  must_change_password?: boolean;
}

export type RequiredAction = "change_password" | "enroll_2fa" | (string & {});

export interface SessionAnswer {
  access_token: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
  /** A full session's: how long its refresh token lasts (the hub's idle limit at sign-in). */
  refresh_expires_in?: number;
  scope: "full" | "limited";
  required_actions?: RequiredAction[];
  user: StaffUserView;
  recovery_codes?: string[];
  recovery_codes_left?: number;
}

export interface MfaAnswer {
  mfa_required: true;
  mfa_token: string;
  expires_in: number;
  user: StaffUserView;
}

export interface Me extends StaffUserView {
  scope: "full" | "limited";
  permissions: string[];
  required_actions: RequiredAction[];
  totp_required: boolean;
  session_expires_at: number;
}

export interface TotpSetup {
  secret: string;
  otpauth_uri: string;
  qr_svg: string;
}

export interface Branch {
  id: string;
  name: string;
  address: string;
  tax_id: string;
  phone: string;
  currency: string;
  language: string;
  timezone: string;
  payment_methods: string[];
}

export interface Pc {
  id: string;
  site: string;
  status: "online" | "offline" | (string & {});
  status_since: number | null;
  hostname: string | null;
  agent_version?: string | null;
  group: string;
  session_id: string | null;
  telemetry?: Record<string, unknown> | null;
  /** Unresolved alerts, in the list (GET /pcs). */
  alert_count?: number;
}

export interface PcGroup {
  id: string;
  name: string;
  tariff_id: string;
}

export interface Session {
  id: string;
  pc_id: string;
  kind: "member" | "prepaid" | "postpaid" | (string & {});
  state: string;
  member_id: string | null;
  tariff_id: string | null;
  prepaid_minutes: number | null;
  budget: number | null;
  created_at: number | null;
  started_at: number | null;
  ends_at: number | null;
  ended_at: number | null;
  used_ms: number;
  cost: number | null;
}
