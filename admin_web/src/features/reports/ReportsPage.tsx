/** One page per report (tabs), the range and grouping in the URL: /reports/takings?from=&to=&group=. */
import { Alert, Box, Chip, LinearProgress, Stack, Tab, Tabs, Typography } from "@mui/material";
import { BarChart } from "@mui/x-charts/BarChart";
import { useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useNavigate, useParams, useSearchParams } from "react-router";

import { useFormat } from "../../app/branch";
import { ChartFrame } from "../common/charts/ChartFrame";
import { FormError } from "../common/FormError";
import { answeredDays, KINDS, reports, type AnyReport, type InventoryReport, type MembersReport, type ReportKind, type RevenueReport, type StaffReport, type TakingsReport, type UsageReport } from "./api";
import { isGrouped } from "./exportFilters";
import { Heatmap } from "./Heatmap";
import { InventoryView } from "./InventoryView";
import { CHART_HEIGHT, ChartPaper, Figure, Figures, RangeBar, ReportTable, useReportFilter, type Column } from "./parts";
import "./messages";

/** The days a report answered for: its charts' files are named after them. */
const days = (report: { first_day: string; last_day: string }) => ({ from: report.first_day, to: report.last_day });

export default function ReportsPage() {
  const { t } = useTranslation();
  const { kind } = useParams();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  if (!kind || !(KINDS as readonly string[]).includes(kind)) return <Navigate to={`/reports/takings?${params.toString()}`} replace />;
  const current = kind as ReportKind;
  return (
    <Stack spacing={2}>
      <Typography variant="h5" component="h1">
        {t("reports.title")}
      </Typography>
      <Tabs value={current} onChange={(_, next: string) => void navigate(`/reports/${next}?${params.toString()}`)} variant="scrollable">
        {KINDS.map((name) => (
          <Tab key={name} value={name} label={t(`reports.tabs.${name}`)} data-testid={`report-tab-${name}`} />
        ))}
      </Tabs>
      <Report kind={current} />
    </Stack>
  );
}

function Report({ kind }: { kind: ReportKind }) {
  const [filter, setFilter] = useReportFilter();
  const answer = useQuery<AnyReport>({
    queryKey: ["reports", kind, filter],
    queryFn: () => reports[kind](filter),
    // While another range loads, the last answer of this report stays (never another report's).
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[1] === kind ? previous : undefined),
  });
  return (
    <Stack spacing={2}>
      <RangeBar filter={filter} onChange={setFilter} answered={answer.data && answeredDays(answer.data)} grouping={isGrouped(kind)} />
      {answer.isFetching && <LinearProgress />}
      {answer.isError && <FormError error={answer.error} />}
      {answer.data && <ReportBody kind={kind} data={answer.data} />}
    </Stack>
  );
}

function ReportBody({ kind, data }: { kind: ReportKind; data: AnyReport }): ReactNode {
  if (kind === "takings") return <TakingsView report={data as TakingsReport} />;
  if (kind === "revenue") return <RevenueView report={data as RevenueReport} />;
  if (kind === "usage") return <UsageView report={data as UsageReport} />;
  if (kind === "members") return <MembersView report={data as MembersReport} />;
  if (kind === "inventory") return <InventoryView report={data as InventoryReport} />;
  return <StaffView report={data as StaffReport} />;
}

type TakingsRow = { payments: number; paid: number; refunds: number; refunded: number; net: number };

function useTakingsColumns<T extends TakingsRow>(first: Column<T>): Column<T>[] {
  const { t } = useTranslation();
  const format = useFormat();
  return [
    first,
    { label: t("reports.columns.payments"), value: (row) => row.payments, numeric: true },
    { label: t("reports.columns.paid"), value: (row) => format.money(row.paid), numeric: true },
    { label: t("reports.columns.refunds"), value: (row) => row.refunds, numeric: true },
    { label: t("reports.columns.refunded"), value: (row) => format.money(row.refunded), numeric: true },
    { label: t("reports.columns.net"), value: (row) => <b>{format.money(row.net)}</b>, numeric: true },
  ];
}

