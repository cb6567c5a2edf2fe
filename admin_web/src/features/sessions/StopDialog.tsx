/**
 * Stop sessions with a reason (kept in the audit log: time is never ended off the record). A guest's
 * session that still owes money is paid right after, in the same dialog.
 */
import { Box, Button, Chip, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField, Typography } from "@mui/material";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { frontdesk, type SessionView } from "../../api/frontdesk";
import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { sessionFetched } from "../../live/slice";
import { useAppDispatch } from "../../live/store";
import { useBatch, useFocusWhenSettled } from "../pcs/batch";
import { BatchResults } from "../pcs/BatchResults";
import { GuestPayment } from "./GuestPayment";
import "./messages";
import { useSessionsOf } from "./useSessionsOf";
import { reason as reasonCheck } from "../common/validate";

const REASONS = ["left", "asked", "pcProblem", "rules"] as const;

export default function StopDialog({ pcIds, onClose }: { pcIds: string[]; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const dispatch = useAppDispatch();
  const live = useSessionsOf(pcIds);
  const [sessions] = useState(live);
  const [reason, setReason] = useState("");
  const [tried, setTried] = useState(false);
  const batch = useBatch<SessionView>();
  const problem = reasonCheck(reason);
  const finished = batch.started && !batch.running && batch.failed.length === 0;
  const closeButton = useFocusWhenSettled(batch.started && !batch.running);

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (problem !== null || batch.running || finished) return;
    const byPc = new Map(sessions.map((session) => [session.pc_id, session]));
    const todo = batch.started ? batch.failed : sessions.map((session) => session.pc_id);
    void batch.run(todo, async (pcId) => {
      const session = byPc.get(pcId);
      if (!session) throw new Error(pcId);
      const stopped = await frontdesk.stopSession(session.id, reason.trim());
      dispatch(sessionFetched(stopped));
      return stopped;
    });
  };
  const only = sessions.length === 1 ? sessions[0] : undefined;
  const guestToPay = finished && only !== undefined && only.kind !== "member" && can("money:collect") ? only : undefined;

  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="stop-dialog">
      <form onSubmit={submit} noValidate>
        <DialogTitle>{pcIds.length === 1 ? t("desk.stop.titleOne", { pc: pcIds[0] }) : t("desk.stop.titleMany", { count: sessions.length })}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {!batch.started && (
              <>
                <Stack direction="row" sx={{ gap: 1, flexWrap: "wrap" }}>
                  {REASONS.map((key) => (
                    <Chip key={key} label={t(`desk.stop.reasons.${key}`)} onClick={() => setReason(t(`desk.stop.reasons.${key}`))} variant={reason === t(`desk.stop.reasons.${key}`) ? "filled" : "outlined"} data-testid={`reason-${key}`} />
                  ))}
                </Stack>
                <TextField
                  label={t("desk.stop.reason")}
                  value={reason}
                  onChange={(event) => setReason(event.target.value)}
                  autoFocus
                  required
                  error={tried && problem !== null}
                  helperText={tried && problem !== null ? t(`common.errors.${problem}`) : t("desk.stop.reasonHint")}
                  slotProps={{ htmlInput: { maxLength: 200, "data-testid": "stop-reason" } }}
                />
              </>
            )}
            <BatchResults outcomes={batch.outcomes} describe={(session) => t("desk.stop.done", { cost: format.money(session.cost ?? 0) })} />
            {guestToPay && (
              <Box>
                <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 700, mb: 1 }}>
                  {t("desk.pay.title")}
                </Typography>
                <GuestPayment sessionId={guestToPay.id} />
              </Box>
            )}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button ref={closeButton} onClick={onClose}>{finished ? t("desk.close") : t("desk.cancel")}</Button>
          {!finished && (
            <Button type="submit" variant="contained" color="error" disabled={batch.running || sessions.length === 0} data-testid="stop-confirm">
              {batch.started ? t("desk.retryFailed", { count: batch.failed.length }) : t("desk.stop.confirm", { count: sessions.length })}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}
