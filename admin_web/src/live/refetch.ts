/**
 * Server data kept current by the live feed instead of polling: when a counter of pushed events moves
 * (the slice counts the events that say some data changed) or the feed comes back after a drop, the
 * queries under `queryKey` are refetched, at most once per `delayMs`, so a burst of events (a PC
 * spamming alerts, a rush of sales) costs the hub one request per console, not one per event.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { useAppSelector } from "./store";

export function useRefetchOnPush(pushes: number, queryKey: readonly unknown[], delayMs: number): void {
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
      void client.invalidateQueries({ queryKey });
    }, delayMs);
  }, [pushes, live, client, queryKey, delayMs]);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );
}