function TakingsView({ report }: { report: TakingsReport }) {
  const { t } = useTranslation();
  const format = useFormat();
  const byMethod = useTakingsColumns<TakingsReport["by_method"][number]>({ label: t("reports.columns.method"), value: (row) => t(`reports.methods.${row.method}`, { defaultValue: row.method }) });
  const byPurpose = useTakingsColumns<TakingsReport["by_purpose"][number]>({ label: t("reports.columns.purpose"), value: (row) => t(`reports.purposes.${row.purpose}`, { defaultValue: row.purpose }) });
  const byStaff = useTakingsColumns<TakingsReport["by_staff"][number]>({ label: t("reports.columns.staff"), value: (row) => row.staff });
  const byShift = useTakingsColumns<TakingsReport["by_shift"][number]>({ label: t("reports.columns.shift"), value: (row) => `${row.staff} · ${row.shift_id.slice(0, 8)}` });
  const byPeriod = useTakingsColumns<TakingsReport["by_period"][number]>({ label: t("reports.columns.period"), value: (row) => row.period });
  return (
    <Stack spacing={2}>
      <Figures>
        <Figure label={t("reports.takings.total")} value={format.money(report.total)} testId="takings-total" hint={t("reports.dashboard.payments", { count: report.payments })} />
        <Figure label={t("reports.takings.paid")} value={format.money(report.paid)} />
        <Figure label={t("reports.takings.refunded")} value={format.money(report.refunded)} />
      </Figures>
      <ChartFrame title={t("reports.takings.chart")} range={days(report)} testId="takings-chart">
        <BarChart
          height={CHART_HEIGHT}
          skipAnimation
          xAxis={[{ data: report.by_period.map((row) => row.period), scaleType: "band" }]}
          yAxis={[{ valueFormatter: (value: number) => format.money(value), width: 110 }]}
          series={[{ data: report.by_period.map((row) => row.net), label: t("reports.columns.net"), color: "#1e88e5", valueFormatter: (value) => format.money(value ?? 0) }]}
        />
      </ChartFrame>
      <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap" }}>
        <ReportTable title={t("reports.takings.byMethod")} columns={byMethod} rows={report.by_method} testId="takings-by-method" />
        <ReportTable title={t("reports.takings.byPurpose")} columns={byPurpose} rows={report.by_purpose} />
      </Stack>
      <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap" }}>
        <ReportTable title={t("reports.takings.byStaff")} columns={byStaff} rows={report.by_staff} />
        <ReportTable title={t("reports.takings.byShift")} columns={byShift} rows={report.by_shift} />
      </Stack>
      <ReportTable title={t("reports.takings.chart")} columns={byPeriod} rows={report.by_period} />
    </Stack>
  );
}

function RevenueView({ report }: { report: RevenueReport }) {
  const { t } = useTranslation();
  const format = useFormat();
  const money = (value: number) => format.money(value);
  return (
    <Stack spacing={2}>
      <Figures>
        <Figure label={t("reports.revenue.earnedTime")} value={money(report.earned.time)} />
        <Figure label={t("reports.revenue.earnedProducts")} value={money(report.earned.products)} />
        <Figure label={t("reports.revenue.refunds")} value={money(report.refunds)} />
        <Figure label={t("reports.revenue.net")} value={money(report.net)} testId="revenue-net" />
        <Figure label={t("reports.revenue.uncollected")} value={money(report.uncollected)} />
      </Figures>
      <Figures>
        <Figure label={t("reports.revenue.topups")} value={money(report.topups)} />
        <Figure label={t("reports.revenue.vouchersSold")} value={money(report.vouchers.sold)} />
        <Figure label={t("reports.revenue.vouchersRedeemed")} value={money(report.vouchers.redeemed)} />
        <Figure label={t("reports.revenue.outstandingMembers")} value={money(report.outstanding.members)} testId="revenue-outstanding" />
        <Figure label={t("reports.revenue.outstandingVouchers")} value={money(report.outstanding.vouchers)} />
      </Figures>
      <ChartFrame title={t("reports.revenue.chart")} range={days(report)} testId="revenue-chart">
        <BarChart
          height={CHART_HEIGHT}
          skipAnimation
          xAxis={[{ data: report.by_period.map((row) => row.period), scaleType: "band" }]}
          yAxis={[{ valueFormatter: money, width: 110 }]}
          series={[
            { data: report.by_period.map((row) => row.time), label: t("reports.revenue.earnedTime"), stack: "earned", color: "#1e88e5", valueFormatter: (v) => money(v ?? 0) },
            { data: report.by_period.map((row) => row.products), label: t("reports.revenue.earnedProducts"), stack: "earned", color: "#0b6e4f", valueFormatter: (v) => money(v ?? 0) },
            { data: report.by_period.map((row) => -row.refunds), label: t("reports.revenue.refunds"), color: "#c62828", valueFormatter: (v) => money(v ?? 0) },
          ]}
        />
      </ChartFrame>
      <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap" }}>
        <ReportTable
          title={t("reports.revenue.byProduct")}
          rows={report.by_product}
          columns={[
            { label: t("reports.columns.product"), value: (row) => row.name || row.product_id },
            { label: t("reports.columns.quantity"), value: (row) => row.quantity, numeric: true },
            { label: t("reports.columns.total"), value: (row) => money(row.total), numeric: true },
          ]}
        />
        <ReportTable
          title={t("reports.revenue.byZone")}
          rows={report.by_zone}
          columns={[
            { label: t("reports.columns.zone"), value: (row) => row.zone },
            { label: t("reports.columns.tariff"), value: (row) => row.tariff_id },
            { label: t("reports.columns.sessions"), value: (row) => row.sessions, numeric: true },
            { label: t("reports.columns.hours"), value: (row) => format.duration(row.used_ms), numeric: true },
            { label: t("reports.columns.priced"), value: (row) => money(row.priced), numeric: true },
          ]}
        />
      </Stack>
    </Stack>
  );
}

