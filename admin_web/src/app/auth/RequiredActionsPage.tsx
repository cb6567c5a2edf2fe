/** A limited session's required actions before the console: change the password, enrol 2FA. */
import { Alert, Button, Stack, TextField, Typography } from "@mui/material";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useNavigate, useSearchParams } from "react-router";

import { api } from "../../api/client";
import type { SessionAnswer } from "../../api/types";
import { messageOf } from "../errors";
import { AuthLayout } from "./AuthLayout";
import { EnrolTotp } from "./EnrolTotp";
import { safeNext } from "./LoginPage";
import { useSession } from "./session";

function ChangePassword({ onDone }: { onDone: (answer: SessionAnswer) => void }) {
  const { t } = useTranslation();
  const [current, setCurrent] = useState("");
  const [fresh, setFresh] = useState("");
  const [repeat, setRepeat] = useState("");
  const change = useMutation({ mutationFn: () => api.changePassword(current, fresh), onSuccess: onDone });
  const mismatch = repeat.length > 0 && fresh !== repeat;
  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    if (!mismatch) change.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack spacing={2}>
        <Typography variant="h6" component="h2">
          {t("actions.changePasswordTitle")}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {t("actions.changePasswordHint")}
        </Typography>
        {change.isError && <Alert severity="error">{messageOf(change.error, t)}</Alert>}
        <TextField label={t("actions.currentPassword")} name="current_password" type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} required />
        <TextField label={t("actions.newPassword")} name="new_password" type="password" autoComplete="new-password" value={fresh} onChange={(e) => setFresh(e.target.value)} required />
        <TextField
          label={t("actions.repeatPassword")}
          name="repeat_password"
          type="password"
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          error={mismatch}
          helperText={mismatch ? t("actions.mismatch") : " "}
          required
        />
        <Button type="submit" variant="contained" disabled={!current || !fresh || fresh !== repeat || change.isPending}>
          {t("actions.save")}
        </Button>
      </Stack>
    </form>
  );
}

export default function RequiredActionsPage() {
  const { t } = useTranslation();
  const { tokens, me, signIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  if (tokens === null) return <Navigate to="/login" replace />;
  if (tokens.scope === "full") return <Navigate to={next} replace />;
  const actions = me?.required_actions ?? [];
  const done = (answer: SessionAnswer) => {
    signIn(answer);
    if (answer.scope === "full") void navigate(next, { replace: true });
  };
  return (
    <AuthLayout title={t("actions.title")}>
      {me === undefined ? null : actions.includes("change_password") ? (
        <ChangePassword onDone={done} />
      ) : actions.includes("enroll_2fa") ? (
        <EnrolTotp onDone={done} />
      ) : (
        <Button onClick={() => void navigate("/login")}>{t("signedOut.again")}</Button>
      )}
    </AuthLayout>
  );
}
