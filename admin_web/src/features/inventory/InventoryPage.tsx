/**
 * Inventory: stock on hand (low stock highlighted), its movements and stocktakes; the tab is kept in the URL.
 * The Export menu exports the tab's list: all the stock on hand, or the movements with their filters.
 */
import { Box, Stack, Tab, Tabs, Typography } from "@mui/material";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { ExportMenu } from "../exports/ExportMenu";
import { filtersOf } from "../exports/jobs";
import { MovementsTab, movementFilters } from "./MovementsTab";
import { StockTab } from "./StockTab";
import { StocktakesTab } from "./StocktakesTab";
import "./messages";

const TABS = ["stock", "movements", "stocktakes"] as const;
type TabName = (typeof TABS)[number];

export default function InventoryPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const asked = params.get("tab");
  const tab: TabName = (TABS as readonly string[]).includes(asked ?? "") ? (asked as TabName) : "stock";
  return (
    <Box>
      <Typography variant="h5" component="h1" sx={{ mb: 1 }}>
        {t("inventory.title")}
      </Typography>
      <Stack direction="row" sx={{ mb: 2, alignItems: "center", justifyContent: "space-between", gap: 2 }}>
        <Tabs value={tab} onChange={(_event, next: TabName) => setParams(next === "stock" ? {} : { tab: next })}>
          {TABS.map((name) => (
            <Tab key={name} value={name} label={t(`inventory.tabs.${name}`)} data-testid={`tab-${name}`} />
          ))}
        </Tabs>
        {tab === "stock" && <ExportMenu kind="stock" filters={{}} />}
        {tab === "movements" && <ExportMenu kind="stock_movements" filters={filtersOf(movementFilters(params))} formats={["csv", "xlsx"]} />}
      </Stack>
      {tab === "stock" && <StockTab />}
      {tab === "movements" && <MovementsTab />}
      {tab === "stocktakes" && <StocktakesTab />}
    </Box>
  );
}
