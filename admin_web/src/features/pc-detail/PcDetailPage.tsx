/**
 * One PC: what it is (host, zone, agent, hardware), its unresolved alerts, a chart of CPU and memory
 * (the stored samples, then the live feed's new ones: no polling) and the commands sent to it.
 */
import ArrowBackIcon from "@mui/icons-material/ArrowBack";
import { Alert, Box, Button, Chip, LinearProgress, Paper, Stack, Typography } from "@mui/material";
import { LineChart } from "@mui/x-charts/LineChart";
import { DataGrid, type GridColDef, type GridPaginationModel } from "@mui/x-data-grid";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useParams } from "react-router";

import { backoffice, type CommandRecord, type PcDetail } from "../../api/backoffice";
import { ApiError } from "../../api/errors";
import { useBranch, useFormat } from "../../app/branch";
import { formatTimeSeconds } from "../../i18n/format";
import { useAppSelector } from "../../live/store";
import { ChartDownload } from "../common/charts/ChartFrame";
import { FormError } from "../common/FormError";
import { GRID_NONCE, PAGE_SIZES, useGridLocale } from "../common/grid";
import { mergeSamples, type Sample } from "./samples";
import "./messages";

const HISTORY = 120;

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary">
        {label}
      </Typography>
      <Typography sx={{ overflowWrap: "anywhere" }}>{children}</Typography>
    </Box>
  );
}

/** "x86_64 · 2 CPU · 23.5 GiB RAM · 252 GiB disk": sizes in GiB, other facts as the agent sent them. */
function hardwareText(hardware: Record<string, unknown>): string {
  const gib = (value: unknown) => (typeof value === "number" ? `${(value / 2 ** 30).toFixed(1)} GiB` : null);
  const known = [
    typeof hardware.cpu_model === "string" ? hardware.cpu_model : null,
    typeof hardware.cpu_count === "number" ? `${hardware.cpu_count} CPU` : null,
    gib(hardware.memory_bytes) && `${gib(hardware.memory_bytes) ?? ""} RAM`,
    gib(hardware.disk_bytes) && `${gib(hardware.disk_bytes) ?? ""} disk`,
  ];
  const others = Object.entries(hardware)
    .filter(([key, value]) => !["cpu_model", "cpu_count", "memory_bytes", "disk_bytes"].includes(key) && (typeof value === "string" || typeof value === "number"))
    .map(([key, value]) => `${key}: ${String(value)}`);
  return [...known.filter((part): part is string => Boolean(part)), ...others].join(" · ");
}

