/** The data grid in the user's language: MUI's Russian texts, our Uzbek ones for what a paged list shows. */
import type { GridLocaleText } from "@mui/x-data-grid";
import { ruRU } from "@mui/x-data-grid/locales";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";

import "./messages";

export const PAGE_SIZES = [25, 50, 100];

/**
 * The page's CSP nonce (the hub writes it into index.html): the grid injects a <style> tag of its own
 * for its CSS variables, which the CSP refuses without it. Pass it as the grid's `nonce`.
 */
export const GRID_NONCE: string | undefined =
  typeof document === "undefined" ? undefined : (document.querySelector<HTMLMetaElement>('meta[property="csp-nonce"]')?.nonce ?? undefined);

export function useGridLocale(): Partial<GridLocaleText> | undefined {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(() => {
    if (language === "en") return undefined;
    const shared: Partial<GridLocaleText> = {
      noRowsLabel: t("common.grid.noRows"),
      paginationRowsPerPage: t("common.grid.perPage"),
      paginationDisplayedRows: ({ from, to, count }) => t("common.grid.displayed", { from, to, count }),
      footerRowSelected: (count) => t("common.grid.selected", { count }),
    };
    return language === "ru" ? { ...ruRU.components.MuiDataGrid.defaultProps.localeText, ...shared } : shared;
  }, [t, language]);
}
