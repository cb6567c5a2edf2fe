/**
 * A command to one or several PCs: a message, lock, unlock (with its confirmation), restart or shutdown.
 * Each PC's acknowledgement (or its silence) is shown as it comes; the hub waits for the agent's answer.
 */
import { Alert, Button, Chip, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField, Typography } from "@mui/material";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { frontdesk, type CommandView } from "../../api/frontdesk";
import { ApiError } from "../../api/errors";
import { messageOf } from "../../app/errors";
import { pcLockReported, pcMaintenanceReported } from "../../live/slice";
import { useAppDispatch, useAppSelector } from "../../live/store";
import "../sessions/messages";
import { messageProblem } from "../sessions/validators";
import type { CommandKind } from "./actions";
import { useBatch, useFocusWhenSettled } from "./batch";
import { BatchResults } from "./BatchResults";
import { confirmationOf, confirmChecks, ConfirmFields, EMPTY_CONFIRM, useUsesTotp, type ConfirmValue } from "../common/ConfirmFields";

const TEMPLATES = ["endsSoon", "comeToDesk", "quiet"] as const;

export default function CommandDialog({ kind, pcIds, onClose }: { kind: CommandKind; pcIds: string[]; onClose: () => void }) {
  const { t } = useTranslation();
  const dispatch = useAppDispatch();
  const batch = useBatch<CommandView>();
  const [text, setText] = useState("");
  const [proof, setProof] = useState<ConfirmValue>(EMPTY_CONFIRM);
  const [tried, setTried] = useState(false);
  const totp = useUsesTotp();
  const inSession = useAppSelector((state) => pcIds.filter((id) => Boolean(state.live.pcs.entities[id]?.session_id)).length);

  const problem = kind === "message" ? messageProblem(text) : null;
  const proofProblem = kind === "unlock" ? confirmChecks(proof, totp) : { reason: null, proof: null };
  const valid = problem === null && proofProblem.reason === null && proofProblem.proof === null;
  // Send again only to the PCs that did not do it (a retry never repeats a done command).
  const todo = batch.started ? batch.failed : pcIds;
  const finished = batch.started && !batch.running && batch.failed.length === 0;
  const closeButton = useFocusWhenSettled(batch.started && !batch.running);
  // A wrong or reused confirmation code is said next to its field.
  const proofError = Object.values(batch.outcomes).find(
    (outcome) => outcome.state === "failed" && outcome.error instanceof ApiError && outcome.error.code.startsWith("confirmation"),
  );

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (!valid || batch.running || finished) return;
    const confirmation = kind === "unlock" ? confirmationOf(proof, totp) : undefined;
    void batch.run(todo, async (pcId) => {
      const command = await frontdesk.sendCommand(pcId, kind, kind === "message" ? text.trim() : undefined, confirmation);
      if (command.state === "done" && (kind === "lock" || kind === "unlock")) {
        dispatch(pcLockReported({ pcId, locked: kind === "lock", at: command.done_at ?? command.issued_at }));
      }
      if (command.state === "done" && kind === "maintenance") dispatch(pcMaintenanceReported({ pcId }));
      return command;
    });
    // A code is good once: a retry needs a fresh one.
    if (kind === "unlock" && totp) setProof((now) => ({ ...now, proof: "" }));
  };

  const describe = (command: CommandView) =>
    command.state === "done" ? t("pcs.command.acknowledged") : t("pcs.command.outcome", { state: command.state, detail: command.detail ?? "" });

  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="command-dialog">
      <form onSubmit={submit} noValidate>
        <DialogTitle>
          {t(`pcs.actions.${kind}`)}: {pcIds.length === 1 ? pcIds[0] : t("pcs.selectedCount", { count: pcIds.length })}
        </DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {pcIds.length > 1 && (
              <Typography variant="body2" color="text.secondary">
                {pcIds.join(", ")}
              </Typography>
            )}
            {kind === "message" && (
              <>
                <Stack direction="row" sx={{ gap: 1, flexWrap: "wrap" }}>
                  {TEMPLATES.map((template) => (
                    <Chip key={template} label={t(`pcs.templates.${template}`)} onClick={() => setText(t(`pcs.templates.${template}`))} variant="outlined" size="small" />
                  ))}
                </Stack>
                <TextField
                  label={t("pcs.command.text")}
                  value={text}
                  onChange={(event) => setText(event.target.value)}
                  multiline
                  minRows={2}
                  autoFocus
                  required
                  error={tried && problem !== null}
                  helperText={tried && problem !== null ? t(`desk.problems.${problem}`) : t("pcs.command.textHint")}
                  slotProps={{ htmlInput: { maxLength: 1000, "data-testid": "command-text" } }}
                />
              </>
            )}
            {kind === "unlock" && (
              <>
                <Alert severity="warning">{t("pcs.command.unlockWarning")}</Alert>
                <ConfirmFields
                  value={proof}
                  onChange={setProof}
                  errors={{
                    reason: tried ? proofProblem.reason : null,
                    proof: proofError?.state === "failed" ? messageOf(proofError.error, t) : tried ? proofProblem.proof : null,
                  }}
                />
              </>
            )}
            {(kind === "restart" || kind === "shutdown") && (
              <Alert severity={inSession > 0 ? "warning" : "info"}>
                {inSession > 0 ? t("pcs.command.busyWarning", { count: inSession }) : t(`pcs.command.${kind}Hint`)}
              </Alert>
            )}
            {kind === "maintenance" && <Typography>{t("pcs.command.maintenanceHint")}</Typography>}
            {kind === "lock" && <Typography>{inSession > 0 ? t("pcs.command.lockBusy", { count: inSession }) : t("pcs.command.lockHint")}</Typography>}
            <BatchResults outcomes={batch.outcomes} describe={describe} />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button ref={closeButton} onClick={onClose}>{finished ? t("pcs.close") : t("pcs.cancel")}</Button>
          {!finished && (
            <Button type="submit" variant="contained" disabled={batch.running} data-testid="command-send" color={kind === "shutdown" || kind === "restart" ? "warning" : "primary"}>
              {batch.started ? t("pcs.retryFailed", { count: todo.length }) : t(`pcs.command.send.${kind}`, { count: pcIds.length })}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}
