/**
 * The back office through the API: tariffs and PC groups (with the hub's price preview), branch
 * settings, staff users, the audit log, and a PC's telemetry and command history.
 */
import { call, client, query } from "./client";
import type { Answer, Branch, Page, PcGroup, StaffUserView } from "./types";

export interface RateWindow {
  name: string;
  /** Minutes after local midnight; a window may wrap midnight (start > end). */
  start_minute: number;
  end_minute: number;
  hourly_rate: number;
  /** 0 = Monday ... 6 = Sunday (the days the window starts on). */
  days: number[];
}

export interface Tariff {
  id: string;
  name: string;
  hourly_rate: number;
  currency: string;
  windows: RateWindow[];
  minimum_charge: number;
  timezone: string;
}

export interface PriceLine {
  label: string;
  starts_at: number;
  minutes: number;
  hourly_rate: number;
  amount: number;
}

export interface Quote {
  currency: string;
  billed_minutes?: number;
  lines: PriceLine[];
  total: number;
}

export interface BranchSettings {
  name: string;
  address: string;
  tax_id: string;
  phone: string;
  currency: string;
  language: string;
  timezone: string;
  payment_methods: string[];
}

export interface StaffUser extends StaffUserView {
  created_at?: number;
  updated_at?: number;
}

export interface UserAnswer {
  user: StaffUser;
  /** A one-time password, shown once. */
  password?: string;
}

/** The proof a sensitive action asks for: a reason, and a TOTP code (with 2FA) or the password. */
export interface Confirmation {
  reason: string;
  totp?: string;
  password?: string;
}

export type UserChange = "disable" | "enable" | "reset-password" | "reset-2fa";

export interface AuditEntry {
  seq: number;
  at: number;
  time: string;
  actor: string | null;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  target: string | null;
  outcome: string;
  reason: string | null;
  details: Record<string, unknown> | null;
  ip: string | null;
  hub: string | null;
  prev: string | null;
  hash: string | null;
}

export interface AuditFilters {
  actor?: string;
  action?: string;
  outcome?: string;
  since?: number;
  until?: number;
}

export interface AuditReport {
  ok: boolean;
  entries: number;
  head_hash: string | null;
  problems: string[];
}

export interface TelemetrySample {
  at: number;
  cpu_percent: number;
  memory_percent: number;
  disk_percent: number;
  uptime_s: number;
  user?: string | null;
  locked: boolean;
}

export interface PcAlert {
  kind: string;
  count: number;
  first_at: number;
  last_at: number;
  detail?: string | null;
}

export interface PcDetail {
  id: string;
  site: string;
  status: string;
  status_since: number | null;
  first_seen: number | null;
  last_seen: number | null;
  hostname: string | null;
  agent_version: string | null;
  os: string | null;
  hardware: Record<string, unknown> | null;
  group: string;
  session_id: string | null;
  telemetry: Partial<TelemetrySample> | null;
  alerts: PcAlert[];
  quarantined: unknown[];
}

