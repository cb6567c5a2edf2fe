/** Every stock movement, newest first, paged by the hub; filtered by product and kind (kept in the URL). */
import { Autocomplete, Box, MenuItem, Paper, Stack, TextField } from "@mui/material";
import { DataGrid, type GridColDef, type GridPaginationModel } from "@mui/x-data-grid";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { money } from "../../api/money";
import { useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import { GRID_NONCE, PAGE_SIZES, useGridLocale } from "../common/grid";
import { inventory, MOVEMENT_KINDS, type Movement, type MovementFilters, type MovementKind } from "./api";
import "./messages";

function note(movement: Movement): string {
  return movement.reason ?? movement.counted_by ?? movement.counterpart ?? "";
}

/** The list's filters as the URL keeps them (the page's Export menu sends the same). */
export function movementFilters(params: URLSearchParams): MovementFilters {
  const filters: MovementFilters = {};
  const product = params.get("product");
  const kind = params.get("kind");
  if (product) filters.product_id = product;
  if (kind && (MOVEMENT_KINDS as readonly string[]).includes(kind)) filters.kind = kind as MovementKind;
  return filters;
}

export function MovementsTab() {
  const { t } = useTranslation();
  const format = useFormat();
  const localeText = useGridLocale();
  const [params, setParams] = useSearchParams();
  const filters = movementFilters(params);
  const product = filters.product_id;
  const [page, setPage] = useState<GridPaginationModel>({ page: 0, pageSize: 50 });
  const products = useQuery({ queryKey: ["products", "all", true], queryFn: () => money.products(true) });
  const list = useQuery({
    queryKey: ["inventory", "movements", filters, page],
    queryFn: () => inventory.movements(filters, page.page * page.pageSize, page.pageSize),
    placeholderData: keepPreviousData,
  });
  const setFilter = (name: string, value: string | null) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
    setPage({ ...page, page: 0 });
  };
  const columns = useMemo<GridColDef<Movement>[]>(
    () => [
      { field: "at", headerName: t("inventory.columns.time"), width: 170, valueFormatter: (value: number) => format.dateTime(value) },
      // Every branch's movements are listed: a transfer shows both of its legs.
      { field: "branch", headerName: t("inventory.columns.branch"), width: 100 },
      { field: "name", headerName: t("inventory.columns.name"), flex: 1.5, minWidth: 150 },
      { field: "kind", headerName: t("inventory.columns.kind"), width: 170, valueFormatter: (value: string) => t(`inventory.kinds.${value}`, { defaultValue: value }) },
      { field: "quantity", headerName: t("inventory.columns.quantity"), type: "number", width: 90, valueFormatter: (value: number) => (value > 0 ? `+${value}` : String(value)) },
      { field: "on_hand", headerName: t("inventory.columns.after"), type: "number", width: 90 },
      { field: "value", headerName: t("inventory.columns.value"), type: "number", width: 140, valueFormatter: (value: number) => format.money(value) },
      { field: "staff", headerName: t("inventory.columns.staff"), width: 120 },
      { field: "note", headerName: t("inventory.columns.note"), flex: 1, minWidth: 140, sortable: false, valueGetter: (_value: unknown, row: Movement) => note(row) },
    ],
    [t, format],
  );
  const options = products.data?.items ?? [];
  return (
    <Box>
      <Stack direction="row" spacing={2} sx={{ mb: 2, flexWrap: "wrap", gap: 2 }}>
        <Autocomplete
          sx={{ minWidth: 240 }}
          options={options}
          value={options.find((p) => p.id === product) ?? null}
          getOptionLabel={(option) => option.name}
          isOptionEqualToValue={(a, b) => a.id === b.id}
          onChange={(_event, chosen) => setFilter("product", chosen?.id ?? null)}
          renderInput={(input) => <TextField {...input} size="small" label={t("inventory.filters.product")} name="filter-product" />}
        />
        <TextField select size="small" sx={{ minWidth: 200 }} label={t("inventory.filters.kind")} value={filters.kind ?? ""} onChange={(event) => setFilter("kind", event.target.value || null)} name="filter-kind">
          <MenuItem value="">{t("common.any")}</MenuItem>
          {MOVEMENT_KINDS.map((value) => (
            <MenuItem key={value} value={value}>
              {t(`inventory.kinds.${value}`)}
            </MenuItem>
          ))}
        </TextField>
      </Stack>
      {list.isError && <FormError error={list.error} />}
      <Paper sx={{ height: "calc(100vh - 280px)", minHeight: 320 }}>
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
          disableRowSelectionOnClick
          disableColumnSorting
          localeText={localeText}
          nonce={GRID_NONCE}
          sx={{ border: 0 }}
        />
      </Paper>
    </Box>
  );
}
