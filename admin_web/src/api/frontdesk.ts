/**
 * The front desk's calls: sessions (start, quote, extend, stop, price), PC commands, members (search,
 * create, edit, secret, balance adjustment, their sessions). Payments (a guest's, a top-up) go through
 * the money module (money.ts). Typed from the hub's OpenAPI document where it declares the answer
 * (`Answer<>`), else by the shapes below.
 */
import type { Confirmation } from "./backoffice";
import { call, client, query } from "./client";
import type { Answer, Page, Session } from "./types";

export type CommandType = "lock" | "unlock" | "message" | "maintenance" | "restart" | "shutdown";

export interface CommandView {
  id: string;
  pc_id: string;
  type: string;
  text: string | null;
  state: string;
  detail: string | null;
  issued_by: string;
  issued_at: number;
  done_at: number | null;
}

/** Who a new session is for: a member (id or login), a prepaid guest, or a guest who pays after. */
export type NewSession =
  | { pc_id: string; member_id: string }
  | { pc_id: string; guest: { prepaid_minutes: number } }
  | { pc_id: string; guest: { postpaid: true } };

export interface PriceLine {
  label: string;
  starts_at: number;
  minutes: number;
  hourly_rate: number;
  amount: number;
}

export interface PriceView {
  currency: string;
  billed_minutes: number;
  total: number;
  lines: PriceLine[];
  amount_display?: string;
}

/**
 * `POST /sessions/quote`: what a session would cost before it starts. A prepaid guest: the price of the
 * minutes; a member: what the balance buys (minutes, until when); a postpaid guest: the rate only.
 */
export interface Quote {
  tariff_id: string;
  currency: string;
  starts_at: number;
  rate_label: string;
  hourly_rate: number;
  minutes: number | null;
  ends_at: number | null;
  billed_minutes: number | null;
  total: number | null;
  lines: PriceLine[];
  amount_display: string | null;
  kind: string;
  pc_id: string;
  member_id: string | null;
  balance: number | null;
}

/** One session as `GET /sessions/{id}` answers it: a guest's also with what was paid (and is owed). */
export interface SessionDetail extends Session {
  end_reason?: string | null;
  started_by?: string | null;
  paid?: number;
  owed?: number;
}

export interface Member {
  id: string;
  login: string;
  name: string;
  phone?: string | null;
  balance: number;
  active_session: string | null;
  created_at: number;
  secret_kind?: "pin" | "password" | (string & {});
  offline_login?: boolean;
}

export interface BalanceEntry {
  id: string;
  kind: string;
  purpose: string | null;
  change: number;
  receipt_no: number | null;
  reason: string | null;
  session_id: string | null;
  at: number;
}

export interface MemberDetail extends Member {
  entries: BalanceEntry[];
}

export interface Adjusted {
  member_id: string;
  balance: number;
  applied: boolean;
  transaction: string;
}

export interface MemberQuery {
  q?: string;
  offset?: number;
  limit?: number;
}

export interface NewMember {
  login: string;
  name: string;
  phone?: string;
  secret: string;
}

export interface MemberChanges {
  name?: string;
  phone?: string;
}

const sessionPath = (sessionId: string) => ({ params: { path: { session_id: sessionId } } });
const memberPath = (memberId: string) => ({ params: { path: { member_id: memberId } } });

export const frontdesk = {
  startSession: (body: NewSession) =>
    call<Answer<"post~sessions.start_session", SessionDetail>>(client.POST("/api/v1/sessions", { body: body as never })),
  quoteSession: (body: NewSession) =>
    // Declared by the hub from E's change on; until then the route is looked up by its path.
    call<Quote>((client as unknown as { POST: (path: string, init: object) => Promise<never> }).POST("/api/v1/sessions/quote", { body })),
  session: (sessionId: string) => call<SessionDetail>(client.GET("/api/v1/sessions/{session_id}", sessionPath(sessionId))),
  extendSession: (sessionId: string, minutes: number) =>
    call<SessionDetail>(client.POST("/api/v1/sessions/{session_id}/extend", { ...sessionPath(sessionId), body: { minutes } })),
  stopSession: (sessionId: string, reason: string) =>
    call<SessionDetail>(client.POST("/api/v1/sessions/{session_id}/stop", { ...sessionPath(sessionId), body: { reason } as never })),
  sessionPrice: (sessionId: string) => call<PriceView>(client.GET("/api/v1/sessions/{session_id}/price", sessionPath(sessionId))),
  sessions: (filters: { member_id?: string; pc_id?: string; offset?: number; limit?: number }) =>
    call<Page<SessionDetail>>(client.GET("/api/v1/sessions", query<"get~sessions.list_sessions">(filters as never))),

  sendCommand: (pcId: string, type: CommandType, text?: string, confirmation?: Confirmation) =>
    call<CommandView>(
      client.POST("/api/v1/pcs/{pc_id}/commands", {
        params: { path: { pc_id: pcId } },
        body: { type, ...(text === undefined ? {} : { text }), ...(confirmation ? { confirmation } : {}) } as never,
      }),
    ),

  members: (filters: MemberQuery) =>
    call<Page<Member>>(client.GET("/api/v1/members", query<"get~members.list_members">(filters as never))),
  member: (memberId: string) => call<MemberDetail>(client.GET("/api/v1/members/{member_id}", memberPath(memberId))),
  createMember: (body: NewMember) => call<Member>(client.POST("/api/v1/members", { body: body as never })),
  updateMember: (memberId: string, changes: MemberChanges) =>
    call<Member>(
      (client as unknown as { PATCH: (path: string, init: object) => Promise<never> }).PATCH("/api/v1/members/{member_id}", {
        ...memberPath(memberId),
        body: changes,
      }),
    ),
  setSecret: (memberId: string, secret: string) =>
    call<Member>(
      (client as unknown as { PUT: (path: string, init: object) => Promise<never> }).PUT("/api/v1/members/{member_id}/secret", {
        ...memberPath(memberId),
        body: { secret },
      }),
    ),
  adjustBalance: (memberId: string, key: string, amount: number, reason: string) =>
    call<Adjusted>(
      client.POST("/api/v1/members/{member_id}/balance-adjustments", {
        ...memberPath(memberId),
        body: { amount, reason, idempotency_key: key },
      }),
    ),
};
