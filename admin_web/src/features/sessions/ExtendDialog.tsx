/**
 * Extend sessions: a prepaid guest buys more minutes (the guest then pays the difference); a member's
 * session takes its limit again from the member's balance (after a top-up).
 */
import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField, ToggleButton, ToggleButtonGroup, Typography } from "@mui/material";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { frontdesk, type SessionView } from "../../api/frontdesk";
import { useSession } from "../../app/auth/session";
import { useFormat } from "../../app/branch";
import { sessionFetched } from "../../live/slice";
import { useAppDispatch } from "../../live/store";
import { useBatch } from "../pcs/batch";
import { BatchResults } from "../pcs/BatchResults";
import { GuestPayment } from "./GuestPayment";
import "./messages";
import { useSessionsOf } from "./useSessionsOf";
import { parseMinutes } from "./validators";

const PRESETS = [15, 30, 60, 120] as const;

export default function ExtendDialog({ pcIds, onClose }: { pcIds: string[]; onClose: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const { can } = useSession();
  const dispatch = useAppDispatch();
  const queryClient = useQueryClient();
  // The sessions as they were when the dialog opened: the batch acts on those, even as the map moves on.
  const live = useSessionsOf(pcIds);
  const [sessions] = useState(live);
  const prepaid = sessions.filter((session) => session.kind === "prepaid");
  const members = sessions.filter((session) => session.kind === "member");
  const [preset, setPreset] = useState<number | null>(30);
  const [custom, setCustom] = useState("");
  const batch = useBatch<SessionView>();
  const customMinutes = custom.trim() === "" ? null : parseMinutes(custom);
  const minutes = custom.trim() !== "" ? customMinutes : preset;
  const finished = batch.started && !batch.running && batch.failed.length === 0;

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if ((prepaid.length > 0 && minutes === null) || batch.running || finished) return;
    const todo = batch.started ? batch.failed : sessions.map((session) => session.pc_id);
    const byPc = new Map(sessions.map((session) => [session.pc_id, session]));
    void batch.run(todo, async (pcId) => {
      const session = byPc.get(pcId);
      if (!session) throw new Error(pcId);
      const extended = await frontdesk.extendSession(session.id, session.kind === "prepaid" ? (minutes ?? 0) : 0);
      dispatch(sessionFetched(extended));
      void queryClient.invalidateQueries({ queryKey: ["sessions", "one", session.id] });
      return extended;
    });
  };
  const onlyPrepaid = prepaid.length === 1 && sessions.length === 1 ? prepaid[0] : undefined;

  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="extend-dialog">
      <form onSubmit={submit} noValidate>
        <DialogTitle>{pcIds.length === 1 ? t("desk.extend.titleOne", { pc: pcIds[0] }) : t("desk.extend.titleMany", { count: sessions.length })}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {prepaid.length > 0 && !batch.started && (
              <>
                <Typography>{t("desk.extend.addMinutes", { count: prepaid.length })}</Typography>
                <ToggleButtonGroup
                  exclusive
                  fullWidth
                  value={custom.trim() === "" ? preset : null}
                  onChange={(_, next: number | null) => {
                    if (next === null) return;
                    setPreset(next);
                    setCustom("");
                  }}
                >
                  {PRESETS.map((value) => (
                    <ToggleButton key={value} value={value} data-testid={`extend-${value}`} sx={{ fontWeight: 600 }}>
                      +{format.duration(value * 60_000)}
                    </ToggleButton>
                  ))}
                </ToggleButtonGroup>
                <TextField
                  label={t("desk.start.customMinutes")}
                  value={custom}
                  onChange={(event) => setCustom(event.target.value)}
                  error={custom.trim() !== "" && customMinutes === null}
                  helperText={custom.trim() !== "" && customMinutes === null ? t("desk.problems.minutes") : undefined}
                  slotProps={{ htmlInput: { inputMode: "numeric", maxLength: 5 } }}
                />
              </>
            )}
            {members.length > 0 && !batch.started && <Alert severity="info">{t("desk.extend.memberHint", { count: members.length })}</Alert>}
            <BatchResults
              outcomes={batch.outcomes}
              describe={(session) => (session.ends_at ? t("desk.start.runsUntil", { time: format.time(session.ends_at) }) : t("desk.extend.done"))}
            />
            {finished && onlyPrepaid && can("money:collect") && (
              <Box>
                <Typography variant="subtitle1" component="h3" sx={{ fontWeight: 700, mb: 1 }}>
                  {t("desk.pay.title")}
                </Typography>
                <GuestPayment sessionId={onlyPrepaid.id} />
              </Box>
            )}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{finished ? t("desk.close") : t("desk.cancel")}</Button>
          {!finished && (
            <Button type="submit" variant="contained" disabled={batch.running || sessions.length === 0} data-testid="extend-confirm">
              {batch.started ? t("desk.retryFailed", { count: batch.failed.length }) : t("desk.extend.confirm")}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}
