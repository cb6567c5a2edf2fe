/**
 * The live PC map, the cashiers' home screen: every PC as a tile grouped by zone (PC group), coloured by
 * status with a legend that counts them (click a count to show only those), updated from the live feed.
 */
import { Alert, Box, Chip, LinearProgress, Paper, Stack, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import { useFormat } from "../../app/branch";
import { STATUS_COLOURS } from "../../app/theme";
import { useAppSelector } from "../../live/store";
import { countByStatus, tileOf, TILE_STATUSES, type Tile, type TileStatus } from "../../live/tiles";
import { PcTile } from "./PcTile";
import { useNow } from "./useNow";

function useTiles(now: number): Tile[] {
  const pcs = useAppSelector((state) => state.live.pcs);
  const sessions = useAppSelector((state) => state.live.sessions.entities);
  const alerts = useAppSelector((state) => state.live.alerts);
  return useMemo(() => {
    const open = new Map<string, number>();
    for (const id of alerts.ids) {
      const alert = alerts.entities[id];
      if (alert && alert.state !== "resolved") open.set(alert.pc_id, (open.get(alert.pc_id) ?? 0) + 1);
    }
    return pcs.ids.flatMap((id) => {
      const pc = pcs.entities[id];
      if (!pc) return [];
      const session = pc.session_id ? (sessions[pc.session_id] ?? null) : null;
      return [tileOf(pc, session, open.get(pc.id) ?? 0, now)];
    });
  }, [pcs, sessions, alerts, now]);
}

export default function PcMapPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const now = useNow(1000);
  const tiles = useTiles(now);
  const loaded = useAppSelector((state) => state.live.loaded);
  const feed = useAppSelector((state) => state.live.feed.state);
  const groups = useQuery({ queryKey: ["groups"], queryFn: api.groups, staleTime: 5 * 60_000 });
  const [only, setOnly] = useState<TileStatus | null>(null);

  const counts = countByStatus(tiles);
  const shown = only === null ? tiles : tiles.filter((tile) => tile.status === only);
  const zones = useMemo(() => {
    const names = new Map((groups.data?.items ?? []).map((group) => [group.id, group.name]));
    const byGroup = new Map<string, Tile[]>();
    for (const tile of shown) byGroup.set(tile.pc.group, [...(byGroup.get(tile.pc.group) ?? []), tile]);
    const order = [...names.keys()];
    return [...byGroup.entries()]
      .sort(([a], [b]) => (order.indexOf(a) + 1 || 999) - (order.indexOf(b) + 1 || 999) || a.localeCompare(b))
      .map(([id, members]) => ({ id, name: names.get(id) ?? id, tiles: members }));
  }, [shown, groups.data]);

  return (
    <Stack spacing={2}>
      <Stack direction="row" sx={{ alignItems: "baseline", gap: 2 }}>
        <Typography variant="h5" component="h1">
          {t("map.title")}
        </Typography>
        <Typography color="text.secondary">{t("map.pcsCount", { count: tiles.length })}</Typography>
      </Stack>
      {feed === "down" && (
        <Alert severity="warning" data-testid="feed-down">
          {t("feed.down")}
        </Alert>
      )}
      <Paper variant="outlined" sx={{ p: 1.5 }} component="section" aria-label={t("map.legend")}>
        <Stack direction="row" sx={{ flexWrap: "wrap", gap: 1, alignItems: "center" }} data-testid="legend">
          {TILE_STATUSES.map((status) => {
            const colours = STATUS_COLOURS[status];
            const active = only === status;
            // Offline during paid time is an alarm: the legend shouts only when it happens.
            const alarm = status === "offline_paid";
            return (
              <Chip
                key={status}
                variant="outlined"
                icon={<Box component="span" sx={{ width: 14, height: 14, borderRadius: 0.5, bgcolor: colours.bg, border: 2, borderColor: colours.border }} />}
                label={`${t(`map.status.${status}`)}: ${counts[status]}`}
                onClick={() => setOnly(active ? null : status)}
                aria-pressed={active}
                title={active ? t("map.showAll") : t("map.selectStatus", { status: t(`map.status.${status}`) })}
                data-testid={`legend-${status}`}
                sx={{
                  fontWeight: active || (alarm && counts[status] > 0) ? 700 : 500,
                  borderWidth: 2,
                  borderColor: active ? colours.border : "divider",
                  ...(alarm && counts[status] > 0 ? { bgcolor: colours.bg, color: colours.fg, "& .MuiChip-icon": { borderColor: colours.fg } } : {}),
                }}
              />
            );
          })}
        </Stack>
      </Paper>
      {!loaded && (
        <Box>
          <Typography color="text.secondary">{t("map.loading")}</Typography>
          <LinearProgress />
        </Box>
      )}
      {loaded && tiles.length === 0 && <Alert severity="info">{t("map.empty")}</Alert>}
      {zones.map((zone) => (
        <Box component="section" key={zone.id} aria-label={zone.name}>
          <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
            {zone.name}
          </Typography>
          <Box sx={{ display: "flex", flexWrap: "wrap", gap: 1.5 }}>
            {zone.tiles.map((tile) => (
              <PcTile key={tile.pc.id} tile={tile} format={format} />
            ))}
          </Box>
        </Box>
      ))}
    </Stack>
  );
}
