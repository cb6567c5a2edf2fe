/**
 * Alerts and backups through the API: the list (filters as `GET /api/v1/alerts` takes them), staff
 * acknowledging or resolving one (`alerts:manage`), and scheduled backups' state (`backups:read`).
 */
import { call, client, query } from "./client";
import type { Answer } from "./types";

type Item<P> = P extends { items: (infer T)[] } ? T : never;

export type AlertsPage = Answer<"get~alerts.list_alerts", never>;
export type AlertItem = Item<AlertsPage>;
export type BackupStatus = Answer<"get~backups.status", never>;

export interface AlertFilters {
  state: "unresolved" | "open" | "acknowledged" | "resolved";
  kind?: string;
  pc_id?: string;
}

const alertPath = (alertId: string) => ({ path: { alert_id: alertId } });

export const alerts = {
  list: (filters: AlertFilters, offset: number, limit: number) =>
    call<AlertsPage>(client.GET("/api/v1/alerts", query<"get~alerts.list_alerts">({ ...filters, offset, limit }))),
  acknowledge: (alertId: string) =>
    call<AlertItem>(client.POST("/api/v1/alerts/{alert_id}/acknowledge", { body: {} as never, params: alertPath(alertId) })),
  resolve: (alertId: string) =>
    call<AlertItem>(client.POST("/api/v1/alerts/{alert_id}/resolve", { body: {} as never, params: alertPath(alertId) })),
  backupStatus: () => call<BackupStatus>(client.GET("/api/v1/backups/status")),
};
