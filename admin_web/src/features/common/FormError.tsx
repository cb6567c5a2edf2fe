/** A refusal that belongs to no single field, in the user's language (a fault also shows the global notice). */
import { Alert } from "@mui/material";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/errors";
import { messageOf } from "../../app/errors";

export function FormError({ error, message }: { error?: unknown; message?: string | null }) {
  const { t } = useTranslation();
  let text = message ?? null;
  if (text === null && error !== undefined && error !== null) {
    // A fault is not the user's doing: say so in their language (the hub's words are for its log).
    text = error instanceof ApiError && error.status >= 500 ? t("errors.server_error", { status: error.status }) : messageOf(error, t);
  }
  if (!text) return null;
  return (
    <Alert severity="error" data-testid="form-error">
      {text}
    </Alert>
  );
}
