/** What a report tab's Export menu sends: the filters of the report's own route over the page's range. */
import type { ExportFilters } from "../../api/exports";
import type { ReportFilter, ReportKind } from "./api";

/** Staff and inventory have no rows per period, so no grouping. */
export const isGrouped = (kind: ReportKind) => kind !== "staff" && kind !== "inventory";

/**
 * The days the URL names, else those the page's answer covers (so the file, and its PDF's heading, name
 * the days shown), and the grouping (staff and inventory have none).
 */
export function reportExportFilters(kind: ReportKind, { from, to, group }: ReportFilter, answered?: { first_day: string; last_day: string }): ExportFilters {
  const first = from ?? answered?.first_day;
  const last = to ?? answered?.last_day;
  return { ...(first ? { from: first } : {}), ...(last ? { to: last } : {}), ...(isGrouped(kind) ? { group } : {}) };
}