export interface CommandRecord {
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

const tariffPath = (tariffId: string) => ({ path: { tariff_id: tariffId } });
const userPath = (user: string) => ({ path: { user_ref: user } });
const pcPath = (pcId: string) => ({ path: { pc_id: pcId } });

export const backoffice = {
  tariffs: () => call<Answer<"get~tariffs.list_tariffs", Page<Tariff>>>(client.GET("/api/v1/tariffs")),
  createTariff: (tariff: Tariff) => call<Answer<"post~tariffs.create_tariff", Tariff>>(client.POST("/api/v1/tariffs", { body: tariff as never })),
  saveTariff: (tariff: Tariff) =>
    call<Answer<"put~tariffs.put_tariff", Tariff>>(client.PUT("/api/v1/tariffs/{tariff_id}", { body: tariff as never, params: tariffPath(tariff.id) })),
  /** What a session of `minutes` starting at `start` (epoch ms) costs under the tariff, line by line: the hub's price. */
  quote: (tariffId: string, start: number, minutes: number) => {
    // The quote route is new: typed from the document once `make console-api` has it.
    const get = client.GET as unknown as (path: string, init: object) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
    return call<Quote>(get("/api/v1/tariffs/{tariff_id}/quote", { params: { ...tariffPath(tariffId), query: { start, minutes } } }));
  },

  groups: () => call<Answer<"get~tariffs.list_groups", Page<PcGroup>>>(client.GET("/api/v1/groups")),
  saveGroup: (group: PcGroup) =>
    call<Answer<"put~tariffs.put_group", PcGroup>>(
      client.PUT("/api/v1/groups/{group_id}", { body: { name: group.name, tariff_id: group.tariff_id }, params: { path: { group_id: group.id } } }),
    ),
  setPcGroup: (pcId: string, group: string) =>
    call<Answer<"put~tariffs.put_pc_group", { pc_id: string; group: string }>>(
      client.PUT("/api/v1/pcs/{pc_id}/group", { body: { group }, params: pcPath(pcId) }),
    ),

  saveBranch: (branchId: string, settings: BranchSettings) =>
    call<Answer<"put~branches.put_branch", Branch>>(
      client.PUT("/api/v1/branches/{branch_id}", { body: settings as never, params: { path: { branch_id: branchId } } }),
    ),

  users: () => call<Answer<"get~users.list_users", Page<StaffUser>>>(client.GET("/api/v1/users", query<"get~users.list_users">({ limit: 500 }))),
  createUser: (username: string, role: string, password: string | null, confirmation: Confirmation) =>
    call<Answer<"post~users.create_user", UserAnswer>>(
      client.POST("/api/v1/users", {
        body: { username, role: role as never, ...(password ? { password } : {}), confirmation },
      }),
    ),
  changeUser: (user: string, change: UserChange, confirmation: Confirmation) => {
    // These routes read {"confirmation"} though the document does not declare their body yet.
    const init = { body: { confirmation } as never, params: userPath(user) };
    const pending =
      change === "disable"
        ? client.POST("/api/v1/users/{user_ref}/disable", init)
        : change === "enable"
          ? client.POST("/api/v1/users/{user_ref}/enable", init)
          : change === "reset-password"
            ? client.POST("/api/v1/users/{user_ref}/reset-password", init)
            : client.POST("/api/v1/users/{user_ref}/reset-2fa", init);
    return call<UserAnswer>(pending);
  },
  changeRole: (user: string, role: string, confirmation: Confirmation) =>
    call<Answer<"post~users.change_role", UserAnswer>>(
      client.POST("/api/v1/users/{user_ref}/role", { body: { role: role as never, confirmation }, params: userPath(user) }),
    ),

  audit: (filters: AuditFilters, offset: number, limit: number) =>
    call<Answer<"get~audit.list_audit", Page<AuditEntry>>>(
      client.GET("/api/v1/audit", query<"get~audit.list_audit">({ ...filters, offset, limit })),
    ),
  verifyAudit: () => call<Answer<"get~audit.verify_audit", AuditReport>>(client.GET("/api/v1/audit/verify")),

  pc: (pcId: string) => call<Answer<"get~pcs.get_pc", PcDetail>>(client.GET("/api/v1/pcs/{pc_id}", { params: pcPath(pcId) })),
  telemetry: (pcId: string, limit: number) =>
    call<Answer<"get~pcs.list_telemetry", Page<TelemetrySample>>>(
      client.GET("/api/v1/pcs/{pc_id}/telemetry", { params: { ...pcPath(pcId), query: { limit } } }),
    ),
  commands: (pcId: string, offset: number, limit: number) =>
    call<Answer<"get~pcs.list_commands", Page<CommandRecord>>>(
      client.GET("/api/v1/pcs/{pc_id}/commands", { params: { ...pcPath(pcId), query: { offset, limit } } }),
    ),
};