function UsageView({ report }: { report: UsageReport }) {
  const { t } = useTranslation();
  const format = useFormat();
  const pcColumns = (metric: "hours" | "priced"): Column<UsageReport["pcs_by_hours"][number]>[] => [
    { label: t("reports.columns.pc"), value: (row) => row.pc_id },
    { label: t("reports.columns.zone"), value: (row) => row.zone || "-" },
    { label: t("reports.columns.sessions"), value: (row) => row.sessions, numeric: true },
    metric === "hours"
      ? { label: t("reports.columns.hours"), value: (row) => <b>{format.duration(row.used_ms)}</b>, numeric: true }
      : { label: t("reports.columns.priced"), value: (row) => <b>{format.money(row.priced)}</b>, numeric: true },
  ];
  return (
    <Stack spacing={2}>
      <Figures>
        <Figure label={t("reports.usage.sessions")} value={String(report.sessions)} testId="usage-sessions" />
        <Figure label={t("reports.usage.hours")} value={format.duration(report.used_ms)} />
        <Figure label={t("reports.usage.average")} value={format.duration(report.average_ms)} />
        <Figure label={t("reports.usage.open")} value={String(report.open)} />
      </Figures>
      <ChartFrame title={t("reports.usage.heatmap")} range={days(report)} testId="usage-heatmap-chart">
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          {t("reports.usage.heatmapHint")}
        </Typography>
        <Heatmap cells={report.heatmap} />
      </ChartFrame>
      <ChartFrame title={t("reports.usage.chart")} range={days(report)} testId="usage-chart">
        <BarChart
          height={CHART_HEIGHT}
          skipAnimation
          xAxis={[{ data: report.by_period.map((row) => row.period), scaleType: "band" }]}
          yAxis={[{ valueFormatter: (value: number) => `${Math.round(value / 3_600_000)} h`, width: 60 }]}
          series={[{ data: report.by_period.map((row) => row.used_ms), label: t("reports.usage.hours"), color: "#6a1b9a", valueFormatter: (v) => format.duration(v ?? 0) }]}
        />
      </ChartFrame>
      <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap" }}>
        <ReportTable title={t("reports.usage.topHours")} columns={pcColumns("hours")} rows={report.pcs_by_hours.slice(0, 15)} testId="usage-top-pcs" />
        <ReportTable title={t("reports.usage.topRevenue")} columns={pcColumns("priced")} rows={report.pcs_by_revenue.slice(0, 15)} />
      </Stack>
      <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap" }}>
        <ReportTable
          title={t("reports.usage.byZone")}
          rows={report.by_zone}
          columns={[
            { label: t("reports.columns.zone"), value: (row) => row.zone || "-" },
            { label: t("reports.columns.sessions"), value: (row) => row.sessions, numeric: true },
            { label: t("reports.columns.hours"), value: (row) => format.duration(row.used_ms), numeric: true },
            { label: t("reports.columns.priced"), value: (row) => format.money(row.priced), numeric: true },
          ]}
        />
        <ChartPaper title={t("reports.usage.idle")}>
          {report.idle_pcs.length === 0 ? (
            report.sessions > 0 ? <Alert severity="success">{t("reports.usage.noIdle")}</Alert> : <Typography color="text.secondary">{t("reports.empty")}</Typography>
          ) : (
            <Stack direction="row" sx={{ gap: 1, flexWrap: "wrap" }} data-testid="usage-idle">
              {report.idle_pcs.map((pc) => (
                <Chip key={pc} label={pc} size="small" />
              ))}
            </Stack>
          )}
        </ChartPaper>
      </Stack>
    </Stack>
  );
}

