/**
 * A guest pays for their session at the desk: the amount owed comes from the hub (GET /sessions/{id}),
 * by any method the branch takes but a balance (cash; card with the terminal's reference; voucher). The
 * payment carries an Idempotency-Key that stays the same while the cashier retries the same payment (a
 * lost answer never charges twice).
 */
import { Alert, Box, Button, Skeleton, Stack, Typography } from "@mui/material";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type KeyboardEvent, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import { frontdesk } from "../../api/frontdesk";
import { IdempotentAction } from "../../api/idempotency";
import { money, type PaymentAnswer, type PaymentBody } from "../../api/money";
import { useBranch, useFormat } from "../../app/branch";
import { messageOf } from "../../app/errors";
import { methodBody, methodChecks, NEW_METHOD, offered, type MethodValue } from "../common/method";
import { MethodFields } from "../common/MethodFields";
import { allValid } from "../common/validate";
import "./messages";

export function GuestPayment({ sessionId, onPaid }: { sessionId: string; onPaid?: (payment: PaymentAnswer) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const branch = useBranch();
  const queryClient = useQueryClient();
  // A guest has no balance to pay from.
  const methods = offered(branch?.payment_methods, ["balance"]);
  const [method, setMethod] = useState<MethodValue>(NEW_METHOD);
  const [tried, setTried] = useState(false);
  const action = useRef(new IdempotentAction());
  const session = useQuery({ queryKey: ["sessions", "one", sessionId], queryFn: () => frontdesk.session(sessionId) });
  // The hub's figure: null while it cannot say (a postpaid session still running), then it takes what is owed.
  const owed = session.data?.owed ?? undefined;
  const paid = session.data?.paid ?? 0;

  const pay = useMutation({
    mutationFn: (body: PaymentBody) => money.pay(body, action.current.keyFor(body)),
    onSuccess: (payment) => {
      action.current.finished();
      void queryClient.invalidateQueries({ queryKey: ["sessions", "one", sessionId] });
      onPaid?.(payment);
    },
    onError: (error) => {
      // A refusal is final (a new attempt is a new payment); a lost answer keeps the key for the retry.
      if (error instanceof ApiError && !error.transient) action.current.finished();
    },
  });

  const checks = methodChecks(method);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    event.stopPropagation();
    setTried(true);
    if (!allValid(checks) || pay.isPending || owed === 0) return;
    pay.mutate({ purpose: "session", session_id: sessionId, ...(owed !== undefined ? { amount: owed } : {}), ...methodBody(method) });
  };

  if (pay.isSuccess) {
    return (
      <Alert severity="success" data-testid="payment-done">
        {t("desk.pay.done", { amount: pay.data.amount_display, receipt: pay.data.receipt ?? "—" })}
      </Alert>
    );
  }
  const refused = pay.error instanceof ApiError && !pay.error.transient ? messageOf(pay.error, t) : null;
  const field = refused !== null && (method.method === "card" || method.method === "voucher") ? refused : null;
  return (
    // Not a <form>: it sits inside the start and stop dialogs' forms. Enter in a field takes the payment.
    <Box
      data-testid="guest-payment"
      onKeyDown={(event: KeyboardEvent) => {
        if (event.key === "Enter" && event.target instanceof HTMLInputElement) submit(event);
      }}
    >
      <Stack spacing={2}>
        <Stack direction="row" sx={{ alignItems: "baseline", justifyContent: "space-between", gap: 2 }}>
          <Typography color="text.secondary">{t("desk.pay.owed")}</Typography>
          {session.isPending ? (
            <Skeleton width={120} />
          ) : (
            <Typography variant="h5" component="p" sx={{ fontWeight: 700, fontVariantNumeric: "tabular-nums" }} data-testid="amount-owed" data-amount={owed ?? ""}>
              {owed !== undefined ? format.money(owed) : t("desk.pay.owedByHub")}
            </Typography>
          )}
        </Stack>
        {paid > 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ textAlign: "right" }}>
            {t("desk.pay.alreadyPaid", { amount: format.money(paid) })}
          </Typography>
        )}
        {session.isError && <Alert severity="error">{messageOf(session.error, t)}</Alert>}
        {owed === 0 ? (
          <Alert severity="success" data-testid="nothing-owed">
            {t("desk.pay.nothingOwed")}
          </Alert>
        ) : (
          <>
            <MethodFields
              value={method}
              onChange={setMethod}
              methods={methods}
              errors={{
                terminalRef: (method.method === "card" ? field : null) ?? (tried ? checks.terminalRef : null),
                voucherCode: (method.method === "voucher" ? field : null) ?? (tried ? checks.voucherCode : null),
              }}
            />
            {refused !== null && field === null && <Alert severity="error">{refused}</Alert>}
            {pay.error instanceof ApiError && pay.error.transient && <Alert severity="warning">{t("desk.pay.retrySame")}</Alert>}
            <Button variant="contained" size="large" onClick={submit} disabled={pay.isPending || session.isPending} data-testid="take-payment">
              {owed !== undefined
                ? t("desk.pay.take", { amount: format.money(owed), method: t(`common.methods.${method.method}`) })
                : t("desk.pay.takeOwed", { method: t(`common.methods.${method.method}`) })}
            </Button>
          </>
        )}
      </Stack>
    </Box>
  );
}
