/**
 * Correct a member's balance by hand, up or down, with a reason (POST /members/{id}/balance-adjustments):
 * exactly once per key, kept while the same correction is retried.
 */
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField, ToggleButton, ToggleButtonGroup } from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import { frontdesk, type Member } from "../../api/frontdesk";
import { IdempotentAction } from "../../api/idempotency";
import { useFormat } from "../../app/branch";
import { messageOf } from "../../app/errors";
import { parseMoney } from "../../i18n/format";
import { MoneyField, useCurrency } from "../common/MoneyField";
import { amount as amountCheck, reason as reasonCheck } from "../common/validate";
import "../sessions/messages";
import "./messages";

export function AdjustDialog({ member, onClose }: { member: Member; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const currency = useCurrency();
  const queryClient = useQueryClient();
  const [direction, setDirection] = useState<"credit" | "debit">("credit");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [tried, setTried] = useState(false);
  const action = useRef(new IdempotentAction());
  const adjust = useMutation({
    mutationFn: (body: { amount: number; reason: string }) => frontdesk.adjustBalance(member.id, action.current.keyFor(body), body.amount, body.reason),
    onSuccess: () => {
      action.current.finished();
      void queryClient.invalidateQueries({ queryKey: ["members"] });
    },
    onError: (error) => {
      if (error instanceof ApiError && !error.transient) action.current.finished();
    },
  });
  const minor = parseMoney(amount, currency);
  const checks = { amount: amountCheck(amount, currency), reason: reasonCheck(reason) };
  const signed = minor === null ? null : direction === "credit" ? minor : -minor;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (checks.amount !== null || checks.reason !== null || signed === null || adjust.isPending) return;
    adjust.mutate({ amount: signed, reason: reason.trim() });
  };
  const refused = adjust.error instanceof ApiError && !adjust.error.transient ? messageOf(adjust.error, t) : null;
  const amountRefused = adjust.error instanceof ApiError && adjust.error.code === "insufficient_balance" ? refused : null;

  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="adjust-dialog">
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t("members.adjust.title", { login: member.login })}</DialogTitle>
        <DialogContent>
          {adjust.isSuccess ? (
            <Alert severity="success" data-testid="adjust-done">
              {t("members.adjust.done", { balance: format.money(adjust.data.balance) })}
            </Alert>
          ) : (
            <Stack spacing={2} sx={{ pt: 1 }}>
              <ToggleButtonGroup exclusive fullWidth value={direction} onChange={(_, next: "credit" | "debit" | null) => next && setDirection(next)} color="primary">
                <ToggleButton value="credit" data-testid="adjust-credit">
                  {t("members.adjust.credit")}
                </ToggleButton>
                <ToggleButton value="debit" data-testid="adjust-debit">
                  {t("members.adjust.debit")}
                </ToggleButton>
              </ToggleButtonGroup>
              <MoneyField
                label={t("members.adjust.amount")}
                value={amount}
                onChange={setAmount}
                autoFocus
                required
                error={amountRefused ?? (tried ? checks.amount : null)}
                hint={t("desk.start.balance", { amount: format.money(member.balance) })}
                slotProps={{ htmlInput: { "data-testid": "adjust-amount" } }}
              />
              <TextField
                label={t("members.adjust.reason")}
                value={reason}
                onChange={(event) => setReason(event.target.value)}
                required
                error={tried && checks.reason !== null}
                helperText={tried && checks.reason !== null ? t(`common.errors.${checks.reason}`) : t("members.adjust.reasonHint")}
                slotProps={{ htmlInput: { maxLength: 200, "data-testid": "adjust-reason" } }}
              />
              {refused !== null && amountRefused === null && <Alert severity="error">{refused}</Alert>}
              {adjust.error instanceof ApiError && adjust.error.transient && <Alert severity="warning">{t("desk.pay.retrySame")}</Alert>}
            </Stack>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{adjust.isSuccess ? t("desk.close") : t("desk.cancel")}</Button>
          {!adjust.isSuccess && (
            <Button type="submit" variant="contained" disabled={adjust.isPending} data-testid="adjust-confirm">
              {signed !== null && signed !== 0 ? t("members.adjust.confirm", { amount: format.money(signed) }) : t("members.adjust.button")}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}
