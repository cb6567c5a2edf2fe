/** Set a member's PIN or password (PUT /members/{id}/secret): the PCs' cached verifiers of the old one stop working. */
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField } from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { frontdesk, type Member } from "../../api/frontdesk";
import { messageOf } from "../../app/errors";
import "../sessions/messages";
import { secretProblem } from "../sessions/validators";
import "./messages";

export function SecretDialog({ member, onClose }: { member: Member; onClose: () => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [secret, setSecret] = useState("");
  const [tried, setTried] = useState(false);
  const save = useMutation({
    mutationFn: () => frontdesk.setSecret(member.id, secret),
    onSuccess: () => {
      setSecret("");
      void queryClient.invalidateQueries({ queryKey: ["members"] });
    },
  });
  const problem = secretProblem(secret, member.login);
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (problem !== null || save.isPending) return;
    save.mutate();
  };
  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="secret-dialog">
      <form onSubmit={submit} noValidate>
        <DialogTitle>{t("members.secret.title", { login: member.login })}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {save.isSuccess ? (
              <Alert severity="success" data-testid="secret-done">
                {t("members.secret.done")}
              </Alert>
            ) : (
              <TextField
                label={t("members.fields.secret")}
                value={secret}
                onChange={(event) => setSecret(event.target.value)}
                type="password"
                autoComplete="new-password"
                autoFocus
                required
                error={(tried && problem !== null) || save.isError}
                helperText={save.isError ? messageOf(save.error, t) : tried && problem !== null ? t(`desk.problems.${problem}`) : t("members.fields.secretHint")}
                slotProps={{ htmlInput: { maxLength: 128, "data-testid": "secret-input" } }}
              />
            )}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{save.isSuccess ? t("desk.close") : t("desk.cancel")}</Button>
          {!save.isSuccess && (
            <Button type="submit" variant="contained" disabled={save.isPending} data-testid="secret-save">
              {t("members.secret.save")}
            </Button>
          )}
        </DialogActions>
      </form>
    </Dialog>
  );
}
