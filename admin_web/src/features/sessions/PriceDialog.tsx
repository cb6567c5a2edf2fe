/** Why a session costs what it costs: the hub's price line by line (GET /sessions/{id}/price). */
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Skeleton, Stack, Typography } from "@mui/material";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { frontdesk } from "../../api/frontdesk";
import { useFormat } from "../../app/branch";
import { messageOf } from "../../app/errors";
import "./messages";
import { PriceLines } from "./PriceLines";
import { useSessionsOf } from "./useSessionsOf";

export default function PriceDialog({ pcId, onClose }: { pcId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const live = useSessionsOf([pcId]);
  const [session] = useState(live[0]);
  const price = useQuery({
    queryKey: ["sessions", "price", session?.id],
    queryFn: () => frontdesk.sessionPrice(session?.id ?? ""),
    enabled: session !== undefined,
  });
  const detail = useQuery({
    queryKey: ["sessions", "one", session?.id],
    queryFn: () => frontdesk.session(session?.id ?? ""),
    enabled: session !== undefined,
  });
  const row = (label: string, value: string, testId?: string) => (
    <Stack direction="row" sx={{ justifyContent: "space-between" }}>
      <Typography color="text.secondary">{label}</Typography>
      <Typography sx={{ fontVariantNumeric: "tabular-nums" }} data-testid={testId}>
        {value}
      </Typography>
    </Stack>
  );
  const data = detail.data;
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth data-testid="price-dialog">
      <DialogTitle>{t("desk.price.title", { pc: pcId })}</DialogTitle>
      <DialogContent>
        {session === undefined && <Typography>{t("desk.noSession")}</Typography>}
        {(price.isError || detail.isError) && <Alert severity="error">{messageOf(price.error ?? detail.error, t)}</Alert>}
        {data && (
          <Stack spacing={0.5} sx={{ mb: 2 }}>
            {row(t("desk.price.kind"), t(`pcs.who.${data.kind}`, { defaultValue: data.kind }))}
            {data.started_at !== null && row(t("desk.price.started"), format.dateTime(data.started_at))}
            {row(t("desk.price.used"), format.duration(data.used_ms))}
            {data.prepaid_minutes !== null && row(t("desk.price.bought"), format.duration(data.prepaid_minutes * 60_000))}
            {data.paid !== null && row(t("desk.price.paid"), format.money(data.paid))}
          </Stack>
        )}
        {price.isPending && session !== undefined ? (
          <Skeleton height={120} />
        ) : price.data ? (
          <>
            <PriceLines lines={price.data.lines} />
            <Stack direction="row" sx={{ justifyContent: "space-between", mt: 2 }}>
              <Typography sx={{ fontWeight: 700 }}>{t("desk.price.total", { minutes: price.data.billed_minutes })}</Typography>
              <Typography variant="h6" component="p" sx={{ fontWeight: 700, fontVariantNumeric: "tabular-nums" }} data-testid="price-total">
                {format.money(price.data.total)}
              </Typography>
            </Stack>
            {session?.state === "active" && (
              <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
                {t("desk.price.estimate")}
              </Typography>
            )}
          </>
        ) : null}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t("desk.close")}</Button>
      </DialogActions>
    </Dialog>
  );
}
