/** Today at a glance: takings, PCs in use (live), sessions, members' balances, top products, alerts (live), and the week's takings. */
import { Button, LinearProgress, Stack, Typography } from "@mui/material";
import { BarChart } from "@mui/x-charts/BarChart";
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";

import { useSession } from "../../app/auth/session";
import { useBranch, useFormat } from "../../app/branch";
import { useAppSelector } from "../../live/store";
import { ChartFrame } from "../common/charts/ChartFrame";
import { FormError } from "../common/FormError";
import { reports } from "./api";
import { DashboardAlertsCard } from "./DashboardAlertsCard";
import { daysBefore, todayIn } from "./dates";
import { Figure, Figures } from "./parts";
import { TopProductsCard } from "./TopProductsCard";
import "./messages";

export default function DashboardPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const timezone = useBranch()?.timezone;
  const today = timezone ? todayIn(timezone) : undefined;
  const enabled = today !== undefined;
  const day = { from: today, to: today, group: "day" as const };
  const takings = useQuery({ queryKey: ["reports", "takings", day], queryFn: () => reports.takings(day), enabled, refetchInterval: 60_000 });
  const usage = useQuery({ queryKey: ["reports", "usage", day], queryFn: () => reports.usage(day), enabled, refetchInterval: 60_000 });
  const revenue = useQuery({ queryKey: ["reports", "revenue", day], queryFn: () => reports.revenue(day), enabled, refetchInterval: 60_000 });
  const week = { from: today ? daysBefore(today, 6) : undefined, to: today, group: "day" as const };
  const weekly = useQuery({ queryKey: ["reports", "takings", week], queryFn: () => reports.takings(week), enabled, refetchInterval: 60_000 });
  const pcs = useAppSelector((state) => state.live.pcs.ids.length);
  const inUse = useAppSelector((state) => Object.values(state.live.sessions.entities).filter((session) => session.state === "active").length);
  const error = takings.error ?? usage.error ?? revenue.error ?? weekly.error;
  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "center" }}>
        <Typography variant="h5" component="h1">
          {t("reports.dashboard.title")} {today && <Typography component="span" color="text.secondary">{today}</Typography>}
        </Typography>
        <Button component={RouterLink} to="/reports/takings">
          {t("reports.dashboard.allReports")}
        </Button>
      </Stack>
      {(takings.isPending || usage.isPending) && <LinearProgress />}
      {error && <FormError error={error} />}
      <Figures>
        <Figure
          label={t("reports.dashboard.takings")}
          value={takings.data ? format.money(takings.data.total) : "…"}
          hint={takings.data ? t("reports.dashboard.payments", { count: takings.data.payments }) : undefined}
          testId="dashboard-takings"
        />
        <Figure label={t("reports.dashboard.inUse")} value={String(inUse)} hint={t("reports.dashboard.ofPcs", { count: pcs })} testId="dashboard-in-use" />
        <Figure
          label={t("reports.dashboard.sessions")}
          value={usage.data ? String(usage.data.sessions) : "…"}
          hint={usage.data ? t("reports.dashboard.running", { count: usage.data.open }) : undefined}
          testId="dashboard-sessions"
        />
        <Figure
          label={t("reports.dashboard.outstanding")}
          value={revenue.data ? format.money(revenue.data.outstanding.members) : "…"}
          hint={t("reports.dashboard.outstandingHint")}
        />
      </Figures>
      <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap" }}>
        {today && <TopProductsCard report={revenue.data} day={today} />}
        {/* The alerts list needs pcs:read, as the menu's Alerts entry does (app/nav.tsx). */}
        {can("pcs:read") && <DashboardAlertsCard />}
      </Stack>
      {weekly.data && (
        <ChartFrame title={t("reports.dashboard.week")} range={{ from: weekly.data.first_day, to: weekly.data.last_day }} testId="dashboard-week">
          <BarChart
            height={300}
            skipAnimation
            xAxis={[{ data: weekly.data.by_period.map((row) => row.period), scaleType: "band" }]}
            yAxis={[{ valueFormatter: (value: number) => format.money(value), width: 110 }]}
            series={[
              { data: weekly.data.by_period.map((row) => row.paid), label: t("reports.takings.paid"), color: "#1e88e5", valueFormatter: (v) => format.money(v ?? 0) },
              { data: weekly.data.by_period.map((row) => row.refunded), label: t("reports.takings.refunded"), color: "#c62828", valueFormatter: (v) => format.money(v ?? 0) },
            ]}
          />
        </ChartFrame>
      )}
    </Stack>
  );
}
