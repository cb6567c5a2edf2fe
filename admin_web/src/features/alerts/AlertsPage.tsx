/**
 * Alerts: what happened, to which PC (or product), when (on the branch's clock), and who acknowledged or
 * resolved it; open ones first. Filters (state, kind, PC) are kept in the address. New and changed
 * alerts come in by themselves (the live feed refetches the list, ./live.ts). Scheduled backups' state
 * sits on top for those who may see it.
 */
import FilterAltOffIcon from "@mui/icons-material/FilterAltOff";
import { Alert, Box, Button, Chip, LinearProgress, Link, MenuItem, Paper, Stack, TextField, Typography } from "@mui/material";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useSearchParams } from "react-router";

import { alerts, type AlertItem } from "../../api/alerts";
import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import { BackupCard } from "./BackupCard";
import { actionsFor, alertsQuery, KEYS, KINDS, PC_ID, sortAlerts, STATES, type Form } from "./filters";
import { ALERTS_KEY } from "./live";
import "./messages";

const PAGE = 50;

function stateColour(state: string): "error" | "warning" | "default" {
  if (state === "open") return "error";
  return state === "acknowledged" ? "warning" : "default";
}

function Who({ alert }: { alert: AlertItem }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (alert.updated_by === null || alert.state === "open") return null;
  const who =
    alert.state === "resolved"
      ? alert.updated_by === "system"
        ? t("alerts.resolvedAuto")
        : t("alerts.resolvedBy", { user: alert.updated_by })
      : t("alerts.acknowledgedBy", { user: alert.updated_by });
  return (
    <Typography variant="body2" data-testid="alert-who">
      {who}
      {alert.updated_at !== null && ` ${t("alerts.at", { time: format.dateTime(alert.updated_at) })}`}
    </Typography>
  );
}

