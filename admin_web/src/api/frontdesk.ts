/**
 * The front desk's calls: sessions (start, quote, extend, stop, price), PC commands, members (search,
 * create, edit, secret, balance adjustment, their sessions). Payments (a guest's, a top-up) go through
 * the money module (money.ts). Every answer is typed from the hub's OpenAPI document.
 */
import type { Confirmation } from "./backoffice";
import { call, client, query, type QueryOf } from "./client";
import type { operations } from "./schema";

type Json<Op extends keyof operations, Status extends number> = operations[Op] extends {
  responses: { [S in Status]: { content: { "application/json": infer T } } };
}
  ? T
  : never;
type Body<Op extends keyof operations> = operations[Op] extends { requestBody?: { content: { "application/json": infer T } } } ? T : never;

export type CommandType = Body<"post~pcs.send_command">["type"];
export type CommandView = Json<"post~pcs.send_command", 200>;
/** Who a new session is for: a member (id or login), a prepaid guest, or a guest who pays after. */
export type NewSession = Body<"post~sessions.start_session">;
export type SessionDetail = Json<"get~sessions.get_session", 200>;
export type SessionView = Json<"post~sessions.start_session", 201>;
export type SessionListItem = Json<"get~sessions.list_sessions", 200>["items"][number];
/**
 * What a session would cost before it starts. A prepaid guest: the price of the minutes; a member: what
 * the balance buys (minutes, until when); a postpaid guest: the rate only.
 */
export type Quote = Json<"post~quotes.quote_session", 200>;
export type PriceView = Json<"get~sessions.get_price", 200>;
export type PriceLine = PriceView["lines"][number];
export type Member = Json<"get~members.list_members", 200>["items"][number];
export type MemberDetail = Json<"get~members.get_member", 200>;
export type BalanceEntry = MemberDetail["entries"][number];
export type Adjusted = Json<"post~members.adjust_balance", 201>;
export type NewMember = Body<"post~members.create_member">;
export type MemberChanges = Body<"patch~members.update_member">;
export type MemberQuery = QueryOf<"get~members.list_members">;
export type SessionQuery = QueryOf<"get~sessions.list_sessions">;

const sessionPath = (sessionId: string) => ({ path: { session_id: sessionId } });
const memberPath = (memberId: string) => ({ path: { member_id: memberId } });

export const frontdesk = {
  startSession: (body: NewSession) => call<SessionView>(client.POST("/api/v1/sessions", { body })),
  quoteSession: (body: NewSession) => call<Quote>(client.POST("/api/v1/sessions/quote", { body })),
  session: (sessionId: string) => call<SessionDetail>(client.GET("/api/v1/sessions/{session_id}", { params: sessionPath(sessionId) })),
  extendSession: (sessionId: string, minutes: number) =>
    call<SessionView>(client.POST("/api/v1/sessions/{session_id}/extend", { params: sessionPath(sessionId), body: { minutes } })),
  stopSession: (sessionId: string, reason: string) =>
    call<SessionView>(client.POST("/api/v1/sessions/{session_id}/stop", { params: sessionPath(sessionId), body: { reason } })),
  sessionPrice: (sessionId: string) => call<PriceView>(client.GET("/api/v1/sessions/{session_id}/price", { params: sessionPath(sessionId) })),
  sessions: (filters: SessionQuery) => call<Json<"get~sessions.list_sessions", 200>>(client.GET("/api/v1/sessions", query<"get~sessions.list_sessions">(filters))),

  sendCommand: (pcId: string, type: CommandType, text?: string, confirmation?: Confirmation) =>
    call<CommandView>(
      client.POST("/api/v1/pcs/{pc_id}/commands", {
        params: { path: { pc_id: pcId } },
        body: { type, ...(text === undefined ? {} : { text }), ...(confirmation ? { confirmation } : {}) },
      }),
    ),

  members: (filters: MemberQuery) => call<Json<"get~members.list_members", 200>>(client.GET("/api/v1/members", query<"get~members.list_members">(filters))),
  member: (memberId: string) => call<MemberDetail>(client.GET("/api/v1/members/{member_id}", { params: memberPath(memberId) })),
  createMember: (body: NewMember) => call<Json<"post~members.create_member", 201>>(client.POST("/api/v1/members", { body })),
  updateMember: (memberId: string, changes: MemberChanges) =>
    call<Member>(client.PATCH("/api/v1/members/{member_id}", { params: memberPath(memberId), body: changes })),
  setSecret: (memberId: string, secret: string) =>
    call<Member>(client.PUT("/api/v1/members/{member_id}/secret", { params: memberPath(memberId), body: { secret } })),
  adjustBalance: (memberId: string, key: string, amount: number, reason: string) =>
    call<Adjusted>(
      client.POST("/api/v1/members/{member_id}/balance-adjustments", {
        params: memberPath(memberId),
        body: { amount, reason, idempotency_key: key },
      }),
    ),
};