function TelemetryChart({ pcId }: { pcId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const timezone = useBranch()?.timezone ?? "UTC";
  const stored = useQuery({ queryKey: ["pcs", pcId, "telemetry"], queryFn: () => backoffice.telemetry(pcId, HISTORY) });
  const live = useAppSelector((state) => state.live.telemetry[pcId]);
  const [seen, setSeen] = useState<Sample[]>([]);
  const [lastLive, setLastLive] = useState<unknown>(undefined);
  // Each new sample the live feed brings is kept (the slice holds only the latest one).
  if (live !== lastLive) {
    setLastLive(live);
    if (live) setSeen((current) => mergeSamples(current, [live], HISTORY));
  }
  const samples = useMemo(() => mergeSamples(stored.data?.items ?? [], seen, HISTORY), [stored.data, seen]);
  const latest = samples[samples.length - 1];
  const chart = useRef<HTMLDivElement>(null);
  const first = samples[0];
  return (
    <Paper sx={{ p: 2.5 }}>
      <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "baseline", flexWrap: "wrap", gap: 1 }}>
        <Box>
          <Typography variant="h6" component="h2">
            {t("pcDetail.telemetry")}
          </Typography>
          <Typography variant="body2" color="text.secondary">
            {t("pcDetail.telemetryHint")}
          </Typography>
        </Box>
        {latest && (
          <Stack direction="row" spacing={1} sx={{ alignItems: "center" }}>
            <Chip size="small" label={`${t("pcDetail.cpu")} ${Math.round(latest.cpu)} %`} />
            <Chip size="small" label={`${t("pcDetail.memory")} ${Math.round(latest.memory)} %`} />
            {latest.disk !== null && <Chip size="small" label={`${t("pcDetail.disk")} ${Math.round(latest.disk)} %`} />}
            {latest.uptimeS !== null && <Chip size="small" label={`${t("pcDetail.uptime")} ${format.duration(latest.uptimeS * 1000)}`} />}
            {latest.locked !== null && <Chip size="small" color={latest.locked ? "default" : "primary"} label={latest.locked ? t("pcDetail.locked") : t("pcDetail.unlocked")} />}
            {first && (
              <ChartDownload
                target={chart}
                title={`${t("pcDetail.telemetry")} ${pcId}`}
                subtitle={`${format.dateTime(first.at)} – ${format.dateTime(latest.at)}`}
              />
            )}
          </Stack>
        )}
      </Stack>
      {stored.isPending && <LinearProgress sx={{ mt: 2 }} />}
      {stored.isError && <FormError error={stored.error} />}
      {stored.isSuccess && samples.length === 0 && (
        <Alert severity="info" sx={{ mt: 2 }}>
          {t("pcDetail.noTelemetry")}
        </Alert>
      )}
      {samples.length > 0 && (
        <Box data-testid="telemetry-chart" ref={chart}>
          <LineChart
            height={240}
            skipAnimation
            xAxis={[{ data: samples.map((sample) => new Date(sample.at)), scaleType: "time", valueFormatter: (value: Date) => formatTimeSeconds(value.getTime(), timezone), tickNumber: 6 }]}
            yAxis={[{ min: 0, max: 100, width: 36 }]}
            series={[
              { data: samples.map((sample) => sample.cpu), label: `${t("pcDetail.cpu")} %`, showMark: false, color: "#1e88e5" },
              { data: samples.map((sample) => sample.memory), label: `${t("pcDetail.memory")} %`, showMark: false, color: "#0b6e4f" },
            ]}
            margin={{ left: 8, right: 16, top: 16, bottom: 8 }}
          />
        </Box>
      )}
    </Paper>
  );
}

function Commands({ pcId }: { pcId: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const localeText = useGridLocale();
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 25 });
  const commands = useQuery({
    queryKey: ["pcs", pcId, "commands", page],
    queryFn: () => backoffice.commands(pcId, page.page * page.pageSize, page.pageSize),
    placeholderData: keepPreviousData,
  });
  const columns = useMemo<GridColDef<CommandRecord>[]>(
    () => [
      { field: "issued_at", headerName: t("pcDetail.columns.issued"), width: 195, valueFormatter: (value: number) => format.dateTime(value) },
      { field: "type", headerName: t("pcDetail.columns.type"), width: 130, valueFormatter: (value: string) => t(`pcs.actions.${value}`, { defaultValue: value }) },
      { field: "text", headerName: t("pcDetail.columns.text"), flex: 1, minWidth: 120 },
      {
        field: "state",
        headerName: t("pcDetail.columns.state"),
        width: 120,
        renderCell: (cell) => <Chip size="small" variant="outlined" color={cell.row.state === "done" ? "success" : cell.row.state === "sent" ? "default" : "error"} label={cell.row.state} />,
      },
      { field: "issued_by", headerName: t("pcDetail.columns.by"), width: 120 },
      { field: "done_at", headerName: t("pcDetail.columns.done"), width: 110, valueFormatter: (value: number | null) => (value ? format.time(value) : "") },
      { field: "detail", headerName: t("pcDetail.columns.detail"), flex: 1, minWidth: 120 },
    ],
    [t, format],
  );
  return (
    <Paper sx={{ p: 2.5 }}>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        {t("pcDetail.commands")}
      </Typography>
      {commands.isError && <FormError error={commands.error} />}
      <Box sx={{ height: 380 }} data-testid="command-history">
        <DataGrid
          rows={commands.data?.items ?? []}
          columns={columns}
          rowCount={commands.data?.total ?? 0}
          loading={commands.isFetching}
          paginationMode="server"
          paginationModel={page}
          onPaginationModelChange={setPage}
          pageSizeOptions={PAGE_SIZES}
          density="compact"
          disableColumnFilter
          disableColumnSorting
          disableRowSelectionOnClick
          localeText={localeText}
          nonce={GRID_NONCE}
          sx={{ border: 0 }}
        />
      </Box>
    </Paper>
  );
}

