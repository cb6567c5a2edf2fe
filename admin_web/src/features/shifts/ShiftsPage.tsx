/** Every cashier's shifts with their summaries, for managers (reports:read): paged by the hub, a shift's detail and report on click. */
import { Alert, Box, Dialog, DialogActions, DialogContent, DialogTitle, Button, MenuItem, Paper, Stack, TextField, Typography } from "@mui/material";
import { DataGrid, type GridColDef, type GridPaginationModel, type GridRowParams } from "@mui/x-data-grid";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { money, type Shift } from "../../api/money";
import { useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import { GRID_NONCE, PAGE_SIZES, useGridLocale } from "../common/grid";
import { ClosedShift } from "./ShiftPage";
import { ShiftSummaryView } from "./ShiftSummaryView";
import "./messages";

type StateFilter = "" | "open" | "closed";

function difference(shift: Shift, method: string): number | null {
  return shift.summary?.methods.find((line) => line.method === method)?.difference ?? null;
}

/** One shift in full (the list leaves out its unpaid guest sessions, which price each session). */
function ShiftDetail({ listed }: { listed: Shift }) {
  const { t } = useTranslation();
  const format = useFormat();
  const full = useQuery({ queryKey: ["shifts", listed.id], queryFn: () => money.shift(listed.id) });
  const shift = full.data ?? listed;
  if (shift.state === "closed") return <ClosedShift shift={shift} />;
  return (
    <Stack spacing={2}>
      <Alert severity="info">{t("shift.stillOpen")}</Alert>
      <Typography variant="body2" color="text.secondary">
        {t("shift.openSince", { time: format.dateTime(shift.opened_at) })} · {t("shift.openedFloat", { money: format.money(shift.opening_float) })}
      </Typography>
      <ShiftSummaryView shift={shift} />
    </Stack>
  );
}

export default function ShiftsPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const localeText = useGridLocale();
  const [state, setState] = useState<StateFilter>("");
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 25 });
  const [chosen, setChosen] = useState<Shift | null>(null);
  const shifts = useQuery({
    queryKey: ["shifts", "all", state, page],
    queryFn: () => money.shifts(state || undefined, page.page * page.pageSize, page.pageSize),
    placeholderData: keepPreviousData,
  });

  const columns = useMemo<GridColDef<Shift>[]>(() => {
    const money = (value: number | null | undefined) => (value === null || value === undefined ? "" : format.money(value));
    const signed = (value: number | null) => (value === null ? "" : value > 0 ? `+${format.money(value)}` : format.money(value));
    return [
      { field: "cashier", headerName: t("shift.cashier"), flex: 1, minWidth: 120 },
      { field: "state", headerName: t("shift.state"), width: 110, valueFormatter: (value: string) => t(`common.states.${value}`, { defaultValue: value }) },
      { field: "opened_at", headerName: t("shift.opened"), width: 195, valueFormatter: (value: number) => format.dateTime(value) },
      { field: "closed_at", headerName: t("shift.closed"), width: 195, valueFormatter: (value: number | null) => (value === null ? "" : format.dateTime(value)) },
      { field: "opening_float", headerName: t("shift.floatShort"), type: "number", width: 140, valueFormatter: money },
      {
        field: "cash_difference",
        headerName: t("shift.cashDiff"),
        type: "number",
        width: 150,
        valueGetter: (_value, shift) => (shift.state === "closed" ? difference(shift, "cash") : null),
        valueFormatter: signed,
        cellClassName: (params) => (typeof params.value === "number" && params.value < 0 ? "negative" : ""),
      },
      {
        field: "card_difference",
        headerName: t("shift.cardDiff"),
        type: "number",
        width: 150,
        valueGetter: (_value, shift) => (shift.state === "closed" ? difference(shift, "card") : null),
        valueFormatter: signed,
        cellClassName: (params) => (typeof params.value === "number" && params.value < 0 ? "negative" : ""),
      },
    ];
  }, [t, format]);

  return (
    <Box>
      <Stack direction="row" sx={{ mb: 2, alignItems: "center", justifyContent: "space-between", gap: 2 }}>
        <Typography variant="h5" component="h1">
          {t("shift.allTitle")}
        </Typography>
        <TextField
          select
          size="small"
          label={t("shift.filterState")}
          value={state}
          onChange={(event) => {
            setState(event.target.value as StateFilter);
            setPage({ ...page, page: 0 });
          }}
          sx={{ minWidth: 160 }}
        >
          <MenuItem value="">{t("common.any")}</MenuItem>
          <MenuItem value="open">{t("common.states.open")}</MenuItem>
          <MenuItem value="closed">{t("common.states.closed")}</MenuItem>
        </TextField>
      </Stack>
      {shifts.isError && <FormError error={shifts.error} />}
      <Paper sx={{ height: "calc(100vh - 190px)", minHeight: 360, "& .negative": { color: "error.main", fontWeight: 600 } }} data-testid="shifts-grid">
        <DataGrid
          rows={shifts.data?.items ?? []}
          columns={columns}
          rowCount={shifts.data?.total ?? 0}
          loading={shifts.isFetching}
          paginationMode="server"
          paginationModel={page}
          onPaginationModelChange={setPage}
          pageSizeOptions={PAGE_SIZES}
          density="compact"
          disableColumnFilter
          disableColumnSorting
          disableRowSelectionOnClick
          onRowClick={(params: GridRowParams<Shift>) => setChosen(params.row)}
          localeText={localeText}
          nonce={GRID_NONCE}
          sx={{ border: 0, "& .MuiDataGrid-row": { cursor: "pointer" } }}
        />
      </Paper>
      <Dialog open={chosen !== null} onClose={() => setChosen(null)} maxWidth="md" fullWidth>
        {chosen && (
          <>
            <DialogTitle>{t("shift.details", { user: chosen.cashier })}</DialogTitle>
            <DialogContent dividers>
              <ShiftDetail listed={chosen} />
            </DialogContent>
            <DialogActions>
              <Button onClick={() => setChosen(null)}>{t("common.close")}</Button>
            </DialogActions>
          </>
        )}
      </Dialog>
    </Box>
  );
}
