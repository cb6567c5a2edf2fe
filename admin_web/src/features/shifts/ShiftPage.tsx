/**
 * The cashier's own shift: open it with the counted float; close it blind (the drawer's cash and the
 * terminal's batch total, before any expected figure is shown); then the hub's expected-vs-counted and
 * the report PDF. A just-closed shift stays on screen through a reload (?closed=<id>).
 */
import PrintIcon from "@mui/icons-material/Print";
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, LinearProgress, Paper, Stack, TextField, Typography } from "@mui/material";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { money, type Shift } from "../../api/money";
import { useBranch, useFormat } from "../../app/branch";
import { parseMoney } from "../../i18n/format";
import { fieldError } from "../common/apiField";
import { FormError } from "../common/FormError";
import { MoneyField, useCurrency } from "../common/MoneyField";
import { PdfDialog } from "../common/PdfDialog";
import { allValid, amount } from "../common/validate";
import { ShiftSummaryView } from "./ShiftSummaryView";
import { CURRENT_SHIFT, useCurrentShift } from "./useCurrentShift";
import "./messages";

/** Methods a shift counts (billing/shifts.py COUNTED_METHODS) that this branch takes. */
const COUNTED = ["cash", "card"] as const;

function OpenShiftForm({ onOpened }: { onOpened: (shift: Shift) => void }) {
  const { t } = useTranslation();
  const currency = useCurrency();
  const [float, setFloat] = useState("");
  const [tried, setTried] = useState(false);
  const open = useMutation({ mutationFn: (minor: number) => money.openShift(minor), onSuccess: onOpened });
  const check = amount(float, currency, 0);
  const refusal = fieldError(open.error, { opening_float: "float" });
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    const minor = parseMoney(float, currency);
    if (check === null && minor !== null) open.mutate(minor);
  };
  return (
    <Paper component="form" onSubmit={submit} noValidate sx={{ p: 3, maxWidth: 560 }}>
      <Stack spacing={2}>
        <Typography>{t("shift.none")}</Typography>
        <MoneyField
          label={t("shift.float")}
          name="opening_float"
          value={float}
          onChange={setFloat}
          error={(tried ? check : null) ?? (refusal?.field === "float" ? refusal.message : null)}
          autoFocus
          required
        />
        {open.isError && refusal?.field !== "float" && <FormError error={open.error} />}
        <Button type="submit" variant="contained" size="large" disabled={open.isPending} data-testid="open-shift">
          {open.isPending ? t("shift.opening") : t("shift.open")}
        </Button>
      </Stack>
    </Paper>
  );
}

function CloseShiftForm({ shift, onClosed }: { shift: Shift; onClosed: (shift: Shift) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const branch = useBranch();
  const currency = useCurrency();
  const counted = COUNTED.filter((method) => (branch?.payment_methods ?? COUNTED).includes(method));
  const [values, setValues] = useState<Record<string, string>>({});
  const [note, setNote] = useState("");
  const [tried, setTried] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const close = useMutation({
    mutationFn: (figures: Record<string, number>) => money.closeShift(shift.id, figures, note.trim()),
    onSuccess: onClosed,
    onSettled: () => setConfirming(false),
  });
  const checks = Object.fromEntries(counted.map((method) => [method, amount(values[method] ?? "", currency, 0)]));
  const refusal = fieldError(close.error, { "counted.cash": "cash", "counted.card": "card", counted: "cash", note: "note" }, { count_required: "cash" });
  const figures = () => Object.fromEntries(counted.map((method) => [method, parseMoney(values[method] ?? "", currency) ?? 0]));
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (allValid(checks)) setConfirming(true);
  };
  return (
    <Paper component="form" onSubmit={submit} noValidate sx={{ p: 3, maxWidth: 560 }}>
      <Stack spacing={2}>
        <Box>
          <Typography variant="h6" component="h2">
            {t("shift.closeTitle")}
          </Typography>
          <Typography variant="body2" color="text.secondary" data-testid="shift-open-since">
            {t("shift.openSince", { time: format.dateTime(shift.opened_at) })} · {t("shift.openedFloat", { money: format.money(shift.opening_float) })}
          </Typography>
        </Box>
        <Alert severity="info">{t("shift.closeHint")}</Alert>
        {counted.map((method) => (
          <MoneyField
            key={method}
            label={method === "cash" ? t("shift.countedCash") : t("shift.countedCard")}
            name={`counted_${method}`}
            value={values[method] ?? ""}
            onChange={(text) => setValues({ ...values, [method]: text })}
            error={(tried ? checks[method] : null) ?? (refusal?.field === method ? refusal.message : null)}
            required
          />
        ))}
        <TextField label={t("shift.note")} name="note" value={note} onChange={(event) => setNote(event.target.value)} multiline minRows={2} slotProps={{ htmlInput: { maxLength: 500 } }} />
        {close.isError && (refusal === null || refusal.field === null) && <FormError error={close.error} />}
        <Button type="submit" variant="contained" color="warning" size="large" disabled={close.isPending} data-testid="close-shift">
          {close.isPending ? t("shift.closing") : t("shift.close")}
        </Button>
      </Stack>
      <Dialog open={confirming} onClose={() => setConfirming(false)}>
        <DialogContent>
          <Typography sx={{ mb: 2 }}>{t("shift.confirmClose")}</Typography>
          {counted.map((method) => (
            <Stack key={method} direction="row" sx={{ justifyContent: "space-between", gap: 4 }}>
              <span>{method === "cash" ? t("shift.countedCash") : t("shift.countedCard")}</span>
              <b>{format.money(parseMoney(values[method] ?? "", currency) ?? 0)}</b>
            </Stack>
          ))}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirming(false)}>{t("common.cancel")}</Button>
          <Button variant="contained" color="warning" disabled={close.isPending} onClick={() => close.mutate(figures())} data-testid="confirm-close-shift">
            {t("shift.close")}
          </Button>
        </DialogActions>
      </Dialog>
    </Paper>
  );
}

