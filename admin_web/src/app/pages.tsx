/** Small pages of the shell: forbidden, not found, the start redirect, and one's own account. */
import { Alert, Box, Button, Paper, Stack, Typography } from "@mui/material";
import { useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Link as RouterLink } from "react-router";

import type { SessionAnswer } from "../api/types";
import { EnrolTotp } from "./auth/EnrolTotp";
import { useSession } from "./auth/session";
import { homeFor } from "./nav";

function Message({ title, children }: { title: string; children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Paper sx={{ p: 4, maxWidth: 640 }}>
      <Typography variant="h5" component="h1" sx={{ mb: 2 }}>
        {title}
      </Typography>
      {children}
      <Button component={RouterLink} to="/" sx={{ mt: 2 }}>
        {t("forbidden.home")}
      </Button>
    </Paper>
  );
}

export function Forbidden() {
  const { t } = useTranslation();
  return (
    <Message title={t("forbidden.title")}>
      <Alert severity="warning" data-testid="forbidden">
        {t("forbidden.body")}
      </Alert>
    </Message>
  );
}

export function NotFound() {
  const { t } = useTranslation();
  return <Message title={t("notFound.title")}>{null}</Message>;
}

/** A screen the user's role may not open: a clear message instead of a page of errors. */
export function Allowed({ permission, children }: { permission: string; children: ReactNode }) {
  const { me, can } = useSession();
  if (me === undefined) return null;
  return can(permission) ? <>{children}</> : <Forbidden />;
}

export function Home() {
  const { me, can } = useSession();
  if (me === undefined) return null;
  return <Navigate to={homeFor(can)} replace />;
}

export function AccountPage() {
  const { t } = useTranslation();
  const { me, signIn } = useSession();
  const [enrolling, setEnrolling] = useState(false);
  const [done, setDone] = useState(false);
  if (me === undefined) return null;
  const finish = (answer: SessionAnswer) => {
    signIn(answer);
    setEnrolling(false);
    setDone(true);
  };
  return (
    <Paper sx={{ p: 4, maxWidth: 640 }}>
      <Typography variant="h5" component="h1" sx={{ mb: 2 }}>
        {t("account.title")}
      </Typography>
      <Stack spacing={1} sx={{ mb: 2 }}>
        <Typography>
          {t("account.username")}: <b>{me.username}</b>
        </Typography>
        <Typography>
          {t("account.role")}: <b>{t(`roles.${me.role}`, { defaultValue: me.role })}</b>
        </Typography>
        <Typography>
          {t("account.twoFactor")}: <b>{me.totp_enabled || done ? t("account.on") : t("account.off")}</b>
        </Typography>
      </Stack>
      {done && <Alert severity="success">{t("actions.enabled")}</Alert>}
      {!me.totp_enabled && !done && (
        <Box>
          {enrolling ? <EnrolTotp onDone={finish} /> : <Button variant="outlined" onClick={() => setEnrolling(true)}>{t("actions.enableNow")}</Button>}
        </Box>
      )}
    </Paper>
  );
}
