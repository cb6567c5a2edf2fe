/** What a report tab's Export menu sends: the filters of the report's own route over the page's range. */
import type { ExportFilters } from "../../api/exports";
import type { ReportFilter, ReportKind } from "./api";

/** The days the URL names and the grouping (staff has none). */
export function reportExportFilters(kind: ReportKind, { from, to, group }: ReportFilter): ExportFilters {
  return { ...(from ? { from } : {}), ...(to ? { to } : {}), ...(kind === "staff" ? {} : { group }) };
}
