/** A new member (login, name, phone, PIN or password), or a member's name and phone changed. */
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, TextField } from "@mui/material";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import { frontdesk, type Member } from "../../api/frontdesk";
import { messageOf } from "../../app/errors";
import "../sessions/messages";
import { loginProblem, phoneProblem, secretProblem } from "../sessions/validators";
import "./messages";

/** Which field the hub's refusal is about, from its message, to show it there (else above the form). */
function fieldOf(error: unknown): "login" | "phone" | "secret" | null {
  if (!(error instanceof ApiError)) return null;
  if (error.code === "login_taken") return "login";
  const text = error.message.toLowerCase();
  if (text.includes("phone")) return "phone";
  if (text.includes("pin") || text.includes("password")) return "secret";
  if (text.includes("login")) return "login";
  return null;
}

export function MemberFormDialog({ member, onClose, onSaved }: { member?: Member; onClose: () => void; onSaved: (member: Member) => void }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const editing = member !== undefined;
  const [login, setLogin] = useState(member?.login ?? "");
  const [name, setName] = useState(member?.name ?? "");
  const [phone, setPhone] = useState(member?.phone ?? "");
  const [secret, setSecret] = useState("");
  const [tried, setTried] = useState(false);

  const save = useMutation({
    mutationFn: () =>
      editing
        ? frontdesk.updateMember(member.id, { name: name.trim(), phone: phone.trim() })
        : frontdesk.createMember({ login: login.trim(), name: name.trim(), secret, ...(phone.trim() ? { phone: phone.trim() } : {}) }),
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: ["members"] });
      onSaved(saved);
    },
  });

  const problems = {
    login: editing ? null : loginProblem(login),
    phone: phoneProblem(phone),
    secret: editing ? null : secretProblem(secret, login),
  };
  const failedField = fieldOf(save.error);
  const failure = save.isError ? messageOf(save.error, t) : null;
  const help = (field: "login" | "phone" | "secret", hint: string) => {
    if (failedField === field && failure) return failure;
    const problem = problems[field];
    return tried && problem !== null ? t(`desk.problems.${problem}`) : hint;
  };
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.values(problems).some((problem) => problem !== null) || save.isPending) return;
    save.mutate();
  };

  return (
    <Dialog open onClose={onClose} maxWidth="sm" fullWidth data-testid="member-form">
      <form onSubmit={submit} noValidate>
        <DialogTitle>{editing ? t("members.edit.title", { login: member.login }) : t("members.create.title")}</DialogTitle>
        <DialogContent>
          <Stack spacing={2} sx={{ pt: 1 }}>
            {failure && failedField === null && (
              <Alert severity={save.error instanceof ApiError && save.error.status === 405 ? "info" : "error"}>
                {save.error instanceof ApiError && save.error.status === 405 ? t("members.edit.unavailable") : failure}
              </Alert>
            )}
            {!editing && (
              <TextField
                label={t("members.fields.login")}
                value={login}
                onChange={(event) => setLogin(event.target.value)}
                required
                autoFocus
                error={(tried && problems.login !== null) || failedField === "login"}
                helperText={help("login", t("members.fields.loginHint"))}
                slotProps={{ htmlInput: { maxLength: 32, autoCapitalize: "none", "data-testid": "member-login" } }}
              />
            )}
            <TextField
              label={t("members.fields.name")}
              value={name}
              onChange={(event) => setName(event.target.value)}
              autoFocus={editing}
              slotProps={{ htmlInput: { maxLength: 100, "data-testid": "member-name" } }}
            />
            <TextField
              label={t("members.fields.phone")}
              value={phone}
              onChange={(event) => setPhone(event.target.value)}
              error={(tried && problems.phone !== null) || failedField === "phone"}
              helperText={help("phone", t("members.fields.phoneHint"))}
              slotProps={{ htmlInput: { maxLength: 32, inputMode: "tel", "data-testid": "member-phone" } }}
            />
            {!editing && (
              <TextField
                label={t("members.fields.secret")}
                value={secret}
                onChange={(event) => setSecret(event.target.value)}
                type="password"
                autoComplete="new-password"
                required
                error={(tried && problems.secret !== null) || failedField === "secret"}
                helperText={help("secret", t("members.fields.secretHint"))}
                slotProps={{ htmlInput: { maxLength: 128, "data-testid": "member-secret" } }}
              />
            )}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t("desk.cancel")}</Button>
          <Button type="submit" variant="contained" disabled={save.isPending} data-testid="member-save">
            {editing ? t("members.edit.save") : t("members.create.save")}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
