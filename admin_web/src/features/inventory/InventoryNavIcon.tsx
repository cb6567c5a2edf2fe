/** The inventory's menu icon with how many products are low on stock; it also keeps the inventory live. */
import WarehouseIcon from "@mui/icons-material/Warehouse";
import { Badge } from "@mui/material";
import { useTranslation } from "react-i18next";

import { useInventoryLive, useLowStockCount } from "./live";
import "./messages";

export function InventoryNavIcon() {
  const { t } = useTranslation();
  useInventoryLive();
  const count = useLowStockCount() ?? 0;
  return (
    <Badge badgeContent={count} color="warning" max={99} data-testid="low-stock-badge" data-count={count} aria-label={count > 0 ? t("inventory.lowBadge", { count }) : undefined}>
      <WarehouseIcon />
    </Badge>
  );
}