function Facts({ pc }: { pc: PcDetail }) {
  const { t } = useTranslation();
  const format = useFormat();
  const status = useAppSelector((state) => state.live.pcs.entities[pc.id]?.status) ?? pc.status;
  return (
    <Paper sx={{ p: 2.5 }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: "center", mb: 2 }}>
        <Chip color={status === "online" ? "success" : "default"} label={t(`pcDetail.status.${status}`, { defaultValue: status })} data-testid="pc-status" />
        {pc.status_since !== null && (
          <Typography variant="body2" color="text.secondary">
            {t("pcDetail.since", { time: format.dateTime(pc.status_since) })}
          </Typography>
        )}
      </Stack>
      <Box sx={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(180px, 1fr))", gap: 2 }}>
        <Fact label={t("pcDetail.hostname")}>{pc.hostname ?? t("common.none")}</Fact>
        <Fact label={t("pcDetail.zone")}>{pc.group}</Fact>
        <Fact label={t("pcDetail.agent")}>{pc.agent_version ?? t("common.none")}</Fact>
        <Fact label={t("pcDetail.os")}>{pc.os ?? t("common.none")}</Fact>
        <Fact label={t("pcDetail.firstSeen")}>{pc.first_seen ? format.dateTime(pc.first_seen) : t("common.none")}</Fact>
        <Fact label={t("pcDetail.lastSeen")}>{pc.last_seen ? format.dateTime(pc.last_seen) : t("common.none")}</Fact>
        <Fact label={t("pcDetail.session")}>{pc.session_id ?? t("pcDetail.noSession")}</Fact>
        {Object.keys(pc.hardware).length > 0 && <Fact label={t("pcDetail.hardware")}>{hardwareText(pc.hardware)}</Fact>}
      </Box>
      {pc.alerts.length > 0 && (
        <Box sx={{ mt: 2 }}>
          <Stack direction="row" spacing={2} sx={{ alignItems: "baseline" }}>
            <Typography variant="subtitle2">{t("pcDetail.alerts")}</Typography>
            {/* Acknowledge and resolve them on the alerts page (its messages load with the menu). */}
            <Button size="small" component={RouterLink} to={`/alerts?pc=${encodeURIComponent(pc.id)}`} data-testid="pc-alerts-link">
              {t("alerts.ofPc")}
            </Button>
          </Stack>
          <Stack spacing={1} sx={{ mt: 1 }}>
            {pc.alerts.map((alert) => (
              <Alert key={alert.id} severity="warning">
                <b>{alert.kind}</b>: {alert.message} ({t("pcDetail.alertCount", { count: alert.count, time: format.dateTime(alert.last_at) })})
              </Alert>
            ))}
          </Stack>
        </Box>
      )}
    </Paper>
  );
}

export default function PcDetailPage() {
  const { t } = useTranslation();
  const { pcId = "" } = useParams();
  const pc = useQuery({ queryKey: ["pcs", pcId, "detail"], queryFn: () => backoffice.pc(pcId) });
  const missing = pc.error instanceof ApiError && (pc.error.status === 404 || pc.error.status === 400);
  return (
    <Box>
      <Stack direction="row" spacing={2} sx={{ mb: 2, alignItems: "center" }}>
        <Button component={RouterLink} to="/pcs" startIcon={<ArrowBackIcon />}>
          {t("pcDetail.back")}
        </Button>
        <Typography variant="h5" component="h1">
          {t("pcDetail.title", { pc: pcId })}
        </Typography>
      </Stack>
      {pc.isPending && <LinearProgress />}
      {missing && <Alert severity="warning">{t("pcDetail.notFound", { pc: pcId })}</Alert>}
      {pc.isError && !missing && <FormError error={pc.error} />}
      {pc.data && (
        <Stack spacing={2}>
          <Facts pc={pc.data} />
          <TelemetryChart pcId={pcId} />
          <Commands pcId={pcId} />
        </Stack>
      )}
    </Box>
  );
}
