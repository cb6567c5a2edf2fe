/** What a session under the saved tariff costs at a chosen start and length, line by line: asked of the hub, never computed here. */
import { Alert, Box, LinearProgress, Paper, Stack, Table, TableBody, TableCell, TableHead, TableRow, TextField, ToggleButton, ToggleButtonGroup, Typography } from "@mui/material";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";
import { useTranslation } from "react-i18next";

import { backoffice } from "../../api/backoffice";
import { useBranch, useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import { wholeNumber } from "../common/validate";
import { epochToZoned, zonedToEpoch } from "../common/zoned";
import "./messages";

const PRESETS = [30, 60, 120, 180, 600];
const num = { textAlign: "right", fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" } as const;

export function QuotePreview({ tariffId, dirty }: { tariffId: string; dirty: boolean }) {
  const { t } = useTranslation();
  const format = useFormat();
  const timezone = useBranch()?.timezone ?? "UTC";
  const [start, setStart] = useState(() => epochToZoned(Date.now(), timezone));
  const [minutes, setMinutes] = useState("120");
  const asked = useDeferredValue({ start, minutes });
  const startMs = zonedToEpoch(asked.start, timezone);
  const minutesProblem = wholeNumber(asked.minutes, 1, 7 * 24 * 60);
  const quote = useQuery({
    queryKey: ["tariffs", "quote", tariffId, startMs, asked.minutes],
    queryFn: () => backoffice.quote(tariffId, startMs ?? Date.now(), Number(asked.minutes)),
    enabled: startMs !== null && minutesProblem === null,
    placeholderData: keepPreviousData,
  });
  const answer = quote.data;
  // The hub's own line labels are translated; a window's label is the name the owner gave it.
  const label = (text: string) => t(`tariffs.labels.${text.replace(/ /g, "_")}`, { defaultValue: text });
  return (
    <Paper sx={{ p: 2.5 }} data-testid="quote-preview">
      <Typography variant="h6" component="h2">
        {t("tariffs.preview")}
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        {t("tariffs.previewHint")}
      </Typography>
      {dirty && (
        <Alert severity="info" sx={{ mb: 2 }}>
          {t("tariffs.unsaved")}
        </Alert>
      )}
      <Stack direction="row" spacing={2} sx={{ mb: 2, flexWrap: "wrap", rowGap: 1.5, alignItems: "flex-start" }}>
        <TextField
          size="small"
          type="datetime-local"
          label={t("tariffs.previewStart")}
          name="quote_start"
          value={start}
          onChange={(event) => setStart(event.target.value)}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        <TextField
          size="small"
          label={t("tariffs.previewMinutes")}
          name="quote_minutes"
          value={minutes}
          onChange={(event) => setMinutes(event.target.value)}
          error={wholeNumber(minutes, 1, 7 * 24 * 60) !== null}
          helperText={wholeNumber(minutes, 1, 7 * 24 * 60) ? t(`common.errors.${wholeNumber(minutes, 1, 7 * 24 * 60) ?? ""}`) : undefined}
          sx={{ width: 110 }}
          slotProps={{ htmlInput: { inputMode: "numeric", maxLength: 5 } }}
        />
        <ToggleButtonGroup exclusive size="small" value={Number(minutes)} onChange={(_event, value: number | null) => value && setMinutes(String(value))}>
          {PRESETS.map((preset) => (
            <ToggleButton key={preset} value={preset} sx={{ px: 1.25 }} data-testid={`preset-${preset}`}>
              {preset % 60 !== 0 ? t("tariffs.minutesPreset", { count: preset }) : t("tariffs.hoursPreset", { count: preset / 60 })}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
      </Stack>
      {quote.isFetching && <LinearProgress sx={{ mb: 1 }} />}
      {quote.isError && <FormError error={quote.error} />}
      {answer && (
        <Box>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            {t("tariffs.previewRate", { label: label(answer.rate_label), money: format.money(answer.hourly_rate) })}
          </Typography>
          <Table size="small" aria-label={t("tariffs.preview")}>
            <TableHead>
              <TableRow>
                <TableCell>{t("tariffs.line")}</TableCell>
                <TableCell>{t("tariffs.lineFrom")}</TableCell>
                <TableCell sx={num}>{t("tariffs.lineMinutes")}</TableCell>
                <TableCell sx={num}>{t("tariffs.lineRate")}</TableCell>
                <TableCell sx={num}>{t("tariffs.lineAmount")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {answer.lines.map((line, index) => (
                <TableRow key={index}>
                  <TableCell>{label(line.label)}</TableCell>
                  <TableCell sx={{ whiteSpace: "nowrap" }}>{format.time(line.starts_at)}</TableCell>
                  <TableCell sx={num}>{line.minutes}</TableCell>
                  <TableCell sx={num}>{format.money(line.hourly_rate)}</TableCell>
                  <TableCell sx={num}>{format.money(line.amount)}</TableCell>
                </TableRow>
              ))}
              <TableRow>
                <TableCell colSpan={4} sx={{ fontWeight: 700 }}>
                  {t("tariffs.total")}
                </TableCell>
                <TableCell sx={{ ...num, fontWeight: 700, fontSize: 18 }} data-testid="quote-total">
                  {answer.total === null ? t("common.none") : format.money(answer.total)}
                </TableCell>
              </TableRow>
            </TableBody>
          </Table>
        </Box>
      )}
    </Paper>
  );
}
