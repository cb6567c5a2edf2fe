/** One payment or refund as the hub holds it: its lines, refunds and what is left to refund; the receipt, and a refund for those who may. */
import PrintIcon from "@mui/icons-material/Print";
import UndoIcon from "@mui/icons-material/Undo";
import {
  Alert,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  Link,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from "@mui/material";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link as RouterLink } from "react-router";

import { money, type PaymentAnswer, type PaymentLine } from "../../api/money";
import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { FormError } from "../common/FormError";
import { PdfDialog } from "../common/PdfDialog";
import { RefundDialog } from "./RefundDialog";
import "./messages";

const num = { textAlign: "right", fontVariantNumeric: "tabular-nums", whiteSpace: "nowrap" } as const;

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Box>
      <Typography variant="caption" color="text.secondary">
        {label}
      </Typography>
      <Typography sx={{ overflowWrap: "anywhere" }}>{children}</Typography>
    </Box>
  );
}

function lineName(line: PaymentLine, t: (key: string) => string): string {
  return line.name ?? t(`payments.detail.line.${line.kind}`);
}

export function PaymentDialog({ paymentId, onClose }: { paymentId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const queryClient = useQueryClient();
  const [printing, setPrinting] = useState(false);
  const [refunding, setRefunding] = useState(false);
  const [refunded, setRefunded] = useState<PaymentAnswer | null>(null);
  const detail = useQuery({ queryKey: ["payments", "one", paymentId], queryFn: () => money.payment(paymentId) });
  const payment = detail.data;

  const afterRefund = (refund: PaymentAnswer) => {
    setRefunding(false);
    setRefunded(refund);
    void queryClient.invalidateQueries({ queryKey: ["payments"] });
  };

  const title = payment?.receipt ? t("payments.detail.title", { receipt: payment.receipt }) : t("payments.detail.titleNoReceipt");
  const refundable = payment?.kind === "payment" ? (payment.refundable ?? 0) : 0;
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth aria-labelledby="payment-title">
      <DialogTitle id="payment-title">
        <Stack direction="row" spacing={1} sx={{ alignItems: "center" }}>
          <span>{title}</span>
          {payment && <Chip size="small" color={payment.kind === "refund" ? "warning" : "default"} label={t(`common.kinds.${payment.kind}`, { defaultValue: payment.kind })} />}
        </Stack>
      </DialogTitle>
      <DialogContent dividers>
        {detail.isPending && <LinearProgress />}
        {detail.isError && <FormError error={detail.error} />}
        {payment && (
          <Stack spacing={2}>
            <Stack direction="row" sx={{ justifyContent: "space-between", alignItems: "baseline" }}>
              <Typography color="text.secondary">
                {t(`common.purposes.${payment.purpose}`, { defaultValue: payment.purpose })} · {t(`common.methods.${payment.method}`, { defaultValue: payment.method })}
              </Typography>
              <Typography variant="h5" component="p" sx={{ fontWeight: 700, ...num }} data-testid="payment-amount">
                {payment.kind === "refund" ? `−${format.money(payment.amount)}` : format.money(payment.amount)}
              </Typography>
            </Stack>
            <Box sx={{ display: "grid", gridTemplateColumns: "1fr 1fr", gap: 1.5 }}>
              <Field label={t("payments.detail.at")}>{format.dateTime(payment.at)}</Field>
              <Field label={t("payments.detail.staff")}>{payment.staff ?? t("common.none")}</Field>
              {payment.member_id && (
                <Field label={t("payments.detail.member")}>
                  {can("members:read") ? (
                    <Link component={RouterLink} to={`/members/${encodeURIComponent(payment.member_id)}`} data-testid="payment-member">
                      {payment.member_login ?? payment.member_id}
                    </Link>
                  ) : (
                    (payment.member_login ?? payment.member_id)
                  )}
                </Field>
              )}
              {payment.session_id && <Field label={t("payments.detail.session")}>{payment.session_id}</Field>}
              {payment.terminal_ref && <Field label={t("payments.detail.terminalRef")}>{payment.terminal_ref}</Field>}
              {payment.voucher_last4 && <Field label={t("payments.detail.voucher")}>…{payment.voucher_last4}</Field>}
              {payment.refund_of && <Field label={t("payments.detail.refundOf")}>{payment.refund_of}</Field>}
              {payment.reason && <Field label={t("payments.detail.reason")}>{payment.reason}</Field>}
            </Box>
            {payment.items.length > 0 && (
              <Table size="small" aria-label={t("payments.detail.lines")}>
                <TableHead>
                  <TableRow>
                    <TableCell>{t("payments.detail.lines")}</TableCell>
                    <TableCell sx={num}>{t("payments.detail.quantity")}</TableCell>
                    <TableCell sx={num}>{t("payments.detail.unitPrice")}</TableCell>
                    <TableCell sx={num}>{t("payments.detail.total")}</TableCell>
                  </TableRow>
                </TableHead>
                <TableBody>
                  {payment.items.map((line, index) => (
                    <TableRow key={`${line.product_id ?? line.kind}-${index}`}>
                      <TableCell>{lineName(line, t)}</TableCell>
                      <TableCell sx={num}>{line.quantity}</TableCell>
                      <TableCell sx={num}>{format.money(line.unit_price)}</TableCell>
                      <TableCell sx={num}>{format.money(line.total)}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
            {payment.refunds && payment.refunds.length > 0 && (
              <Box>
                <Typography variant="subtitle2">{t("payments.detail.refunds")}</Typography>
                <Table size="small">
                  <TableBody>
                    {payment.refunds.map((refund) => (
                      <TableRow key={refund.id}>
                        <TableCell sx={{ whiteSpace: "nowrap" }}>{refund.receipt}</TableCell>
                        <TableCell sx={{ whiteSpace: "nowrap" }}>{format.dateTime(refund.at)}</TableCell>
                        <TableCell>{refund.reason}</TableCell>
                        <TableCell sx={{ ...num, color: "warning.dark" }}>−{format.money(refund.amount)}</TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </Box>
            )}
            {payment.kind === "payment" && (
              <Typography variant="body2" color="text.secondary" data-testid="refundable">
                {refundable > 0 ? t("payments.detail.refundable", { money: format.money(refundable) }) : t("payments.detail.nothingRefundable")}
              </Typography>
            )}
            {refunded && (
              <Alert severity="success" data-testid="refunded">
                {refunded.replayed
                  ? t("payments.refund.replayed", { receipt: refunded.receipt })
                  : t("payments.refund.done", { money: format.money(refunded.amount), receipt: refunded.receipt })}
              </Alert>
            )}
          </Stack>
        )}
      </DialogContent>
      <DialogActions>
        {payment && can("money:refund") && refundable > 0 && (
          <Button color="warning" startIcon={<UndoIcon />} onClick={() => setRefunding(true)} data-testid="refund">
            {t("payments.detail.refund")}
          </Button>
        )}
        <Box sx={{ flexGrow: 1 }} />
        <Button onClick={onClose}>{t("common.close")}</Button>
        <Button variant="contained" startIcon={<PrintIcon />} disabled={!payment} onClick={() => setPrinting(true)} data-testid="receipt">
          {t("payments.detail.receipt")}
        </Button>
      </DialogActions>
      {payment && (
        <PdfDialog
          open={printing}
          title={title}
          documentKey={["receipt", payment.id]}
          load={(layout, language) => money.receiptPdf(payment.id, layout, language)}
          onClose={() => setPrinting(false)}
        />
      )}
      {payment && refunding && <RefundDialog payment={payment} onClose={() => setRefunding(false)} onDone={afterRefund} />}
    </Dialog>
  );
}