export function ClosedShift({ shift }: { shift: Shift }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [printing, setPrinting] = useState(false);
  return (
    <Paper sx={{ p: 3 }} data-testid="shift-closed">
      <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "flex-start", mb: 2, gap: 2, flexWrap: "wrap" }}>
        <Box>
          <Typography variant="h6" component="h2">
            {t("shift.closedTitle")}
          </Typography>
          {shift.closed_at !== null && (
            <Typography variant="body2" color="text.secondary">
              {t("shift.closedAt", { time: format.dateTime(shift.closed_at), user: shift.closed_by ?? shift.cashier })}
            </Typography>
          )}
        </Box>
        <Button variant="outlined" startIcon={<PrintIcon />} onClick={() => setPrinting(true)} data-testid="shift-report">
          {t("shift.report")}
        </Button>
      </Stack>
      <ShiftSummaryView shift={shift} />
      <PdfDialog
        open={printing}
        title={t("shift.reportTitle")}
        documentKey={["shift-report", shift.id]}
        load={(layout, language) => money.shiftReportPdf(shift.id, layout, language)}
        onClose={() => setPrinting(false)}
        initialLayout="a4"
      />
    </Paper>
  );
}

export default function ShiftPage() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const closedId = params.get("closed");
  const current = useCurrentShift();
  const closed = useQuery({ queryKey: ["shifts", closedId], queryFn: () => money.shift(closedId ?? ""), enabled: closedId !== null });

  const opened = (shift: Shift) => {
    queryClient.setQueryData(CURRENT_SHIFT, shift);
    setParams({}, { replace: true });
  };
  const finished = (shift: Shift) => {
    queryClient.setQueryData(["shifts", shift.id], shift);
    queryClient.setQueryData(CURRENT_SHIFT, null);
    void queryClient.invalidateQueries({ queryKey: ["shifts"] });
    setParams({ closed: shift.id }, { replace: true });
  };

  return (
    <Box>
      <Typography variant="h5" component="h1" sx={{ mb: 2 }}>
        {t("shift.title")}
      </Typography>
      {(current.isPending || (closedId !== null && closed.isPending)) && <LinearProgress />}
      {current.isError && <FormError error={current.error} />}
      {closedId !== null && closed.isError && <FormError error={closed.error} />}
      <Stack spacing={3}>
        {closedId !== null && closed.data && <ClosedShift shift={closed.data} />}
        {current.isSuccess && current.data !== null && <CloseShiftForm shift={current.data} onClosed={finished} />}
        {current.isSuccess && current.data === null && <OpenShiftForm onOpened={opened} />}
      </Stack>
    </Box>
  );
}
