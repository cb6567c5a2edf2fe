/** Reconnection delay after `failures` failed attempts: doubling from 0.5 s, capped at 10 s, half of it jittered. */
const MAX_BACKOFF_MS = 10_000;

export function backoffMs(failures: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.max(0, failures - 1));
  return Math.round(base / 2 + (random() * base) / 2);
}
