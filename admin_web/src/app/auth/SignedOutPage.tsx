/** Signed out (logout, idle or absolute timeout, ended elsewhere): why, and the way back to where the user was. */
import { Alert, Button, Stack, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";
import { Link as RouterLink, useSearchParams } from "react-router";

import { AuthLayout } from "./AuthLayout";
import { safeNext } from "./LoginPage";

const REASONS = ["idle", "expired", "ended", "reused", "logout"] as const;
type Reason = (typeof REASONS)[number];

export default function SignedOutPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const raw = params.get("reason");
  const reason: Reason = REASONS.find((r) => r === raw) ?? "ended";
  const from = params.get("from");
  const next = safeNext(from);
  return (
    <AuthLayout title={t("signedOut.title")}>
      <Stack spacing={2} data-testid="signed-out">
        <Alert severity={reason === "logout" ? "success" : reason === "reused" ? "warning" : "info"}>{t(`signedOut.${reason}`)}</Alert>
        {from !== null && next !== "/" && (
          <Typography variant="body2" color="text.secondary">
            {t("signedOut.backTo", { path: next })}
          </Typography>
        )}
        <Button component={RouterLink} to={`/login?next=${encodeURIComponent(next)}`} variant="contained" size="large">
          {t("signedOut.again")}
        </Button>
      </Stack>
    </AuthLayout>
  );
}