function MembersView({ report }: { report: MembersReport }) {
  const { t } = useTranslation();
  const format = useFormat();
  const memberColumns: Column<MembersReport["top_by_spend"][number]>[] = [
    { label: t("reports.columns.member"), value: (row) => row.login || row.member_id },
    { label: t("reports.columns.spend"), value: (row) => format.money(row.spend), numeric: true },
    { label: t("reports.columns.topups"), value: (row) => format.money(row.topups), numeric: true },
    { label: t("reports.columns.sessions"), value: (row) => row.sessions, numeric: true },
    { label: t("reports.columns.hours"), value: (row) => format.duration(row.used_ms), numeric: true },
  ];
  return (
    <Stack spacing={2}>
      <Figures>
        <Figure label={t("reports.members.new")} value={String(report.new)} testId="members-new" />
        <Figure label={t("reports.members.active")} value={String(report.active)} />
        <Figure label={t("reports.members.balances")} value={format.money(report.balances.total)} hint={t("reports.members.withBalance", { count: report.balances.members })} />
      </Figures>
      <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap" }}>
        <Box sx={{ flex: "1 1 420px" }}>
          <ChartFrame title={t("reports.members.chart")} range={days(report)} testId="members-chart">
            <BarChart
              height={CHART_HEIGHT}
              skipAnimation
              xAxis={[{ data: report.new_by_period.map((row) => row.period), scaleType: "band" }]}
              series={[{ data: report.new_by_period.map((row) => row.members), label: t("reports.members.new"), color: "#0b6e4f" }]}
            />
          </ChartFrame>
        </Box>
        <Box sx={{ flex: "1 1 420px" }}>
          <ChartFrame title={t("reports.members.buckets")} range={days(report)} testId="members-buckets-chart">
            <BarChart
              height={CHART_HEIGHT}
              skipAnimation
              xAxis={[{ data: report.balances.buckets.map((row) => t("reports.members.from", { amount: format.money(row.at_least) })), scaleType: "band" }]}
              series={[{ data: report.balances.buckets.map((row) => row.members), label: t("reports.columns.members"), color: "#f9a825" }]}
            />
          </ChartFrame>
        </Box>
      </Stack>
      <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap" }}>
        <ReportTable title={t("reports.members.topSpend")} columns={memberColumns} rows={report.top_by_spend} testId="members-top-spend" />
        <ReportTable title={t("reports.members.topHours")} columns={memberColumns} rows={report.top_by_hours} />
      </Stack>
    </Stack>
  );
}

function StaffView({ report }: { report: StaffReport }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <Stack spacing={2}>
      <Alert severity="info">{t("reports.staff.hint")}</Alert>
      <ReportTable
        title={t("reports.tabs.staff")}
        rows={report.staff}
        testId="staff-table"
        columns={[
          { label: t("reports.columns.staff"), value: (row) => row.staff },
          { label: t("reports.columns.shifts"), value: (row) => row.shifts, numeric: true },
          { label: t("reports.columns.takings"), value: (row) => format.money(row.takings), numeric: true },
          { label: t("reports.columns.refunds"), value: (row) => `${row.refunds} · ${format.money(row.refunded)}`, numeric: true },
          {
            label: t("reports.columns.overShort"),
            value: (row) => <Box component="span" sx={{ color: row.over_short < 0 ? "error.main" : undefined }}>{format.money(row.over_short)}</Box>,
            numeric: true,
          },
          { label: t("reports.columns.unlocks"), value: (row) => <Box component="span" sx={{ color: row.unlocks > 0 ? "warning.dark" : undefined, fontWeight: row.unlocks > 0 ? 600 : undefined }}>{row.unlocks}</Box>, numeric: true },
          { label: t("reports.columns.stops"), value: (row) => row.stops, numeric: true },
        ]}
      />
    </Stack>
  );
}
