/**
 * The dashboard's alerts: how many are open and the latest few not resolved yet (kind, PC, how long ago,
 * what happened), with the way to the alerts page. It reads under the alerts' query key, so the live feed
 * that keeps the alerts page and the menu's badge current (features/alerts/live.ts) refreshes it too.
 */
import { Box, Button, Chip, Link, Paper, Stack, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";

import { alerts, type AlertItem } from "../../api/alerts";
import { useFormat } from "../../app/branch";
import { ALERTS_KEY, useOpenAlertCount } from "../alerts/live";
import { FormError } from "../common/FormError";
import "../alerts/messages";
import "./messages";

const SHOWN = 3;
/** How often "… ago" moves on by itself between the alerts' refetches. */
const TICK_MS = 30_000;
const MINUTE_MS = 60_000;

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

function AlertLine({ alert, now }: { alert: AlertItem; now: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <Box data-testid="dashboard-alert" data-kind={alert.kind} data-state={alert.state} sx={{ py: 1, borderTop: 1, borderColor: "divider", minWidth: 0 }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: "baseline", flexWrap: "wrap", rowGap: 0.5 }}>
        {alert.state !== "open" && <Chip size="small" color="warning" label={t(`alerts.states.${alert.state}`, { defaultValue: alert.state })} />}
        <Typography component="span" sx={{ fontWeight: 600 }}>
          {t(`alerts.kinds.${alert.kind}`, { defaultValue: alert.kind })}
        </Typography>
        {alert.pc_id !== null && (
          <Link component={RouterLink} to={`/pcs/${encodeURIComponent(alert.pc_id)}`} sx={{ fontWeight: 600 }}>
            {alert.pc_id}
          </Link>
        )}
        <Typography component="span" variant="body2" color="text.secondary" title={format.dateTime(alert.last_at)} sx={{ ml: "auto !important", whiteSpace: "nowrap" }}>
          {now - alert.last_at < MINUTE_MS ? t("reports.dashboard.justNow") : t("reports.dashboard.ago", { age: format.duration(now - alert.last_at) })}
        </Typography>
      </Stack>
      <Typography variant="body2" color="text.secondary" noWrap title={alert.message}>
        {alert.message}
      </Typography>
    </Box>
  );
}

export function DashboardAlertsCard() {
  const { t } = useTranslation();
  const open = useOpenAlertCount();
  const latest = useQuery({ queryKey: [...ALERTS_KEY, "latest", SHOWN], queryFn: () => alerts.list({ state: "unresolved" }, 0, SHOWN) });
  const now = useNow(TICK_MS);
  return (
    <Paper sx={{ p: 2, flex: "1 1 420px", minWidth: 0 }} data-testid="dashboard-alerts" data-open={open ?? ""}>
      <Stack direction="row" spacing={1} sx={{ alignItems: "center", mb: 1 }}>
        <Typography variant="h6" component="h2">
          {t("reports.dashboard.alerts")}
        </Typography>
        {open !== undefined && <Chip size="small" color={open > 0 ? "error" : "default"} label={t("reports.dashboard.openAlerts", { count: open })} data-testid="dashboard-alerts-open" />}
        <Button component={RouterLink} to="/alerts" size="small" sx={{ ml: "auto !important" }}>
          {t("reports.dashboard.allAlerts")}
        </Button>
      </Stack>
      {latest.isError && <FormError error={latest.error} />}
      {latest.data && latest.data.items.length === 0 && <Typography color="text.secondary">{t("reports.dashboard.noAlerts")}</Typography>}
      {latest.data?.items.map((alert) => (
        <AlertLine key={alert.id} alert={alert} now={now} />
      ))}
    </Paper>
  );
}
