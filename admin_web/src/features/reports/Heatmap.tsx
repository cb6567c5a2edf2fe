/**
 * Occupancy by weekday and hour, drawn as SVG (so it downloads like the other charts): a row per weekday,
 * a cell per hour, darker where a larger share of the branch's PCs was in use.
 */
import { Box, Tooltip } from "@mui/material";
import { useTranslation } from "react-i18next";

import type { UsageReport } from "./api";

const LABEL = 40;
const CELL = 36;
const ROW = 24;
const GAP = 2;
const HEAD = 18;
const COLOR = "#1e88e5";

export function Heatmap({ cells }: { cells: UsageReport["heatmap"] }) {
  const { t } = useTranslation();
  const weekdays = t("reports.weekdays", { returnObjects: true }) as string[];
  const top = Math.max(0.0001, ...cells.map((cell) => cell.share));
  const width = LABEL + 24 * CELL;
  const height = HEAD + weekdays.length * ROW;
  return (
    <Box
      component="svg"
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={t("reports.usage.heatmap")}
      data-testid="usage-heatmap"
      sx={{ display: "block", width: "100%", height: "auto", "& text": { fill: (theme) => theme.palette.text.secondary, fontSize: 11 } }}
    >
      {Array.from({ length: 24 }, (_, hour) => (
        <text key={hour} x={LABEL + hour * CELL + CELL / 2} y={12} textAnchor="middle">
          {hour}
        </text>
      ))}
      {weekdays.map((day, weekday) => (
        <g key={day} transform={`translate(0, ${HEAD + weekday * ROW})`}>
          <text x={0} y={(ROW - GAP) / 2 + 4}>
            {day}
          </text>
          {cells
            .filter((cell) => cell.weekday === weekday)
            .map((cell) => (
              <Tooltip key={cell.hour} title={`${day} ${cell.hour}:00 · ${Math.round(cell.share * 100)} %`}>
                <rect
                  x={LABEL + cell.hour * CELL + GAP / 2}
                  width={CELL - GAP}
                  height={ROW - GAP}
                  rx={3}
                  fill={COLOR}
                  fillOpacity={0.08 + 0.92 * (cell.share / top)}
                  className="heatmap-cell"
                />
              </Tooltip>
            ))}
        </g>
      ))}
    </Box>
  );
}
