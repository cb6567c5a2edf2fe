/** The branch's settings (name, currency, timezone, language) and the formatters bound to them. */
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

import { api } from "../api/client";
import type { Branch } from "../api/types";
import { formatCountdown, formatDateTime, formatDuration, formatMoney, formatTime, isLanguage, type Language } from "../i18n/format";

export function useBranch(enabled = true): Branch | undefined {
  const branches = useQuery({ queryKey: ["branches"], queryFn: api.branches, enabled, staleTime: 5 * 60_000 });
  return branches.data?.items[0];
}

export interface Formatters {
  language: Language;
  money: (minor: number) => string;
  duration: (ms: number) => string;
  countdown: (ms: number) => string;
  dateTime: (epochMs: number) => string;
  time: (epochMs: number) => string;
}

export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  const branch = useBranch();
  const language: Language = isLanguage(i18n.language) ? i18n.language : "en";
  const currency = branch?.currency ?? "UZS";
  const timezone = branch?.timezone ?? "UTC";
  return useMemo(
    () => ({
      language,
      money: (minor: number) => formatMoney(minor, currency, language),
      duration: (ms: number) => formatDuration(ms, language),
      countdown: formatCountdown,
      dateTime: (epochMs: number) => formatDateTime(epochMs, timezone, language),
      time: (epochMs: number) => formatTime(epochMs, timezone, language),
    }),
    [language, currency, timezone],
  );
}
