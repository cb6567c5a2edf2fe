/** Stock on hand of every counted product, low stock highlighted; receive, write off and settings from here. */
import AddBoxOutlinedIcon from "@mui/icons-material/AddBoxOutlined";
import RemoveCircleOutlineIcon from "@mui/icons-material/RemoveCircleOutlineOutlined";
import TuneIcon from "@mui/icons-material/Tune";
import { Alert, alpha, Box, Button, Chip, FormControlLabel, IconButton, Paper, Stack, Switch, Tooltip, Typography } from "@mui/material";
import { DataGrid, type GridColDef } from "@mui/x-data-grid";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import { GRID_NONCE, useGridLocale } from "../common/grid";
import { inventory, type StockLevel } from "./api";
import { ReceiveDialog, SettingsDialog, WriteOffDialog } from "./dialogs";
import { TransferDialog } from "./TransferDialog";
import { STOCK_KEY } from "./live";
import { stockTone } from "./logic";
import "./messages";

const TONE_COLOR = { out: "error", low: "warning", ok: "success" } as const;

type Open = { kind: "receive"; productId: string | null } | { kind: "transfer" } | { kind: "writeOff"; row: StockLevel } | { kind: "settings"; productId: string; name: string } | null;

export function StockTab() {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const writes = can("inventory:write");
  const localeText = useGridLocale();
  const [onlyLow, setOnlyLow] = useState(false);
  const [open, setOpen] = useState<Open>(null);
  const [done, setDone] = useState<string | null>(null);
  // Pushed events (a low-stock alert, a sale or its refund) refetch it at once (live.ts, kept running by the
  // menu's icon); the slow poll catches what pushes nothing: goods received or counted at another console.
  const stock = useQuery({ queryKey: STOCK_KEY, queryFn: inventory.stock, refetchInterval: 60_000 });
  const all = stock.data?.items ?? [];
  const rows = onlyLow ? all.filter((row) => stockTone(row) !== "ok") : all;
  const lowCount = all.filter((row) => stockTone(row) !== "ok").length;

  const columns = useMemo<GridColDef<StockLevel>[]>(
    () => [
      { field: "name", headerName: t("inventory.columns.name"), flex: 2, minWidth: 150 },
      { field: "category", headerName: t("inventory.columns.category"), flex: 1, minWidth: 100 },
      { field: "on_hand", headerName: t("inventory.columns.onHand"), type: "number", width: 90 },
      { field: "low_stock", headerName: t("inventory.columns.lowStock"), type: "number", width: 90, valueFormatter: (value: number | null) => (value === null ? t("common.none") : String(value)) },
      {
        field: "state",
        headerName: t("inventory.columns.state"),
        width: 130,
        sortable: false,
        renderCell: (cell) => {
          const tone = stockTone(cell.row);
          return <Chip size="small" color={TONE_COLOR[tone]} variant={tone === "ok" ? "outlined" : "filled"} label={t(`inventory.tone.${tone}`)} data-testid={`tone-${tone}`} />;
        },
      },
      { field: "average_cost", headerName: t("inventory.columns.averageCost"), type: "number", width: 120, valueFormatter: (value: number) => format.money(value) },
      { field: "value", headerName: t("inventory.columns.value"), type: "number", width: 140, valueFormatter: (value: number) => format.money(value) },
      {
        field: "actions",
        headerName: "",
        width: 140,
        sortable: false,
        renderCell: (cell) =>
          writes ? (
            <Stack direction="row" sx={{ alignItems: "center", height: "100%" }}>
              <Tooltip title={t("inventory.receive")}>
                <IconButton size="small" color="primary" aria-label={t("inventory.receive")} onClick={() => setOpen({ kind: "receive", productId: cell.row.product_id })}>
                  <AddBoxOutlinedIcon fontSize="small" />
                </IconButton>
              </Tooltip>
              <Tooltip title={t("inventory.writeOff")}>
                <IconButton size="small" color="warning" aria-label={t("inventory.writeOff")} onClick={() => setOpen({ kind: "writeOff", row: cell.row })} data-testid="write-off">
                  <RemoveCircleOutlineIcon fontSize="small" />
                </IconButton>
              </Tooltip>
              <Tooltip title={t("inventory.settings")}>
                <IconButton size="small" aria-label={t("inventory.settings")} onClick={() => setOpen({ kind: "settings", productId: cell.row.product_id, name: cell.row.name })} data-testid="settings">
                  <TuneIcon fontSize="small" />
                </IconButton>
              </Tooltip>
            </Stack>
          ) : null,
      },
    ],
    [t, format, writes],
  );

  const close = (message: string | null) => {
    setOpen(null);
    if (message) setDone(message);
  };
  return (
    <Box>
      <Stack direction="row" sx={{ mb: 2, alignItems: "center", justifyContent: "space-between", gap: 2, flexWrap: "wrap" }}>
        <Stack direction="row" spacing={2} sx={{ alignItems: "center" }}>
          {stock.data && <Typography data-testid="stock-value">{t("inventory.value", { money: format.money(stock.data.value) })}</Typography>}
          {lowCount > 0 && <Chip color="warning" label={t("inventory.lowCount", { count: lowCount })} data-testid="low-count" />}
        </Stack>
        <Stack direction="row" spacing={2} sx={{ alignItems: "center" }}>
          <FormControlLabel control={<Switch checked={onlyLow} onChange={(event) => setOnlyLow(event.target.checked)} />} label={t("inventory.onlyLow")} />
          {writes && (
            <Button variant="outlined" onClick={() => setOpen({ kind: "transfer" })} disabled={!stock.data || all.length === 0} data-testid="transfer">
              {t("inventory.transfer.button")}
            </Button>
          )}
          {writes && (
            <Button variant="contained" onClick={() => setOpen({ kind: "receive", productId: null })} data-testid="receive">
              {t("inventory.receiveTitle")}
            </Button>
          )}
        </Stack>
      </Stack>
      {!writes && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t("common.readOnly")}
        </Alert>
      )}
      {done && (
        <Alert severity="success" sx={{ mb: 2 }} onClose={() => setDone(null)} data-testid="inventory-done">
          {done}
        </Alert>
      )}
      {stock.isError && <FormError error={stock.error} />}
      {stock.isSuccess && all.length === 0 && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t("inventory.empty")}
        </Alert>
      )}
      <Paper sx={{ height: "calc(100vh - 280px)", minHeight: 320 }}>
        <DataGrid
          rows={rows}
          columns={columns}
          getRowId={(row) => row.product_id}
          getRowClassName={(params) => `stock-${stockTone(params.row)}`}
          loading={stock.isFetching && !stock.data}
          density="compact"
          disableRowSelectionOnClick
          hideFooter={rows.length <= 100}
          localeText={localeText}
          nonce={GRID_NONCE}
          sx={{
            border: 0,
            // A tint, so the row's text and buttons stay readable.
            "& .stock-low, & .stock-low:hover": { bgcolor: (theme) => alpha(theme.palette.warning.main, 0.12) },
            "& .stock-out, & .stock-out:hover": { bgcolor: (theme) => alpha(theme.palette.error.main, 0.12) },
          }}
        />
      </Paper>
      {open?.kind === "receive" && <ReceiveDialog first={open.productId} onClose={close} />}
      {open?.kind === "writeOff" && <WriteOffDialog row={open.row} onClose={close} />}
      {open?.kind === "transfer" && stock.data && <TransferDialog from={stock.data.branch} stock={all} onClose={close} />}
      {open?.kind === "settings" && <SettingsDialog productId={open.productId} name={open.name} onClose={close} />}
    </Box>
  );
}
