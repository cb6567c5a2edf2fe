/**
 * The proof a sensitive action asks for (refunds, staff changes): a reason for the audit log, and a fresh
 * code from the authenticator app, or the password for an account without 2FA (as the hub decides, from
 * the signed-in user's `totp_enabled`).
 */
import { Stack, TextField } from "@mui/material";
import { useTranslation } from "react-i18next";

import type { Confirmation } from "../../api/backoffice";
import { useSession } from "../../app/auth/session";
import { reason as checkReason, required, totpCode, type Check } from "./validate";

export interface ConfirmValue {
  reason: string;
  proof: string;
}

export const EMPTY_CONFIRM: ConfirmValue = { reason: "", proof: "" };

export function useUsesTotp(): boolean {
  return useSession().me?.totp_enabled === true;
}

export function confirmChecks(value: ConfirmValue, usesTotp: boolean): { reason: Check; proof: Check } {
  return { reason: checkReason(value.reason), proof: usesTotp ? totpCode(value.proof) : required(value.proof) };
}

export function confirmationOf(value: ConfirmValue, usesTotp: boolean): Confirmation {
  const reason = value.reason.trim();
  return usesTotp ? { reason, totp: value.proof.replace(/\s/g, "") } : { reason, password: value.proof };
}

interface Props {
  value: ConfirmValue;
  onChange: (value: ConfirmValue) => void;
  /** Errors to show: a key of common.errors or the hub's message, per field (after a first try). */
  errors: { reason?: string | null; proof?: string | null };
  /** Leave out the reason field (a form that asks for its reason itself, e.g. a refund's). */
  withoutReason?: boolean;
}

export function ConfirmFields({ value, onChange, errors, withoutReason = false }: Props) {
  const { t } = useTranslation();
  const usesTotp = useUsesTotp();
  const text = (error: string | null | undefined) => (error ? t(`common.errors.${error}`, { defaultValue: error }) : undefined);
  return (
    <Stack spacing={2}>
      {!withoutReason && (
        <TextField
          label={t("common.confirm.reason")}
          name="reason"
          value={value.reason}
          onChange={(event) => onChange({ ...value, reason: event.target.value })}
          error={Boolean(errors.reason)}
          helperText={text(errors.reason)}
          required
          multiline
          minRows={1}
          slotProps={{ htmlInput: { maxLength: 500 } }}
        />
      )}
      {usesTotp ? (
        <TextField
          label={t("common.confirm.totp")}
          name="totp"
          value={value.proof}
          onChange={(event) => onChange({ ...value, proof: event.target.value })}
          error={Boolean(errors.proof)}
          helperText={text(errors.proof) ?? t("common.confirm.totpHint")}
          autoComplete="one-time-code"
          required
          slotProps={{ htmlInput: { inputMode: "numeric", maxLength: 7 } }}
        />
      ) : (
        <TextField
          label={t("common.confirm.password")}
          name="password"
          type="password"
          value={value.proof}
          onChange={(event) => onChange({ ...value, proof: event.target.value })}
          error={Boolean(errors.proof)}
          helperText={text(errors.proof) ?? t("common.confirm.passwordHint")}
          autoComplete="current-password"
          required
        />
      )}
    </Stack>
  );
}
