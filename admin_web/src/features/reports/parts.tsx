/** The pieces every report page shares: the range bar (kept in the URL), figure cards and plain tables. */
import { Box, Button, ButtonGroup, MenuItem, Paper, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, TextField, Typography } from "@mui/material";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { useBranch } from "../../app/branch";
import { GROUPS, type Group, type ReportFilter } from "./api";
import { presetRange, todayIn } from "./dates";
import { ReportExportMenu } from "./ReportExportMenu";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** The reports' charts' height, in pixels. */
export const CHART_HEIGHT = 280;

/** The range and grouping in the URL (?from=&to=&group=), so a view can be bookmarked and shared. */
export function useReportFilter(): [ReportFilter, (next: ReportFilter) => void] {
  const [params, setParams] = useSearchParams();
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const group = params.get("group") ?? "day";
  const filter: ReportFilter = {
    ...(DATE.test(from) ? { from } : {}),
    ...(DATE.test(to) ? { to } : {}),
    group: (GROUPS as readonly string[]).includes(group) ? (group as Group) : "day",
  };
  const set = (next: ReportFilter) => {
    const values: Record<string, string> = { group: next.group };
    if (next.from) values.from = next.from;
    if (next.to) values.to = next.to;
    setParams(values, { replace: true });
  };
  return [filter, set];
}

interface RangeBarProps {
  filter: ReportFilter;
  onChange: (next: ReportFilter) => void;
  /** The days the hub answered for (shown when the URL names none). */
  answered?: { first_day: string; last_day: string; timezone: string };
  grouping?: boolean;
}

export function RangeBar({ filter, onChange, answered, grouping = true }: RangeBarProps) {
  const { t } = useTranslation();
  const timezone = useBranch()?.timezone ?? "UTC";
  const today = todayIn(timezone);
  const presets = ["today", "week", "month", "thisMonth", "year"] as const;
  return (
    <Paper sx={{ p: 2 }}>
      <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap", alignItems: "center" }}>
        <TextField
          type="date"
          size="small"
          label={t("reports.filters.from")}
          value={filter.from ?? answered?.first_day ?? ""}
          onChange={(event) => onChange({ ...filter, from: event.target.value || undefined })}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { "data-testid": "report-from" } }}
        />
        <TextField
          type="date"
          size="small"
          label={t("reports.filters.to")}
          value={filter.to ?? answered?.last_day ?? ""}
          onChange={(event) => onChange({ ...filter, to: event.target.value || undefined })}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { "data-testid": "report-to" } }}
        />
        {grouping && (
          <TextField
            select
            size="small"
            label={t("reports.filters.group")}
            value={filter.group}
            onChange={(event) => onChange({ ...filter, group: event.target.value as Group })}
            sx={{ minWidth: 130 }}
            slotProps={{ select: { inputProps: { "data-testid": "report-group" } } }}
          >
            {GROUPS.map((group) => (
              <MenuItem key={group} value={group}>
                {t(`reports.filters.groups.${group}`)}
              </MenuItem>
            ))}
          </TextField>
        )}
        <ButtonGroup size="small" variant="outlined">
          {presets.map((preset) => (
            <Button
              key={preset}
              onClick={() => {
                const [from, to] = presetRange(preset, today);
                onChange({ ...filter, from, to });
              }}
            >
              {t(`reports.filters.presets.${preset}`)}
            </Button>
          ))}
        </ButtonGroup>
        {answered && (
          <Typography variant="body2" color="text.secondary">
            {t("reports.filters.range", { from: answered.first_day, to: answered.last_day, timezone: answered.timezone })}
          </Typography>
        )}
        <Box sx={{ ml: "auto" }}>
          <ReportExportMenu filter={filter} answered={answered} />
        </Box>
      </Stack>
    </Paper>
  );
}

export function Figure({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId?: string }) {
  return (
    <Paper sx={{ p: 2, minWidth: 180, flex: "1 1 180px" }}>
      <Typography variant="body2" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="h5" component="p" data-testid={testId} sx={{ fontWeight: 600, whiteSpace: "nowrap" }}>
        {value}
      </Typography>
      {hint && (
        <Typography variant="caption" color="text.secondary">
          {hint}
        </Typography>
      )}
    </Paper>
  );
}

export function Figures({ children }: { children: ReactNode }) {
  return <Stack direction="row" sx={{ gap: 2, flexWrap: "wrap" }}>{children}</Stack>;
}

export interface Column<T> {
  label: string;
  value: (row: T) => ReactNode;
  numeric?: boolean;
}

export function ReportTable<T>({ title, columns, rows, testId, empty }: { title: string; columns: Column<T>[]; rows: T[]; testId?: string; empty?: string }) {
  const { t } = useTranslation();
  return (
    <Paper sx={{ p: 2, flex: "1 1 420px", minWidth: 0 }}>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        {title}
      </Typography>
      {rows.length === 0 ? (
        <Typography color="text.secondary">{empty ?? t("reports.empty")}</Typography>
      ) : (
        <TableContainer sx={{ maxHeight: 420 }}>
          <Table size="small" stickyHeader data-testid={testId}>
            <TableHead>
              <TableRow>
                {columns.map((column) => (
                  <TableCell key={column.label} align={column.numeric ? "right" : "left"}>
                    {column.label}
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((row, index) => (
                <TableRow key={index}>
                  {columns.map((column) => (
                    <TableCell key={column.label} align={column.numeric ? "right" : "left"} sx={{ whiteSpace: "nowrap" }}>
                      {column.value(row)}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      )}
    </Paper>
  );
}

export function ChartPaper({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <Paper sx={{ p: 2 }} data-testid={testId}>
      <Typography variant="h6" component="h2" sx={{ mb: 1 }}>
        {title}
      </Typography>
      <Box>{children}</Box>
    </Paper>
  );
}
