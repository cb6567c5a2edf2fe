/** The audit log (owners): filters by who, what, outcome and time, pages from the hub, an entry's details, and the chain's verification. */
import FilterAltOffIcon from "@mui/icons-material/FilterAltOff";
import VerifiedUserIcon from "@mui/icons-material/VerifiedUser";
import {
  Alert,
  Autocomplete,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Paper,
  Stack,
  TextField,
  Typography,
} from "@mui/material";
import { DataGrid, type GridColDef, type GridPaginationModel, type GridRowParams } from "@mui/x-data-grid";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useDeferredValue, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { backoffice, type AuditEntry } from "../../api/backoffice";
import { useBranch, useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import { GRID_NONCE, PAGE_SIZES, useGridLocale } from "../common/grid";
import { ExportMenu } from "../exports/ExportMenu";
import { filtersOf } from "../exports/jobs";
import { auditQuery, KEYS, OUTCOMES, type Form } from "./filters";
import "./messages";

function outcomeColour(outcome: string): "success" | "error" | "warning" | "default" {
  if (outcome === "success") return "success";
  if (outcome === "denied" || outcome === "reuse_detected" || outcome === "failure") return "error";
  return outcome === "locked" ? "warning" : "default";
}

function Verification() {
  const { t } = useTranslation();
  const verify = useMutation({ mutationFn: backoffice.verifyAudit });
  const report = verify.data;
  return (
    <Paper sx={{ p: 2, mb: 2 }}>
      <Stack direction="row" spacing={2} sx={{ alignItems: "center", flexWrap: "wrap" }}>
        <Button variant="outlined" startIcon={<VerifiedUserIcon />} onClick={() => verify.mutate()} disabled={verify.isPending} data-testid="verify-audit">
          {verify.isPending ? t("audit.verifying") : t("audit.verify")}
        </Button>
        {report && (
          <Alert severity={report.ok ? "success" : "error"} sx={{ flex: 1, minWidth: 300 }} data-testid="audit-verified" data-ok={report.ok}>
            {report.ok ? t("audit.intact", { count: report.entries }) : t("audit.broken", { count: report.problems.length })}
            {!report.ok && (
              <Box component="ul" sx={{ m: 0, pl: 2 }}>
                {report.problems.slice(0, 10).map((problem) => (
                  <li key={problem}>{problem}</li>
                ))}
              </Box>
            )}
            {report.head_hash && (
              <Typography variant="caption" component="div" sx={{ mt: 0.5 }}>
                {t("audit.head")}: <code style={{ overflowWrap: "anywhere" }}>{report.head_hash}</code>
              </Typography>
            )}
          </Alert>
        )}
        {verify.isError && <FormError error={verify.error} />}
      </Stack>
    </Paper>
  );
}

function EntryDialog({ entry, onClose }: { entry: AuditEntry; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const rows: [string, string | null][] = [
    [t("audit.columns.time"), format.dateTime(entry.at)],
    [t("audit.columns.actor"), `${entry.actor}${entry.actor_role ? ` (${entry.actor_role})` : ""}`],
    [t("audit.columns.action"), entry.action],
    [t("audit.columns.target"), entry.target],
    [t("audit.columns.outcome"), t(`audit.outcomes.${entry.outcome}`, { defaultValue: entry.outcome })],
    [t("audit.columns.reason"), entry.reason],
    [t("audit.columns.ip"), entry.ip],
    [t("audit.hash"), entry.hash],
    [t("audit.prev"), entry.prev],
  ];
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth>
      <DialogTitle>{t("audit.entry", { seq: entry.seq })}</DialogTitle>
      <DialogContent dividers>
        <Box component="dl" sx={{ display: "grid", gridTemplateColumns: "max-content 1fr", columnGap: 2, rowGap: 1, m: 0 }}>
          {rows
            .filter(([, value]) => value)
            .map(([label, value]) => (
              <Box key={label} sx={{ display: "contents" }}>
                <Typography component="dt" color="text.secondary">
                  {label}
                </Typography>
                <Typography component="dd" sx={{ m: 0, overflowWrap: "anywhere" }}>
                  {value}
                </Typography>
              </Box>
            ))}
        </Box>
        {Object.keys(entry.details).length > 0 && (
          <Box sx={{ mt: 2 }}>
            <Typography variant="subtitle2">{t("audit.details")}</Typography>
            <Box component="pre" sx={{ bgcolor: "grey.100", p: 1.5, borderRadius: 1, overflow: "auto", fontSize: 13, m: 0 }}>
              {JSON.stringify(entry.details, null, 2)}
            </Box>
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t("common.close")}</Button>
      </DialogActions>
    </Dialog>
  );
}

export default function AuditPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const timezone = useBranch()?.timezone ?? "UTC";
  const localeText = useGridLocale();
  const [params, setParams] = useSearchParams();
  const form = Object.fromEntries(KEYS.map((key) => [key, params.get(key) ?? ""])) as Form;
  const typed = useDeferredValue(form);
  const filters = useMemo(() => auditQuery(typed, timezone), [typed, timezone]);
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 50 });
  const [opened, setOpened] = useState<AuditEntry | null>(null);
  const entries = useQuery({
    queryKey: ["audit", filters, page],
    queryFn: () => backoffice.audit(filters, page.page * page.pageSize, page.pageSize),
    placeholderData: keepPreviousData,
  });
  const change = (patch: Partial<Form>) => {
    const next = { ...form, ...patch };
    setParams(Object.fromEntries(KEYS.filter((key) => next[key]).map((key) => [key, next[key]])), { replace: true });
    setPage((current) => ({ ...current, page: 0 }));
  };

  const columns = useMemo<GridColDef<AuditEntry>[]>(
    () => [
      { field: "at", headerName: t("audit.columns.time"), width: 195, valueFormatter: (value: number) => format.dateTime(value) },
      { field: "actor", headerName: t("audit.columns.actor"), width: 130 },
      { field: "action", headerName: t("audit.columns.action"), width: 170 },
      { field: "target", headerName: t("audit.columns.target"), flex: 1, minWidth: 140 },
      {
        field: "outcome",
        headerName: t("audit.columns.outcome"),
        width: 140,
        renderCell: (cell) => <Chip size="small" variant="outlined" color={outcomeColour(cell.row.outcome)} label={t(`audit.outcomes.${cell.row.outcome}`, { defaultValue: cell.row.outcome })} />,
      },
      { field: "reason", headerName: t("audit.columns.reason"), flex: 1, minWidth: 140 },
      { field: "ip", headerName: t("audit.columns.ip"), width: 120 },
    ],
    [t, format],
  );

  const FIELD = { minWidth: 0 };
  return (
    <Box>
      <Stack direction="row" sx={{ mb: 2, alignItems: "center", justifyContent: "space-between", gap: 2 }}>
        <Typography variant="h5" component="h1">
          {t("audit.title")}
        </Typography>
        <ExportMenu kind="audit" filters={filtersOf(auditQuery(form, timezone))} formats={["csv", "xlsx"]} />
      </Stack>
      <Verification />
      <Paper sx={{ p: 2, mb: 2 }}>
        <Box sx={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(190px, 1fr))", gap: 1.5, alignItems: "start" }}>
          <TextField size="small" label={t("audit.actor")} name="actor" value={form.actor} onChange={(event) => change({ actor: event.target.value })} sx={FIELD} />
          <TextField size="small" label={t("audit.action")} name="action" value={form.action} onChange={(event) => change({ action: event.target.value })} sx={FIELD} />
          <Autocomplete
            freeSolo
            size="small"
            options={OUTCOMES}
            inputValue={form.outcome}
            onInputChange={(_event, value) => change({ outcome: value })}
            getOptionLabel={(option) => option}
            renderOption={({ key, ...props }, option) => (
              <li key={key} {...props}>
                {t(`audit.outcomes.${option}`)}
              </li>
            )}
            renderInput={(inputParams) => <TextField {...inputParams} label={t("audit.outcome")} name="outcome" />}
          />
          <TextField size="small" type="datetime-local" label={t("audit.since")} name="since" value={form.since} onChange={(event) => change({ since: event.target.value })} slotProps={{ inputLabel: { shrink: true } }} sx={FIELD} />
          <TextField size="small" type="datetime-local" label={t("audit.until")} name="until" value={form.until} onChange={(event) => change({ until: event.target.value })} slotProps={{ inputLabel: { shrink: true } }} sx={FIELD} />
          {KEYS.some((key) => form[key]) && (
            <Button startIcon={<FilterAltOffIcon />} onClick={() => setParams({}, { replace: true })}>
              {t("audit.clear")}
            </Button>
          )}
        </Box>
      </Paper>
      {entries.isError && <FormError error={entries.error} />}
      <Paper sx={{ height: "calc(100vh - 360px)", minHeight: 320 }}>
        <DataGrid
          rows={entries.data?.items ?? []}
          getRowId={(entry) => entry.seq}
          columns={columns}
          rowCount={entries.data?.total ?? 0}
          loading={entries.isFetching}
          paginationMode="server"
          paginationModel={page}
          onPaginationModelChange={setPage}
          pageSizeOptions={PAGE_SIZES}
          density="compact"
          disableColumnFilter
          disableColumnSorting
          disableRowSelectionOnClick
          onRowClick={(row: GridRowParams<AuditEntry>) => setOpened(row.row)}
          localeText={localeText}
          nonce={GRID_NONCE}
          sx={{ border: 0, "& .MuiDataGrid-row": { cursor: "pointer" } }}
        />
      </Paper>
      {opened && <EntryDialog entry={opened} onClose={() => setOpened(null)} />}
    </Box>
  );
}
