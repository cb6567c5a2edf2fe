/**
 * A chart with a download menu: PNG (twice the screen's size) or SVG, named after its title and range.
 * `ChartFrame` is the titled card the reports use; `ChartDownload` is the button alone, for a card
 * that draws its own header (a PC's telemetry).
 */
import DownloadIcon from "@mui/icons-material/Download";
import { Alert, Box, IconButton, ListItemText, Menu, MenuItem, Paper, Snackbar, Stack, Tooltip, Typography } from "@mui/material";
import { useRef, useState, type ReactNode, type RefObject } from "react";
import { useTranslation } from "react-i18next";

import { saveBlob } from "../files";
import { captureChart, rasterize } from "./capture";
import { chartFileName } from "./svgExport";
import "./messages";

export interface ChartRange {
  from?: string;
  to?: string;
}

interface DownloadProps {
  /** The element the chart is drawn in. */
  target: RefObject<HTMLElement | null>;
  title: string;
  range?: ChartRange;
  /** Under the title in the file; the range's days when left out. */
  subtitle?: string;
}

function rangeText(range: ChartRange | undefined): string | undefined {
  if (!range?.from || !range.to) return undefined;
  return range.from === range.to ? range.from : `${range.from} – ${range.to}`;
}

export function ChartDownload({ target, title, range, subtitle }: DownloadProps) {
  const { t } = useTranslation();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const save = async (format: "png" | "svg") => {
    setAnchor(null);
    setFailure(null);
    const container = target.current;
    const captured = container ? captureChart(container, { title, subtitle: subtitle ?? rangeText(range) }) : null;
    if (captured === null) return;
    try {
      const blob = format === "svg" ? new Blob([captured.svg], { type: "image/svg+xml" }) : await rasterize(captured);
      saveBlob(blob, chartFileName(title, range, format));
    } catch (error) {
      setFailure(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <>
      <Tooltip title={t("charts.download")}>
        <IconButton size="small" aria-label={t("charts.download")} onClick={(event) => setAnchor(event.currentTarget)} data-testid="chart-download">
          <DownloadIcon fontSize="small" />
        </IconButton>
      </Tooltip>
      <Menu anchorEl={anchor} open={anchor !== null} onClose={() => setAnchor(null)}>
        {(["png", "svg"] as const).map((format) => (
          <MenuItem key={format} onClick={() => void save(format)} data-testid={`chart-download-${format}`}>
            <ListItemText primary={t(`charts.${format}`)} secondary={chartFileName(title, range, format)} />
          </MenuItem>
        ))}
      </Menu>
      <Snackbar open={failure !== null} onClose={() => setFailure(null)} anchorOrigin={{ vertical: "bottom", horizontal: "center" }}>
        <Alert severity="error" onClose={() => setFailure(null)}>
          {t("charts.failed", { message: failure ?? "" })}
        </Alert>
      </Snackbar>
    </>
  );
}

interface FrameProps {
  title: string;
  range?: ChartRange;
  testId?: string;
  children: ReactNode;
}

/** A titled card holding one chart, with its download menu. */
export function ChartFrame({ title, range, testId, children }: FrameProps) {
  const body = useRef<HTMLDivElement>(null);
  return (
    <Paper sx={{ p: 2 }} data-testid={testId}>
      <Stack direction="row" sx={{ mb: 1, alignItems: "center", justifyContent: "space-between", gap: 1 }}>
        <Typography variant="h6" component="h2">
          {title}
        </Typography>
        <ChartDownload target={body} title={title} range={range} />
      </Stack>
      <Box ref={body}>{children}</Box>
    </Paper>
  );
}
