/** Sign in: username and password, then the TOTP step when the account has 2FA. */
import { Alert, Button, Stack, TextField, Typography } from "@mui/material";
import { useMutation } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useNavigate, useSearchParams } from "react-router";

import { api } from "../../api/client";
import type { MfaAnswer, SessionAnswer } from "../../api/types";
import { messageOf } from "../errors";
import { AuthLayout } from "./AuthLayout";
import { useSession } from "./session";

/** Only a path inside the console: never an address elsewhere (an open redirect). */
export function safeNext(value: string | null): string {
  return value !== null && value.startsWith("/") && !value.startsWith("//") ? value : "/";
}

export default function LoginPage() {
  const { t } = useTranslation();
  const { tokens, signIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get("next"));
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [mfa, setMfa] = useState<MfaAnswer | null>(null);
  const [code, setCode] = useState("");

  const finish = (answer: SessionAnswer) => {
    signIn(answer);
    if (answer.scope !== "full") {
      void navigate(`/welcome?next=${encodeURIComponent(next)}`, { replace: true });
    } else {
      const left = answer.recovery_codes_left;
      void navigate(next, { replace: true, state: left !== undefined ? { recoveryLeft: left } : undefined });
    }
  };

  const passwordStep = useMutation({
    mutationFn: () => api.login(username.trim(), password),
    onSuccess: (answer) => {
      if ("mfa_required" in answer) {
        setMfa(answer);
        setPassword("");
      } else {
        finish(answer);
      }
    },
  });
  const codeStep = useMutation({
    mutationFn: (mfaToken: string) => api.loginSecondFactor(mfaToken, code.replace(/\s/g, "")),
    onSuccess: finish,
  });

  if (tokens?.scope === "full" && !passwordStep.isPending && !codeStep.isPending) return <Navigate to={next} replace />;

  if (mfa !== null) {
    const submit = (event: SyntheticEvent) => {
      event.preventDefault();
      codeStep.mutate(mfa.mfa_token);
    };
    return (
      <AuthLayout title={t("login.mfaTitle")}>
        <form onSubmit={submit} noValidate>
          <Stack spacing={2}>
            <Typography variant="body2" color="text.secondary">
              {t("login.mfaHint")}
            </Typography>
            {codeStep.isError && <Alert severity="error">{messageOf(codeStep.error, t)}</Alert>}
            <TextField
              label={t("login.code")}
              name="code"
              value={code}
              onChange={(event) => setCode(event.target.value)}
              autoComplete="one-time-code"
              autoFocus
              required
              slotProps={{ htmlInput: { inputMode: "numeric", maxLength: 64 } }}
            />
            <Button type="submit" variant="contained" size="large" disabled={code.trim().length < 6 || codeStep.isPending}>
              {t("login.verify")}
            </Button>
            <Button
              onClick={() => {
                setMfa(null);
                setCode("");
                codeStep.reset();
              }}
            >
              {t("login.back")}
            </Button>
          </Stack>
        </form>
      </AuthLayout>
    );
  }

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    passwordStep.mutate();
  };
  return (
    <AuthLayout title={t("login.title")}>
      <form onSubmit={submit} noValidate>
        <Stack spacing={2}>
          {passwordStep.isError && <Alert severity="error">{messageOf(passwordStep.error, t)}</Alert>}
          <TextField
            label={t("login.username")}
            name="username"
            value={username}
            onChange={(event) => setUsername(event.target.value)}
            autoComplete="username"
            autoFocus
            required
          />
          <TextField
            label={t("login.password")}
            name="password"
            type="password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            autoComplete="current-password"
            required
          />
          <Button type="submit" variant="contained" size="large" disabled={!username.trim() || !password || passwordStep.isPending}>
            {t("login.submit")}
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
}
