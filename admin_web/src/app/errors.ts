/** An API failure as a sentence in the user's language (known codes translated, else the hub's words). */
import type { TFunction } from "i18next";

import { ApiError } from "../api/errors";

export function messageOf(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError)) return t("errors.server_error", { status: "?" });
  switch (error.code) {
    case "invalid_credentials":
    case "invalid_code":
    case "invalid_token":
    case "network":
      return t(`errors.${error.code}`);
    case "server_error":
      return t("errors.server_error", { status: error.status });
    default:
      if (error.status === 429) return t("errors.too_many", { seconds: Math.ceil(error.retryAfterS ?? 30) });
      return error.message;
  }
}
