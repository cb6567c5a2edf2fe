/**
 * Alerts kept current without polling: every pushed alert (a PC's or stock's, new or changed) and every
 * reconnect of the live feed refetches the alert queries (the list and the nav's count), at most once
 * per REFRESH_MS, so a PC spamming refused messages cannot make each console hammer the hub.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { alerts } from "../../api/alerts";
import { useAppSelector } from "../../live/store";

export const ALERTS_KEY = ["alerts"] as const;
export const REFRESH_MS = 300;

export function useAlertsLive(): void {
  const pushes = useAppSelector((state) => state.live.alertPushes);
  const live = useAppSelector((state) => state.live.feed.state === "live");
  const client = useQueryClient();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false; // the queries fetch on mount by themselves
      return;
    }
    if (!live || timer.current !== null) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      void client.invalidateQueries({ queryKey: ALERTS_KEY });
    }, REFRESH_MS);
  }, [pushes, live, client]);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
}

/** How many alerts are open (nobody acknowledged them yet): the hub's count. */
export function useOpenAlertCount(): number | undefined {
  const open = useQuery({ queryKey: [...ALERTS_KEY, "open-count"], queryFn: () => alerts.list({ state: "open" }, 0, 1) });
  return open.data?.total;
}
