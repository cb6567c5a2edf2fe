/**
 * The back office through the API: tariffs and PC groups (with the hub's price preview), branch
 * settings, staff users, the audit log, and a PC's telemetry and command history.
 */
import { call, client, query } from "./client";
import type { Answer, PcGroup } from "./types";

/*
 * What the hub answers, as its OpenAPI document declares it (schema.d.ts, `make console-api`): tsc checks
 * every screen against the hub's own models.
 */
type Item<P> = P extends { items: (infer T)[] } ? T : never;

export type Tariff = Answer<"get~tariffs.get_tariff", never>;
export type RateWindow = Tariff["windows"][number];
/** GET /tariffs/{id}/quote: what a session from `starts_at` for `minutes` costs, line by line (the hub's price). */
export type Quote = Answer<"get~quotes.quote_tariff", never>;
export type PriceLine = Quote["lines"][number];
export type StaffUser = Item<Answer<"get~users.list_users", never>>;
export type UserAnswer = Answer<"post~users.create_user", never>;
export type AuditEntry = Item<Answer<"get~audit.list_audit", never>>;
export type AuditReport = Answer<"get~audit.verify_audit", never>;
export type TelemetrySample = Item<Answer<"get~pcs.list_telemetry", never>>;
export type PcDetail = Answer<"get~pcs.get_pc", never>;
export type PcAlert = PcDetail["alerts"][number];
export type CommandRecord = Item<Answer<"get~pcs.list_commands", never>>;

export interface BranchSettings {
  name: string;
  address: string;
  tax_id: string;
  phone: string;
  currency: string;
  language: string;
  timezone: string;
  payment_methods: string[];
  logo_png?: string;
}

/** The proof a sensitive action asks for: a reason, and a TOTP code (with 2FA) or the password. */
export interface Confirmation {
  reason: string;
  totp?: string;
  password?: string;
}

export type UserChange = "disable" | "enable" | "reset-password" | "reset-2fa";

export interface AuditFilters {
  actor?: string;
  action?: string;
  outcome?: string;
  since?: number;
  until?: number;
}

const tariffPath = (tariffId: string) => ({ path: { tariff_id: tariffId } });
const userPath = (user: string) => ({ path: { user_ref: user } });
const pcPath = (pcId: string) => ({ path: { pc_id: pcId } });

export const backoffice = {
  tariffs: () => call<Answer<"get~tariffs.list_tariffs", never>>(client.GET("/api/v1/tariffs")),
  createTariff: (tariff: Tariff) => call<Answer<"post~tariffs.create_tariff", never>>(client.POST("/api/v1/tariffs", { body: tariff as never })),
  saveTariff: (tariff: Tariff) =>
    call<Answer<"put~tariffs.put_tariff", never>>(client.PUT("/api/v1/tariffs/{tariff_id}", { body: tariff as never, params: tariffPath(tariff.id) })),
  /** What a session of `minutes` starting at `start` (epoch ms) costs under the tariff, line by line: the hub's price. */
  quote: (tariffId: string, start: number, minutes: number) =>
    call<Answer<"get~quotes.quote_tariff", never>>(
      client.GET("/api/v1/tariffs/{tariff_id}/quote", { params: { ...tariffPath(tariffId), query: { start, minutes } } }),
    ),

  groups: () => call<Answer<"get~tariffs.list_groups", never>>(client.GET("/api/v1/groups")),
  saveGroup: (group: PcGroup) =>
    call<Answer<"put~tariffs.put_group", never>>(
      client.PUT("/api/v1/groups/{group_id}", { body: { name: group.name, tariff_id: group.tariff_id }, params: { path: { group_id: group.id } } }),
    ),
  setPcGroup: (pcId: string, group: string) =>
    call<Answer<"put~tariffs.put_pc_group", never>>(
      client.PUT("/api/v1/pcs/{pc_id}/group", { body: { group }, params: pcPath(pcId) }),
    ),

  saveBranch: (branchId: string, settings: BranchSettings) =>
    call<Answer<"put~branches.put_branch", never>>(
      client.PUT("/api/v1/branches/{branch_id}", { body: settings as never, params: { path: { branch_id: branchId } } }),
    ),

  users: () => call<Answer<"get~users.list_users", never>>(client.GET("/api/v1/users", query<"get~users.list_users">({ limit: 500 }))),
  createUser: (username: string, role: string, password: string | null, confirmation: Confirmation) =>
    call<Answer<"post~users.create_user", never>>(
      client.POST("/api/v1/users", {
        body: { username, role: role as never, ...(password ? { password } : {}), confirmation },
      }),
    ),
  changeUser: (user: string, change: UserChange, confirmation: Confirmation) => {
    const init = { body: { confirmation }, params: userPath(user) };
    const pending =
      change === "disable"
        ? client.POST("/api/v1/users/{user_ref}/disable", init)
        : change === "enable"
          ? client.POST("/api/v1/users/{user_ref}/enable", init)
          : change === "reset-password"
            ? client.POST("/api/v1/users/{user_ref}/reset-password", init)
            : client.POST("/api/v1/users/{user_ref}/reset-2fa", init);
    return call<Answer<"post~users.disable_user", never>>(pending);
  },
  changeRole: (user: string, role: string, confirmation: Confirmation) =>
    call<Answer<"post~users.change_role", never>>(
      client.POST("/api/v1/users/{user_ref}/role", { body: { role: role as never, confirmation }, params: userPath(user) }),
    ),

  audit: (filters: AuditFilters, offset: number, limit: number) =>
    call<Answer<"get~audit.list_audit", never>>(
      client.GET("/api/v1/audit", query<"get~audit.list_audit">({ ...filters, offset, limit })),
    ),
  verifyAudit: () => call<Answer<"get~audit.verify_audit", never>>(client.GET("/api/v1/audit/verify")),

  pc: (pcId: string) => call<Answer<"get~pcs.get_pc", never>>(client.GET("/api/v1/pcs/{pc_id}", { params: pcPath(pcId) })),
  telemetry: (pcId: string, limit: number) =>
    call<Answer<"get~pcs.list_telemetry", never>>(
      client.GET("/api/v1/pcs/{pc_id}/telemetry", { params: { ...pcPath(pcId), query: { limit } } }),
    ),
  commands: (pcId: string, offset: number, limit: number) =>
    call<Answer<"get~pcs.list_commands", never>>(
      client.GET("/api/v1/pcs/{pc_id}/commands", { params: { ...pcPath(pcId), query: { offset, limit } } }),
    ),
};
