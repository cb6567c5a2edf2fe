/**
 * Refund all or part of a payment: the amount (at most what the hub says is left), a reason, and a fresh
 * TOTP code (or the password of an account without 2FA). One Idempotency-Key per refund: a retry after
 * a lost answer is the same refund, which the hub answers without asking for a new code.
 */
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField } from "@mui/material";
import { Link as RouterLink } from "react-router";
import { useMutation } from "@tanstack/react-query";
import { useRef, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import { IdempotentAction } from "../../api/idempotency";
import { money, type PaymentAnswer, type PaymentDetail, type RefundBody } from "../../api/money";
import { useFormat } from "../../app/branch";
import { moneyInputText, parseMoney } from "../../i18n/format";
import { fieldError } from "../common/apiField";
import { ConfirmFields, confirmChecks, EMPTY_CONFIRM, useUsesTotp, type ConfirmValue } from "../common/ConfirmFields";
import { FormError } from "../common/FormError";
import { needsShift } from "../common/method";
import { MoneyField, useCurrency } from "../common/MoneyField";
import { useCurrentShift } from "../shifts/useCurrentShift";
import { allValid, amount as checkAmount, terminalRef as checkTerminalRef } from "../common/validate";
import { proofOf, refundRequest } from "./refund";
import "../pos/messages";
import "./messages";

interface Props {
  payment: PaymentDetail;
  onClose: () => void;
  onDone: (refund: PaymentAnswer) => void;
}

const FIELDS = { amount: "amount", reason: "reason", totp: "proof", password: "proof", terminal_ref: "terminalRef" };
const CODES = {
  refund_exceeds_payment: "amount",
  insufficient_balance: "amount",
  confirmation_failed: "proof",
  confirmation_required: "proof",
  terminal_ref_required: "terminalRef",
  card_number_refused: "terminalRef",
};

export function RefundDialog({ payment, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const format = useFormat();
  const currency = useCurrency();
  const usesTotp = useUsesTotp();
  const left = payment.refundable ?? 0;
  const [amount, setAmount] = useState(() => moneyInputText(left, currency));
  const [confirm, setConfirm] = useState<ConfirmValue>(EMPTY_CONFIRM);
  const [terminalRef, setTerminalRef] = useState("");
  const [tried, setTried] = useState(false);
  const action = useRef(new IdempotentAction()).current;
  // Cash and card go back out of a drawer: the refunder's own open shift (the hub refuses without).
  const shift = useCurrentShift();
  const noShift = needsShift(payment.method) && shift.isSuccess && shift.data === null;

  const refund = useMutation({
    // The key follows what is refunded, not the code: a retry with a new code is the same refund.
    mutationFn: ({ body, keyOf }: { body: RefundBody; keyOf: object }) => money.refund(payment.id, body, action.keyFor(keyOf)),
    onSuccess: (answer) => {
      action.finished();
      onDone(answer);
    },
    onError: (error) => {
      if (error instanceof ApiError && !error.transient && error.code !== "confirmation_failed") action.finished();
    },
  });

  const isCard = payment.method === "card";
  const checks = {
    amount: checkAmount(amount, currency, 1, left),
    ...confirmChecks(confirm, usesTotp),
    terminalRef: isCard ? checkTerminalRef(terminalRef) : null,
  };
  const refusal = fieldError(refund.error, FIELDS, CODES);
  const errorOf = (field: keyof typeof checks) => (tried ? checks[field] : null) ?? (refusal?.field === field ? refusal.message : null);

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    const minor = parseMoney(amount, currency);
    if (!allValid(checks) || minor === null || refund.isPending) return;
    refund.mutate(refundRequest({ amount: minor, reason: confirm.reason, terminalRef: isCard ? terminalRef : null }, proofOf(confirm.proof, usesTotp)));
  };

  const minor = parseMoney(amount, currency);
  const wayBack = isCard ? t("payments.refund.cardBack") : payment.method === "cash" ? t("payments.refund.cashOut") : payment.method === "balance" ? t("payments.refund.balanceBack") : t("payments.refund.voucherBack");
  return (
    <Dialog open onClose={onClose} maxWidth="xs" fullWidth>
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t("payments.refund.title", { receipt: payment.receipt ?? "" })}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            <Alert severity="info">{wayBack}</Alert>
            {noShift && (
              <Alert
                severity="warning"
                data-testid="refund-needs-shift"
                action={
                  <Button component={RouterLink} to="/shift" size="small" color="inherit" sx={{ whiteSpace: "nowrap" }}>
                    {t("pos.openShift")}
                  </Button>
                }
              >
                {t("payments.refund.needShift")}
              </Alert>
            )}
            <MoneyField
              label={t("payments.refund.amount")}
              name="amount"
              value={amount}
              onChange={setAmount}
              error={errorOf("amount")}
              hint={t("payments.refund.amountHint", { money: format.money(left) })}
              required
            />
            <TextField
              label={t("payments.refund.reason")}
              name="reason"
              value={confirm.reason}
              onChange={(event) => setConfirm({ ...confirm, reason: event.target.value })}
              error={Boolean(errorOf("reason"))}
              helperText={errorOf("reason") ? t(`common.errors.${errorOf("reason") ?? ""}`, { defaultValue: errorOf("reason") ?? "" }) : undefined}
              required
              autoFocus
              slotProps={{ htmlInput: { maxLength: 500 } }}
            />
            {isCard && (
              <TextField
                label={t("payments.refund.terminalRef")}
                name="terminal_ref"
                value={terminalRef}
                onChange={(event) => setTerminalRef(event.target.value)}
                error={Boolean(errorOf("terminalRef"))}
                helperText={errorOf("terminalRef") ? t(`common.errors.${errorOf("terminalRef") ?? ""}`, { defaultValue: errorOf("terminalRef") ?? "" }) : undefined}
                required
                autoComplete="off"
                slotProps={{ htmlInput: { maxLength: 64 } }}
              />
            )}
            <ConfirmFields value={confirm} onChange={setConfirm} errors={{ proof: errorOf("proof") }} withoutReason />
            {refund.isError && refusal?.field == null && <FormError error={refund.error} />}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t("common.cancel")}</Button>
          <Button type="submit" variant="contained" color="warning" disabled={refund.isPending} data-testid="refund-submit">
            {refund.isPending ? t("payments.refund.submitting") : minor !== null && minor > 0 ? t("payments.refund.submit", { money: format.money(minor) }) : t("payments.refund.submitPlain")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
