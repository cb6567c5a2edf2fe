/**
 * Alerts kept current without polling: every pushed alert (a PC's or stock's, new or changed) and every
 * reconnect of the live feed refetches the alert queries (the list and the nav's count), at most once
 * per REFRESH_MS, so a PC spamming refused messages cannot make each console hammer the hub.
 */
import { useQuery } from "@tanstack/react-query";

import { alerts } from "../../api/alerts";
import { useRefetchOnPush } from "../../live/refetch";
import { useAppSelector } from "../../live/store";

export const ALERTS_KEY = ["alerts"] as const;
export const REFRESH_MS = 300;

export function useAlertsLive(): void {
  useRefetchOnPush(
    useAppSelector((state) => state.live.alertPushes),
    ALERTS_KEY,
    REFRESH_MS,
  );
}

/** How many alerts are open (nobody acknowledged them yet): the hub's count. */
export function useOpenAlertCount(): number | undefined {
  const open = useQuery({ queryKey: [...ALERTS_KEY, "open-count"], queryFn: () => alerts.list({ state: "open" }, 0, 1) });
  return open.data?.total;
}