function AlertRow({ alert, mayManage }: { alert: AlertItem; mayManage: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const client = useQueryClient();
  const done = () => client.invalidateQueries({ queryKey: ALERTS_KEY });
  const acknowledge = useMutation({ mutationFn: () => alerts.acknowledge(alert.id), onSettled: done });
  const resolve = useMutation({ mutationFn: () => alerts.resolve(alert.id), onSettled: done });
  const actions = actionsFor(alert.state, mayManage);
  const busy = acknowledge.isPending || resolve.isPending;
  return (
    <Paper variant="outlined" sx={{ p: 1.5 }} data-testid={`alert-${alert.id}`} data-kind={alert.kind} data-pc={alert.pc_id ?? ""} data-state={alert.state}>
      <Stack direction={{ xs: "column", md: "row" }} spacing={2} sx={{ alignItems: { md: "center" } }}>
        <Box sx={{ flex: 1, minWidth: 0 }}>
          <Stack direction="row" spacing={1} sx={{ alignItems: "center", flexWrap: "wrap", rowGap: 0.5 }}>
            <Chip size="small" color={stateColour(alert.state)} label={t(`alerts.states.${alert.state}`, { defaultValue: alert.state })} data-testid="alert-state" />
            <Typography component="span" sx={{ fontWeight: 600 }}>
              {t(`alerts.kinds.${alert.kind}`, { defaultValue: alert.kind })}
            </Typography>
            <Typography component="span">·</Typography>
            {alert.pc_id !== null ? (
              <Link component={RouterLink} to={`/pcs/${encodeURIComponent(alert.pc_id)}`} sx={{ fontWeight: 600 }}>
                {alert.pc_id}
              </Link>
            ) : (
              <Typography component="span">{t("alerts.product", { product: alert.product_id ?? "", branch: alert.branch ?? "" })}</Typography>
            )}
          </Stack>
          <Typography variant="body2" sx={{ mt: 0.5, overflowWrap: "anywhere" }}>
            {alert.message}
          </Typography>
          <Typography variant="body2" color="text.secondary" data-testid="alert-when">
            {t("alerts.since", { time: format.dateTime(alert.first_at) })}
            {alert.count > 1 && ` · ${t("alerts.repeats", { count: alert.count })} · ${t("alerts.last", { time: format.dateTime(alert.last_at) })}`}
          </Typography>
          <Who alert={alert} />
        </Box>
        {(actions.acknowledge || actions.resolve) && (
          <Stack direction="row" spacing={1} sx={{ flexShrink: 0 }}>
            {actions.acknowledge && (
              <Button variant="outlined" onClick={() => acknowledge.mutate()} disabled={busy} data-testid="acknowledge">
                {t("alerts.acknowledge")}
              </Button>
            )}
            {actions.resolve && (
              <Button variant="contained" onClick={() => resolve.mutate()} disabled={busy} data-testid="resolve">
                {t("alerts.resolve")}
              </Button>
            )}
          </Stack>
        )}
      </Stack>
      {acknowledge.isError && <FormError error={acknowledge.error} />}
      {resolve.isError && <FormError error={resolve.error} />}
    </Paper>
  );
}

export default function AlertsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const [params, setParams] = useSearchParams();
  const form = Object.fromEntries(KEYS.map((key) => [key, params.get(key) ?? ""])) as Form;
  const filters = alertsQuery(form); // a new object each render; TanStack Query compares keys by value
  const [limit, setLimit] = useState(PAGE);
  const list = useQuery({
    queryKey: [...ALERTS_KEY, "list", filters, limit],
    queryFn: () => alerts.list(filters, 0, limit),
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => sortAlerts(list.data?.items ?? []), [list.data]);
  const mayManage = can("alerts:manage");
  const pcInvalid = form.pc.trim() !== "" && !PC_ID.test(form.pc.trim());
  const change = (patch: Partial<Form>) => {
    const next = { ...form, ...patch };
    setParams(Object.fromEntries(KEYS.filter((key) => next[key]).map((key) => [key, next[key]])), { replace: true });
    setLimit(PAGE);
  };

  return (
    <Box>
      <Typography variant="h5" component="h1" sx={{ mb: 1 }}>
        {t("alerts.title")}
      </Typography>
      <Typography color="text.secondary" sx={{ mb: 2 }}>
        {t("alerts.intro")}
      </Typography>
      {can("backups:read") && <BackupCard />}
      <Paper sx={{ p: 2, mb: 2 }}>
        <Box sx={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(200px, 1fr))", gap: 1.5, alignItems: "start" }}>
          <TextField select size="small" label={t("alerts.state")} value={filters.state} onChange={(event) => change({ state: event.target.value === "unresolved" ? "" : event.target.value })} slotProps={{ select: { SelectDisplayProps: { "data-testid": "filter-state" } as object } }}>
            {STATES.map((state) => (
              <MenuItem key={state} value={state}>
                {t(`alerts.states.${state}`)}
              </MenuItem>
            ))}
          </TextField>
          <TextField select size="small" label={t("alerts.kind")} value={form.kind} onChange={(event) => change({ kind: event.target.value })} slotProps={{ select: { displayEmpty: true }, inputLabel: { shrink: true } }}>
            <MenuItem value="">{t("alerts.anyKind")}</MenuItem>
            {KINDS.map((kind) => (
              <MenuItem key={kind} value={kind}>
                {t(`alerts.kinds.${kind}`)}
              </MenuItem>
            ))}
          </TextField>
          <TextField size="small" label={t("alerts.pc")} name="pc" value={form.pc} onChange={(event) => change({ pc: event.target.value })} error={pcInvalid} helperText={pcInvalid ? t("alerts.pcRule") : undefined} />
          {KEYS.some((key) => form[key]) && (
            <Button startIcon={<FilterAltOffIcon />} onClick={() => setParams({}, { replace: true })}>
              {t("alerts.clear")}
            </Button>
          )}
        </Box>
      </Paper>
      {!mayManage && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t("alerts.readOnly")}
        </Alert>
      )}
      {list.isError && <FormError error={list.error} />}
      {list.isFetching && <LinearProgress sx={{ mb: 1 }} />}
      {list.data && rows.length === 0 && (
        <Typography color="text.secondary" data-testid="alerts-none">
          {t("alerts.none")}
        </Typography>
      )}
      <Stack spacing={1} data-testid="alerts-list" data-pc={filters.pc_id ?? ""} data-fetching={list.isFetching}>
        {rows.map((alert) => (
          <AlertRow key={alert.id} alert={alert} mayManage={mayManage} />
        ))}
      </Stack>
      {list.data && list.data.total > 0 && (
        <Stack direction="row" spacing={2} sx={{ mt: 2, alignItems: "center" }}>
          <Typography variant="body2" color="text.secondary">
            {t("alerts.count", { shown: rows.length, total: list.data.total })}
          </Typography>
          {list.data.total > rows.length && limit < 500 && <Button onClick={() => setLimit((current) => Math.min(500, current + PAGE))}>{t("alerts.more")}</Button>}
        </Stack>
      )}
    </Box>
  );
}
