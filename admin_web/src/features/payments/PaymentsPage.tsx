/**
 * The payment history: every filter the hub has (kept in the address), pages asked of the hub, the same
 * list as CSV (fetched with the token), and a payment's detail with its receipt and refunds on click.
 */
import DownloadIcon from "@mui/icons-material/Download";
import FilterAltOffIcon from "@mui/icons-material/FilterAltOff";
import { Alert, Box, Button, Link, MenuItem, Paper, Stack, TextField, Typography } from "@mui/material";
import { DataGrid, type GridColDef, type GridPaginationModel, type GridRowParams } from "@mui/x-data-grid";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useDeferredValue, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useSearchParams } from "react-router";

import { api } from "../../api/client";
import { money, type Payment } from "../../api/money";
import { useSession } from "../../app/auth/session";
import { useBranch, useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import { saveBlob } from "../common/files";
import { ExportMenu } from "../exports/ExportMenu";
import { filtersOf } from "../exports/jobs";
import { GRID_NONCE, PAGE_SIZES, useGridLocale } from "../common/grid";
import { METHODS } from "../common/method";
import { activeCount, backwards, exportName, formFromParams, paramsOf, toQuery, type FilterForm } from "./filters";
import { PaymentDialog } from "./PaymentDialog";
import "./messages";

const PURPOSES = ["topup", "session", "sale", "voucher"] as const;
const FIELD = { minWidth: 0 } as const;

export default function PaymentsPage() {
  const { t } = useTranslation();
  const { can } = useSession();
  const format = useFormat();
  const branch = useBranch();
  const timezone = branch?.timezone ?? "UTC";
  const localeText = useGridLocale();
  const [params, setParams] = useSearchParams();
  const form = formFromParams(params);
  const typed = useDeferredValue(form);
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 50 });
  const [opened, setOpened] = useState<string | null>(params.get("payment"));
  const branches = useQuery({ queryKey: ["branches"], queryFn: api.branches, staleTime: 5 * 60_000 });

  const filters = useMemo(() => toQuery(typed, timezone), [typed, timezone]);
  const reversed = backwards(form, timezone);
  const list = useQuery({
    queryKey: ["payments", "list", filters, page],
    queryFn: () => money.payments(filters, page.page * page.pageSize, page.pageSize),
    placeholderData: keepPreviousData,
    enabled: !reversed,
  });
  const exporting = useMutation({
    mutationFn: () => money.exportCsv(toQuery(form, timezone)),
    onSuccess: (blob) => saveBlob(blob, exportName(form, new Date())),
  });

  const change = (patch: Partial<FilterForm>) => {
    const next = { ...form, ...patch };
    setParams({ ...paramsOf(next), ...(opened ? { payment: opened } : {}) }, { replace: true });
    setPage((current) => ({ ...current, page: 0 }));
  };
  const open = (id: string | null) => {
    setOpened(id);
    setParams({ ...paramsOf(form), ...(id ? { payment: id } : {}) }, { replace: true });
  };

  const columns = useMemo<GridColDef<Payment>[]>(
    () => [
      { field: "at", headerName: t("payments.columns.time"), width: 195, valueFormatter: (value: number) => format.dateTime(value) },
      { field: "receipt", headerName: t("payments.columns.receipt"), width: 130 },
      {
        field: "kind",
        headerName: t("payments.columns.kind"),
        width: 100,
        valueFormatter: (value: string) => t(`common.kinds.${value}`, { defaultValue: value }),
        cellClassName: (cell) => (cell.value === "refund" ? "refund" : ""),
      },
      { field: "purpose", headerName: t("payments.columns.purpose"), width: 130, valueFormatter: (value: string) => t(`common.purposes.${value}`, { defaultValue: value }) },
      { field: "method", headerName: t("payments.columns.method"), width: 130, valueFormatter: (value: string) => t(`common.methods.${value}`, { defaultValue: value }) },
      {
        field: "amount",
        headerName: t("payments.columns.amount"),
        type: "number",
        width: 140,
        valueGetter: (_value, row) => (row.kind === "refund" ? -row.amount : row.amount),
        valueFormatter: (value: number) => format.money(value),
        cellClassName: (cell) => (typeof cell.value === "number" && cell.value < 0 ? "refund" : ""),
      },
      { field: "staff", headerName: t("payments.columns.staff"), width: 120 },
      {
        field: "member_login",
        headerName: t("payments.columns.member"),
        minWidth: 120,
        flex: 1,
        valueGetter: (_value, row) => row.member_login ?? row.member_id ?? "",
        renderCell: ({ row, value }) =>
          row.member_id && can("members:read") ? (
            <Link component={RouterLink} to={`/members/${encodeURIComponent(row.member_id)}`} onClick={(event) => event.stopPropagation()}>
              {String(value)}
            </Link>
          ) : (
            String(value)
          ),
      },
      {
        field: "reference",
        headerName: t("payments.columns.reference"),
        minWidth: 120,
        flex: 1,
        valueGetter: (_value, row) => row.terminal_ref ?? (row.voucher_last4 ? `…${row.voucher_last4}` : (row.refund_of ?? "")),
      },
    ],
    [t, format, can],
  );

  const text = (key: "staff" | "member" | "shift", label: string) => (
    <TextField size="small" label={label} name={key} value={form[key]} onChange={(event) => change({ [key]: event.target.value })} sx={FIELD} slotProps={{ htmlInput: { maxLength: 64 } }} />
  );
  const select = (key: "method" | "purpose" | "kind", label: string, values: readonly string[], words: string) => (
    <TextField select size="small" label={label} name={key} value={form[key]} onChange={(event) => change({ [key]: event.target.value })} sx={FIELD}>
      <MenuItem value="">{t("common.any")}</MenuItem>
      {values.map((value) => (
        <MenuItem key={value} value={value}>
          {t(`${words}.${value}`)}
        </MenuItem>
      ))}
    </TextField>
  );

  return (
    <Box>
      <Stack direction="row" sx={{ mb: 2, alignItems: "center", justifyContent: "space-between", gap: 2 }}>
        <Typography variant="h5" component="h1">
          {t("payments.title")}
        </Typography>
        <Stack direction="row" sx={{ gap: 1 }}>
          <Button variant="outlined" startIcon={<DownloadIcon />} onClick={() => exporting.mutate()} disabled={exporting.isPending || reversed} data-testid="export-csv">
            {exporting.isPending ? t("payments.exporting") : t("payments.export")}
          </Button>
          <ExportMenu kind="payments" filters={filtersOf(toQuery(form, timezone))} formats={["xlsx", "pdf"]} disabled={reversed} />
        </Stack>
      </Stack>
      <Paper sx={{ p: 2, mb: 2 }} component="section" aria-label={t("payments.filters")}>
        <Box sx={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(190px, 1fr))", gap: 1.5, alignItems: "start" }}>
          <TextField
            size="small"
            type="datetime-local"
            label={t("payments.from")}
            name="from"
            value={form.from}
            onChange={(event) => change({ from: event.target.value })}
            sx={FIELD}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          <TextField
            size="small"
            type="datetime-local"
            label={t("payments.to")}
            name="to"
            value={form.to}
            onChange={(event) => change({ to: event.target.value })}
            error={reversed}
            helperText={reversed ? t("payments.backwards") : undefined}
            sx={FIELD}
            slotProps={{ inputLabel: { shrink: true } }}
          />
          {select("method", t("payments.method"), METHODS, "common.methods")}
          {select("purpose", t("payments.purpose"), PURPOSES, "common.purposes")}
          {select("kind", t("payments.kind"), ["payment", "refund"], "common.kinds")}
          {text("staff", t("payments.staff"))}
          {text("member", t("payments.member"))}
          {text("shift", t("payments.shift"))}
          {(branches.data?.items.length ?? 0) > 1 && (
            <TextField select size="small" label={t("payments.branch")} name="branch" value={form.branch} onChange={(event) => change({ branch: event.target.value })} sx={FIELD}>
              <MenuItem value="">{t("common.any")}</MenuItem>
              {branches.data?.items.map((item) => (
                <MenuItem key={item.id} value={item.id}>
                  {item.name}
                </MenuItem>
              ))}
            </TextField>
          )}
          {activeCount(form) > 0 && (
            <Button startIcon={<FilterAltOffIcon />} onClick={() => setParams({}, { replace: true })}>
              {t("payments.clear")}
            </Button>
          )}
        </Box>
      </Paper>
      {list.isError && <FormError error={list.error} />}
      {exporting.isError && <FormError error={exporting.error} />}
      {reversed && <Alert severity="warning">{t("payments.backwards")}</Alert>}
      <Paper sx={{ height: "calc(100vh - 330px)", minHeight: 320, "& .refund": { color: "warning.dark" } }} data-testid="payments-grid">
        <DataGrid
          rows={list.data?.items ?? []}
          columns={columns}
          rowCount={list.data?.total ?? 0}
          loading={list.isFetching}
          paginationMode="server"
          paginationModel={page}
          onPaginationModelChange={setPage}
          pageSizeOptions={PAGE_SIZES}
          density="compact"
          disableColumnFilter
          disableColumnSorting
          disableRowSelectionOnClick
          onRowClick={(row: GridRowParams<Payment>) => open(row.row.id)}
          localeText={localeText}
          nonce={GRID_NONCE}
          sx={{ border: 0, "& .MuiDataGrid-row": { cursor: "pointer" } }}
        />
      </Paper>
      {opened && <PaymentDialog paymentId={opened} onClose={() => open(null)} />}
    </Box>
  );
}
