/** The legend: each status with its colour and how many PCs are in it; a click selects those PCs. */
import { Box, Chip, Paper, Stack } from "@mui/material";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

import { STATUS_COLOURS } from "../../app/theme";
import { useAppSelector } from "../../live/store";
import { TILE_STATUSES, type TileStatus } from "../../live/tiles";
import { useClock } from "./clock";
import { allTiles } from "./selectors";

export function Legend({ selected, onSelect }: { selected: ReadonlySet<string>; onSelect: (ids: string[]) => void }) {
  const { t } = useTranslation();
  const now = useClock();
  const live = useAppSelector((state) => state.live);
  const byStatus = useMemo(() => {
    const ids = Object.fromEntries(TILE_STATUSES.map((status) => [status, [] as string[]])) as Record<TileStatus, string[]>;
    for (const tile of allTiles(live, now)) ids[tile.status].push(tile.pc.id);
    return ids;
  }, [live, now]);

  return (
    <Paper variant="outlined" sx={{ p: 1 }} component="section" aria-label={t("map.legend")}>
      <Stack direction="row" sx={{ flexWrap: "wrap", gap: 1, alignItems: "center" }} data-testid="legend">
        {TILE_STATUSES.map((status) => {
          const colours = STATUS_COLOURS[status];
          const ids = byStatus[status];
          const active = ids.length > 0 && ids.length === selected.size && ids.every((id) => selected.has(id));
          // Offline during paid time is an alarm: the legend shouts only when it happens.
          const alarm = status === "offline_paid" && ids.length > 0;
          const name = t(`map.status.${status}`);
          return (
            <Chip
              key={status}
              variant="outlined"
              icon={<Box component="span" sx={{ width: 14, height: 14, borderRadius: 0.5, bgcolor: colours.bg, border: 2, borderColor: colours.border }} />}
              label={`${name}: ${ids.length}`}
              onClick={ids.length > 0 || active ? () => onSelect(ids) : undefined}
              aria-pressed={active}
              title={active ? t("pcs.clearSelection") : t("pcs.selectStatus", { status: name })}
              data-testid={`legend-${status}`}
              sx={{
                fontWeight: active || alarm ? 700 : 500,
                borderWidth: 2,
                borderColor: active ? colours.border : "divider",
                ...(alarm ? { bgcolor: colours.bg, color: colours.fg, "& .MuiChip-icon": { borderColor: colours.fg } } : {}),
              }}
            />
          );
        })}
      </Stack>
    </Paper>
  );
}
