/** The map as a list: the same live data in a table that sorts and filters (its own chunk: the grid is large). */
import { Box } from "@mui/material";
import { DataGrid, type GridColDef, type GridRowSelectionModel } from "@mui/x-data-grid";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

import type { Formatters } from "../../app/branch";
import { STATUS_COLOURS } from "../../app/theme";
import { useAppSelector } from "../../live/store";
import type { Tile } from "../../live/tiles";
import { GRID_NONCE, useGridLocale } from "../common/grid";
import { useClock } from "./clock";
import { MemberLogin } from "./MemberLogin";
import { allTiles, type Zone } from "./selectors";

interface Row {
  id: string;
  zone: string;
  status: Tile["status"];
  who: string;
  memberId: string | null;
  leftMs: number | null;
  /** Time played by a guest who pays after (no end to count down to). */
  playedMs: number | null;
  cost: number | null;
  alerts: number;
  cpu: number | null;
  hostname: string;
}

function toSelectionModel(ids: ReadonlySet<string>): GridRowSelectionModel {
  return { type: "include", ids: new Set(ids) };
}

export default function PcListView({
  zones,
  selected,
  onSelect,
  onMenu,
  format,
}: {
  zones: readonly Zone[];
  selected: ReadonlySet<string>;
  onSelect: (ids: string[]) => void;
  onMenu: (pcId: string, anchor: { x: number; y: number }) => void;
  format: Formatters;
}) {
  const { t } = useTranslation();
  const now = useClock();
  const live = useAppSelector((state) => state.live);
  const zoneOf = useMemo(() => new Map(zones.flatMap((zone) => zone.pcIds.map((id) => [id, zone.name] as const))), [zones]);
  const rows = useMemo<Row[]>(
    () =>
      allTiles(live, now).map((tile) => {
        const cpu = live.telemetry[tile.pc.id]?.cpu_percent;
        return {
          id: tile.pc.id,
          zone: zoneOf.get(tile.pc.id) ?? tile.pc.group,
          status: tile.status,
          who: tile.session ? t(`pcs.who.${tile.session.kind}`, { defaultValue: tile.session.kind }) : "",
          memberId: tile.session?.member_id ?? null,
          leftMs: tile.leftMs,
          playedMs: tile.leftMs === null && tile.session?.started_at != null ? now - tile.session.started_at : null,
          cost: tile.session?.cost ?? null,
          alerts: tile.alerts,
          cpu: typeof cpu === "number" ? cpu : null,
          hostname: tile.pc.hostname ?? "",
        };
      }),
    [live, now, zoneOf, t],
  );
  const columns = useMemo<GridColDef<Row>[]>(
    () => [
      { field: "id", headerName: t("pcs.columns.pc"), width: 110 },
      { field: "zone", headerName: t("pcs.columns.zone"), width: 120 },
      {
        field: "status",
        headerName: t("pcs.columns.status"),
        width: 190,
        valueFormatter: (value: Tile["status"]) => t(`map.status.${value}`),
        renderCell: ({ value }) => {
          const status = value as Tile["status"];
          const colours = STATUS_COLOURS[status];
          return (
            <Box sx={{ display: "flex", alignItems: "center", gap: 1, height: "100%" }} data-status={status}>
              <Box component="span" sx={{ width: 12, height: 12, borderRadius: 0.5, bgcolor: colours.bg, border: 2, borderColor: colours.border, flexShrink: 0 }} />
              {t(`map.status.${status}`)}
            </Box>
          );
        },
      },
      {
        field: "who",
        headerName: t("pcs.columns.who"),
        width: 150,
        renderCell: ({ row }) => (row.memberId ? <MemberLogin memberId={row.memberId} /> : row.who),
      },
      {
        field: "leftMs",
        headerName: t("pcs.columns.left"),
        type: "number",
        width: 110,
        valueFormatter: (value: number | null, row) =>
          value !== null ? format.countdown(value) : row.playedMs !== null ? t("pcs.played", { time: format.countdown(row.playedMs) }) : "",
      },
      {
        field: "cost",
        headerName: t("pcs.columns.cost"),
        type: "number",
        width: 130,
        valueFormatter: (value: number | null) => (value === null ? "" : format.money(value)),
      },
      { field: "alerts", headerName: t("pcs.columns.alerts"), type: "number", width: 90, valueFormatter: (value: number) => (value > 0 ? String(value) : "") },
      { field: "cpu", headerName: t("pcs.columns.cpu"), type: "number", width: 90, valueFormatter: (value: number | null) => (value === null ? "" : `${Math.round(value)} %`) },
      { field: "hostname", headerName: t("pcs.columns.hostname"), flex: 1, minWidth: 140 },
    ],
    [t, format],
  );
  const localeText = useGridLocale();

  return (
    <Box sx={{ height: "calc(100vh - 260px)", minHeight: 360 }} data-testid="pc-list">
      <DataGrid
        rows={rows}
        columns={columns}
        density="compact"
        checkboxSelection
        disableRowSelectionOnClick={false}
        rowSelectionModel={toSelectionModel(selected)}
        onRowSelectionModelChange={(model) => {
          const ids = model.type === "include" ? [...model.ids] : rows.map((row) => row.id).filter((id) => !model.ids.has(id));
          onSelect(ids.map(String));
        }}
        showToolbar
        localeText={localeText}
        nonce={GRID_NONCE}
        slotProps={{
          toolbar: { showQuickFilter: true },
          row: {
            onContextMenu: (event: React.MouseEvent<HTMLElement>) => {
              const id = event.currentTarget.dataset.id;
              if (!id) return;
              event.preventDefault();
              onMenu(id, { x: event.clientX, y: event.clientY });
            },
          },
        }}
        getRowClassName={(params) => `status-${params.row.status}`}
        initialState={{ sorting: { sortModel: [{ field: "id", sort: "asc" }] } }}
      />
    </Box>
  );
}
