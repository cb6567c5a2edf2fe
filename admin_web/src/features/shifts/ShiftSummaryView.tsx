/** A shift's figures as the hub answered them: expected, counted and the difference per method, counts, purposes, unpaid guests. */
import { Box, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";

import type { Shift } from "../../api/money";
import { useFormat } from "../../app/branch";
import "../common/messages";
import "./messages";

const num = { textAlign: "right", fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" } as const;

function Difference({ value }: { value: number | null }) {
  const { t } = useTranslation();
  const format = useFormat();
  if (value === null) return <>{t("shift.notCounted")}</>;
  const colour = value === 0 ? "success" : value > 0 ? "warning" : "error";
  const word = value === 0 ? t("shift.exact") : value > 0 ? t("shift.over") : t("shift.short");
  return (
    <Stack direction="row" spacing={1} sx={{ justifyContent: "flex-end", alignItems: "center" }}>
      <span>{value > 0 ? `+${format.money(value)}` : format.money(value)}</span>
      <Chip size="small" color={colour} label={word} variant="outlined" />
    </Stack>
  );
}

export function ShiftSummaryView({ shift }: { shift: Shift }) {
  const { t } = useTranslation();
  const format = useFormat();
  const summary = shift.summary;
  if (!summary) return null;
  return (
    <Stack spacing={3}>
      <Table size="small" aria-label={t("shift.difference")} data-testid="shift-summary">
        <TableHead>
          <TableRow>
            <TableCell>{t("shift.method")}</TableCell>
            <TableCell sx={num}>{t("shift.expected")}</TableCell>
            <TableCell sx={num}>{t("shift.counted")}</TableCell>
            <TableCell sx={num}>{t("shift.difference")}</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {summary.methods.map((line) => (
            <TableRow key={line.method} data-testid={`shift-method-${line.method}`}>
              <TableCell>{t(`common.methods.${line.method}`, { defaultValue: line.method })}</TableCell>
              <TableCell sx={num}>{format.money(line.expected)}</TableCell>
              <TableCell sx={num}>{line.counted === null ? t("shift.notCounted") : format.money(line.counted)}</TableCell>
              <TableCell sx={num}>
                <Difference value={line.difference} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", sm: "1fr 1fr" }, gap: 3 }}>
        <Table size="small">
          <TableBody>
            <TableRow>
              <TableCell>{t("shift.payments")}</TableCell>
              <TableCell sx={num}>{summary.payments}</TableCell>
            </TableRow>
            <TableRow>
              <TableCell>{t("shift.refunds")}</TableCell>
              <TableCell sx={num}>{summary.refunds}</TableCell>
            </TableRow>
            <TableRow>
              <TableCell>{t("shift.refundsTotal")}</TableCell>
              <TableCell sx={num}>{format.money(summary.refunds_total)}</TableCell>
            </TableRow>
          </TableBody>
        </Table>
        <Table size="small" aria-label={t("shift.byPurpose")}>
          <TableHead>
            <TableRow>
              <TableCell colSpan={2}>{t("shift.byPurpose")}</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {Object.entries(summary.by_purpose).map(([purpose, total]) => (
              <TableRow key={purpose}>
                <TableCell>{t(`common.purposes.${purpose}`, { defaultValue: purpose })}</TableCell>
                <TableCell sx={num}>{format.money(total)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      {shift.unpaid_sessions && shift.unpaid_sessions.length > 0 && (
        <Box>
          <Typography variant="subtitle1" sx={{ fontWeight: 600 }}>
            {t("shift.unpaid")}
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            {t("shift.unpaidHint")}
          </Typography>
          <Table size="small" data-testid="shift-unpaid">
            <TableHead>
              <TableRow>
                <TableCell>{t("shift.pc")}</TableCell>
                <TableCell sx={num}>{t("shift.owed")}</TableCell>
                <TableCell sx={num}>{t("shift.paid")}</TableCell>
                <TableCell sx={num}>{t("shift.due")}</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {shift.unpaid_sessions.map((unpaid) => (
                <TableRow key={unpaid.session_id}>
                  <TableCell>{unpaid.pc_id}</TableCell>
                  <TableCell sx={num}>{format.money(unpaid.owed)}</TableCell>
                  <TableCell sx={num}>{format.money(unpaid.paid)}</TableCell>
                  <TableCell sx={{ ...num, color: "error.main", fontWeight: 600 }}>{format.money(unpaid.owed - unpaid.paid)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
    </Stack>
  );
}
