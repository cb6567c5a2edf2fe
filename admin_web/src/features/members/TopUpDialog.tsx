/**
 * Top up a member's balance by any method the branch takes (but the balance itself): POST /payments with
 * purpose "topup" and an Idempotency-Key kept while the same top-up is retried.
 */
import { Alert, Button, Chip, Dialog, DialogActions, DialogContent, DialogTitle, Stack, Typography } from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import type { Member } from "../../api/frontdesk";
import { IdempotentAction } from "../../api/idempotency";
import { money, type PaymentBody } from "../../api/money";
import { useBranch, useFormat } from "../../app/branch";
import { messageOf } from "../../app/errors";
import { moneyInputText, parseMoney } from "../../i18n/format";
import { methodBody, methodChecks, NEW_METHOD, offered, type MethodValue } from "../common/method";
import { MethodFields } from "../common/MethodFields";
import { MoneyField, useCurrency } from "../common/MoneyField";
import { allValid, amount as amountCheck } from "../common/validate";
import "../sessions/messages";
import "./messages";

/** Round amounts a customer hands over, in minor units of the currency. */
export function quickAmounts(currency: string): number[] {
  return currency === "UZS" ? [1_000_000, 2_000_000, 5_000_000, 10_000_000] : [500, 1_000, 2_000, 5_000];
}

export function TopUpDialog({ member, onClose }: { member: Member; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const branch = useBranch();
  const currency = useCurrency();
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState("");
  const [method, setMethod] = useState<MethodValue>(NEW_METHOD);
  const [tried, setTried] = useState(false);
  const action = useRef(new IdempotentAction());
  const pay = useMutation({
    mutationFn: (body: PaymentBody) => money.pay(body, action.current.keyFor(body)),
    onSuccess: () => {
      action.current.finished();
      void queryClient.invalidateQueries({ queryKey: ["members"] });
      void queryClient.invalidateQueries({ queryKey: ["payments"] });
    },
    onError: (error) => {
      if (error instanceof ApiError && !error.transient) action.current.finished();
    },
  });
  const minor = parseMoney(amount, currency);
  const checks = { amount: amountCheck(amount, currency), ...methodChecks(method) };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (!allValid(checks) || minor === null || pay.isPending) return;
    pay.mutate({ purpose: "topup", member_id: member.id, amount: minor, ...methodBody(method) });
  };
  const refused = pay.error instanceof ApiError && !pay.error.transient ? messageOf(pay.error, t) : null;

  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="topup-dialog">
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t("members.topup.title", { login: member.login })}</DialogTitle>
        <DialogContent>
          {pay.isSuccess ? (
            <Alert severity="success" data-testid="topup-done">
              {t("members.topup.done", {
                amount: pay.data.amount_display,
                balance: pay.data.balance !== undefined ? format.money(pay.data.balance) : "—",
                receipt: pay.data.receipt ?? "—",
              })}
            </Alert>
          ) : (
            <Stack spacing={2} sx={{ pt: 1 }}>
              <Typography color="text.secondary">{t("members.topup.quick")}</Typography>
              <Stack direction="row" sx={{ gap: 1, flexWrap: "wrap" }}>
                {quickAmounts(currency).map((value) => (
                  <Chip
                    key={value}
                    label={format.money(value)}
                    onClick={() => setAmount(moneyInputText(value, currency))}
                    variant={minor === value ? "filled" : "outlined"}
                    color={minor === value ? "primary" : "default"}
                    data-testid={`quick-${value}`}
                  />
                ))}
              </Stack>
              <MoneyField
                label={t("members.topup.amount")}
                value={amount}
                onChange={setAmount}
                autoFocus
                required
                error={tried ? checks.amount : null}
                slotProps={{ htmlInput: { "data-testid": "topup-amount" } }}
              />
              <MethodFields
                value={method}
                onChange={setMethod}
                methods={offered(branch?.payment_methods, ["balance"])}
                errors={{ terminalRef: tried ? checks.terminalRef : null, voucherCode: tried ? checks.voucherCode : null }}
              />
              {refused !== null && <Alert severity="error">{refused}</Alert>}
              {pay.error instanceof ApiError && pay.error.transient && <Alert severity="warning">{t("desk.pay.retrySame")}</Alert>}
            </Stack>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose} data-testid="topup-close">
            {pay.isSuccess ? t("desk.close") : t("desk.cancel")}
          </Button>
          {!pay.isSuccess && (
            <Button type="submit" variant="contained" disabled={pay.isPending} data-testid="topup-confirm">
              {minor !== null && minor > 0 ? t("members.topup.confirm", { amount: format.money(minor) }) : t("members.topup.button")}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}
