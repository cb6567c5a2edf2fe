/** 2FA enrolment: the QR code (the hub's SVG, shown as an image, never as markup), the code, then the recovery codes once. */
import { Alert, Box, Button, List, ListItem, Stack, TextField, Typography } from "@mui/material";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../../api/client";
import type { SessionAnswer } from "../../api/types";
import { messageOf } from "../errors";

export function EnrolTotp({ onDone }: { onDone: (answer: SessionAnswer) => void }) {
  const { t } = useTranslation();
  const [code, setCode] = useState("");
  const [finished, setFinished] = useState<SessionAnswer | null>(null);
  // A new secret each time the step is shown; not cached (the hub answers it no-store).
  const setup = useQuery({ queryKey: ["totp-setup"], queryFn: api.totpSetup, staleTime: Infinity, gcTime: 0, retry: false });
  const activate = useMutation({
    mutationFn: () => api.totpActivate(code.replace(/\s/g, "")),
    onSuccess: setFinished,
  });

  if (finished !== null) {
    return (
      <Stack spacing={2}>
        <Typography variant="h6" component="h2">
          {t("actions.recoveryTitle")}
        </Typography>
        <Alert severity="warning">{t("actions.recoveryHint")}</Alert>
        <List dense data-testid="recovery-codes" sx={{ fontFamily: "monospace", fontSize: "1rem", whiteSpace: "nowrap" }}>
          {(finished.recovery_codes ?? []).map((item) => (
            <ListItem key={item} sx={{ fontFamily: "inherit" }}>
              {item}
            </ListItem>
          ))}
        </List>
        <Button variant="contained" onClick={() => onDone(finished)}>
          {t("actions.recoveryDone")}
        </Button>
      </Stack>
    );
  }

  const submit = (event: SyntheticEvent) => {
    event.preventDefault();
    activate.mutate();
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack spacing={2}>
        <Typography variant="h6" component="h2">
          {t("actions.enrolTitle")}
        </Typography>
        <Typography variant="body2" color="text.secondary">
          {t("actions.enrolHint")}
        </Typography>
        {setup.isError && <Alert severity="error">{messageOf(setup.error, t)}</Alert>}
        {setup.data && (
          <>
            <Box
              component="img"
              src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.data.qr_svg)}`}
              alt={t("actions.qrAlt")}
              sx={{ width: 200, height: 200, alignSelf: "center", bgcolor: "#fff", p: 1, border: 1, borderColor: "divider" }}
            />
            <Typography variant="body2" sx={{ wordBreak: "break-all" }}>
              {t("actions.secret")}: <code data-testid="totp-secret">{setup.data.secret}</code>
            </Typography>
          </>
        )}
        {activate.isError && <Alert severity="error">{messageOf(activate.error, t)}</Alert>}
        <TextField
          label={t("login.code")}
          name="code"
          value={code}
          onChange={(event) => setCode(event.target.value)}
          autoComplete="one-time-code"
          required
          slotProps={{ htmlInput: { inputMode: "numeric", maxLength: 16 } }}
        />
        <Button type="submit" variant="contained" disabled={!setup.data || code.trim().length < 6 || activate.isPending}>
          {t("actions.activate")}
        </Button>
      </Stack>
    </form>
  );
}
