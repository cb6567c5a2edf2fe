/** Take a guest's payment for the session on a PC (the amount owed is the hub's). */
import { Button, Dialog, DialogActions, DialogContent, DialogTitle, Typography } from "@mui/material";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { GuestPayment } from "./GuestPayment";
import "./messages";
import { useSessionsOf } from "./useSessionsOf";

export default function PaymentDialog({ pcId, onClose }: { pcId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const live = useSessionsOf([pcId]);
  const [session] = useState(live[0]);
  return (
    <Dialog open onClose={onClose} maxWidth="xs" fullWidth data-testid="payment-dialog">
      <DialogTitle>{t("desk.pay.titleOn", { pc: pcId })}</DialogTitle>
      <DialogContent>
        {session ? <GuestPayment sessionId={session.id} /> : <Typography>{t("desk.noSession")}</Typography>}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} data-testid="payment-close">
          {t("desk.close")}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
