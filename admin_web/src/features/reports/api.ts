/** The reports through the API (hub/api/reports.py): whole days in the branch's timezone, money in minor units. */
import { call, client, query } from "../../api/client";
import type { Answer } from "../../api/types";

export type TakingsReport = Answer<"get~reports.takings", never>;
export type RevenueReport = Answer<"get~reports.revenue", never>;
export type UsageReport = Answer<"get~reports.usage", never>;
export type MembersReport = Answer<"get~reports.members", never>;
export type StaffReport = Answer<"get~reports.staff", never>;
export type InventoryReport = Answer<"get~inventory_report.report", never>;
export type AnyReport = TakingsReport | RevenueReport | UsageReport | MembersReport | StaffReport | InventoryReport;

export const GROUPS = ["day", "week", "month"] as const;
export type Group = (typeof GROUPS)[number];
export const KINDS = ["takings", "revenue", "usage", "members", "staff", "inventory"] as const;
export type ReportKind = (typeof KINDS)[number];

/** The days a report answered for, and their timezone (the inventory report names them from_date/to_date). */
export function answeredDays(report: AnyReport): { first_day: string; last_day: string; timezone: string } {
  return "from_date" in report ? { first_day: report.from_date, last_day: report.to_date, timezone: report.timezone } : report;
}

/** A range of whole days (YYYY-MM-DD, both included); left out, the hub answers the last seven days (inventory: 30). */
export interface ReportFilter {
  from?: string;
  to?: string;
  group: Group;
}

const dates = ({ from, to }: ReportFilter) => ({ ...(from ? { from } : {}), ...(to ? { to } : {}) });

export const reports = {
  takings: (filter: ReportFilter) =>
    call<TakingsReport>(client.GET("/api/v1/reports/takings", query<"get~reports.takings">({ ...dates(filter), group: filter.group }))),
  revenue: (filter: ReportFilter) =>
    call<RevenueReport>(client.GET("/api/v1/reports/revenue", query<"get~reports.revenue">({ ...dates(filter), group: filter.group }))),
  usage: (filter: ReportFilter) =>
    call<UsageReport>(client.GET("/api/v1/reports/usage", query<"get~reports.usage">({ ...dates(filter), group: filter.group }))),
  members: (filter: ReportFilter) =>
    call<MembersReport>(client.GET("/api/v1/reports/members", query<"get~reports.members">({ ...dates(filter), group: filter.group }))),
  staff: (filter: ReportFilter) => call<StaffReport>(client.GET("/api/v1/reports/staff", query<"get~reports.staff">(dates(filter)))),
  inventory: (filter: ReportFilter) =>
    call<InventoryReport>(client.GET("/api/v1/reports/inventory", query<"get~inventory_report.report">(dates(filter)))),
};
