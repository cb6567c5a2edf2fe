/** A refusal that belongs to no single field, in the user's language (a fault also shows the global notice). */
import { Alert } from "@mui/material";
import { useTranslation } from "react-i18next";

import { messageOf } from "../../app/errors";

export function FormError({ error, message }: { error?: unknown; message?: string | null }) {
  const { t } = useTranslation();
  const text = message ?? (error === undefined || error === null ? null : messageOf(error, t));
  if (!text) return null;
  return (
    <Alert severity="error" data-testid="form-error">
      {text}
    </Alert>
  );
}
