/**
 * One clock for the whole map, ticking on the second: every tile that counts down reads it, so 200 tiles
 * share one timer and change together, and tiles without a countdown never redraw for it.
 */
import { useSyncExternalStore } from "react";

const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setTimeout> | null = null;

function tick(): void {
  now = Date.now();
  for (const listener of listeners) listener();
  // Aligned on the wall clock's second, so the countdowns change in step with a watch.
  timer = setTimeout(tick, 1000 - (now % 1000) + 5);
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    now = Date.now();
    timer = setTimeout(tick, 1000 - (now % 1000) + 5);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  };
}

const noSubscription = () => () => undefined;
const frozen = () => 0;

/** The clock, when `ticking`; else 0 and no redraws (a tile with no session to count down). */
export function useClock(ticking = true): number {
  return useSyncExternalStore(ticking ? subscribe : noSubscription, ticking ? () => now : frozen);
}
