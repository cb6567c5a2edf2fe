/**
 * Enrolling PCs through the API: one-time codes, the PCs waiting for approval, approving (PC id and
 * group) or rejecting them, and revoking a PC's certificate (a sensitive action).
 */
import type { Confirmation } from "./backoffice";
import { call, client, query } from "./client";
import type { Answer } from "./types";

type Item<P> = P extends { items: (infer T)[] } ? T : never;

export type EnrollCode = Item<Answer<"get~enrollment.list_codes", never>>;
export type NewEnrollCode = Answer<"post~enrollment.create_code", never>;
export type Enrollment = Item<Answer<"get~enrollment.list_enrollments", never>>;
export type Approved = Answer<"post~enrollment.approve", never>;
export type Revoked = Answer<"post~enrollment.revoke", never>;

export interface CodeBody {
  uses: number;
  pc_id?: string;
  group?: string;
}

export interface ApproveBody {
  pc_id: string;
  group?: string;
  replace: boolean;
}

const requestPath = (requestId: string) => ({ path: { request_id: requestId } });

export const enrollment = {
  codes: (offset: number, limit: number) =>
    call<Answer<"get~enrollment.list_codes", never>>(
      client.GET("/api/v1/enrollment-codes", query<"get~enrollment.list_codes">({ offset, limit })),
    ),
  createCode: (body: CodeBody) =>
    call<NewEnrollCode>(client.POST("/api/v1/enrollment-codes", { body: body as never })),
  withdrawCode: (codeId: string) =>
    call<EnrollCode>(client.POST("/api/v1/enrollment-codes/{code_id}/withdraw", { params: { path: { code_id: codeId } } })),
  pending: (offset: number, limit: number) =>
    call<Answer<"get~enrollment.list_enrollments", never>>(
      client.GET("/api/v1/enrollments", query<"get~enrollment.list_enrollments">({ offset, limit })),
    ),
  approve: (requestId: string, body: ApproveBody) =>
    call<Approved>(client.POST("/api/v1/enrollments/{request_id}/approve", { body: body as never, params: requestPath(requestId) })),
  reject: (requestId: string, reason: string) =>
    call<Enrollment>(client.POST("/api/v1/enrollments/{request_id}/reject", { body: { reason } as never, params: requestPath(requestId) })),
  revoke: (pcId: string, confirmation: Confirmation) =>
    call<Revoked>(client.POST("/api/v1/pcs/{pc_id}/revoke", { body: { confirmation } as never, params: { path: { pc_id: pcId } } })),
};
