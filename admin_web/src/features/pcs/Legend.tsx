/**
 * The legend: each status with its colour and how many PCs are in it; a click selects those PCs. The
 * counts are worked out at every update, but the chips redraw only when a count or the selection changes.
 */
import { Box, Chip, Paper, Stack } from "@mui/material";
import { memo, useEffect, useMemo, useRef } from "react";
import { useTranslation } from "react-i18next";

import { STATUS_COLOURS } from "../../app/theme";
import { useAppSelector } from "../../live/store";
import { TILE_STATUSES, type LegendKey } from "../../live/tiles";
import { useClock } from "./clock";
import { allTiles } from "./selectors";

type ByStatus = Record<LegendKey, string[]>;
const LEGEND: readonly LegendKey[] = [...TILE_STATUSES, "attention"];

export function Legend({ selected, onSelect }: { selected: ReadonlySet<string>; onSelect: (ids: string[]) => void }) {
  const now = useClock();
  const live = useAppSelector((state) => state.live);
  const byStatus = useMemo(() => {
    const ids = Object.fromEntries(LEGEND.map((key) => [key, [] as string[]])) as ByStatus;
    for (const tile of allTiles(live, now)) {
      ids[tile.status].push(tile.pc.id);
      if (tile.alerts > 0) ids.attention.push(tile.pc.id);
    }
    return ids;
  }, [live, now]);
  const counts = LEGEND.map((key) => byStatus[key].length).join(",");
  const active = LEGEND.find((status) => {
    const ids = byStatus[status];
    return ids.length > 0 && ids.length === selected.size && ids.every((id) => selected.has(id));
  });
  // A click reads the ids of now, not of the chips' last redraw (the counts can stay while PCs change).
  const latest = useRef(byStatus);
  useEffect(() => {
    latest.current = byStatus;
  }, [byStatus]);
  return <LegendChips counts={counts} active={active ?? null} pick={(status) => onSelect(latest.current[status])} />;
}

const LegendChips = memo(
  function LegendChips({ counts, active, pick }: { counts: string; active: LegendKey | null; pick: (key: LegendKey) => void }) {
    const { t } = useTranslation();
    const numbers = counts.split(",").map(Number);
    return (
      <Paper variant="outlined" sx={{ p: 1 }} component="section" aria-label={t("map.legend")}>
        <Stack direction="row" sx={{ flexWrap: "wrap", gap: 1, alignItems: "center" }} data-testid="legend">
          {LEGEND.map((status, index) => {
            const colours = STATUS_COLOURS[status];
            const count = numbers[index] ?? 0;
            const isActive = active === status;
            // Offline during paid time is an alarm: the legend shouts only when it happens.
            const alarm = status === "offline_paid" && count > 0;
            const name = t(`map.status.${status}`);
            return (
              <Chip
                key={status}
                variant="outlined"
                icon={<Box component="span" sx={{ width: 14, height: 14, borderRadius: 0.5, bgcolor: colours.bg, border: 2, borderColor: colours.border }} />}
                label={`${name}: ${count}`}
                onClick={count > 0 ? () => pick(status) : undefined}
                aria-pressed={isActive}
                title={isActive ? t("pcs.clearSelection") : t("pcs.selectStatus", { status: name })}
                data-testid={`legend-${status}`}
                sx={{
                  fontWeight: isActive || alarm ? 700 : 500,
                  borderWidth: 2,
                  borderColor: isActive ? colours.border : "divider",
                  ...(alarm ? { bgcolor: colours.bg, color: colours.fg, "& .MuiChip-icon": { borderColor: colours.fg } } : {}),
                }}
              />
            );
          })}
        </Stack>
      </Paper>
    );
  },
  // The click handler changes with every update; what the chips show does not.
  (before, after) => before.counts === after.counts && before.active === after.active,
);
