/**
 * The inventory kept current by the live feed: a pushed `stock.alert` (a product fell to its low-stock
 * level, or is back above it) or a sale paid or refunded refetches the inventory's queries (stock,
 * alerts, movements) at once, instead of waiting for the stock page's slow poll.
 */
import { useQuery } from "@tanstack/react-query";

import { useRefetchOnPush } from "../../live/refetch";
import { useAppSelector } from "../../live/store";
import { inventory } from "./api";
import { stockTone } from "./logic";

export const INVENTORY_KEY = ["inventory"] as const;
export const STOCK_KEY = [...INVENTORY_KEY, "stock"] as const;
const REFRESH_MS = 300;

export function useInventoryLive(): void {
  useRefetchOnPush(
    useAppSelector((state) => state.live.stockPushes),
    INVENTORY_KEY,
    REFRESH_MS,
  );
}

/** How many products are low on stock or out of it at the hub's branch: the stock page's own count. */
export function useLowStockCount(): number | undefined {
  const stock = useQuery({ queryKey: STOCK_KEY, queryFn: inventory.stock });
  return stock.data?.items.filter((row) => stockTone(row) !== "ok").length;
}
