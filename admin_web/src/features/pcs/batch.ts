/**
 * An action sent to several PCs at once: a few requests in flight, each PC's outcome kept, so the
 * cashier sees which PCs did it and which did not (and why), and can retry only those.
 */
import { useCallback, useEffect, useRef, useState } from "react";

export type Outcome<T> = { state: "pending" } | { state: "done"; value: T } | { state: "failed"; error: unknown };

export const IN_FLIGHT = 6;

/** Run `task` for every id, at most `inFlight` at a time; `report` hears each outcome as it comes. */
export async function runAll<T>(
  ids: readonly string[],
  task: (id: string) => Promise<T>,
  report: (id: string, outcome: Outcome<T>) => void,
  inFlight = IN_FLIGHT,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      report(id, { state: "pending" });
      try {
        report(id, { state: "done", value: await task(id) });
      } catch (error) {
        report(id, { state: "failed", error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, ids.length) }, worker));
}

export function useBatch<T>() {
  const [outcomes, setOutcomes] = useState<Record<string, Outcome<T>>>({});
  const [running, setRunning] = useState(false);
  const busy = useRef(false);
  const run = useCallback(async (ids: readonly string[], task: (id: string) => Promise<T>) => {
    if (busy.current) return;
    busy.current = true;
    setRunning(true);
    try {
      await runAll(ids, task, (id, outcome) => setOutcomes((now) => ({ ...now, [id]: outcome })));
    } finally {
      busy.current = false;
      setRunning(false);
    }
  }, []);
  const failed = Object.entries(outcomes).flatMap(([id, outcome]) => (outcome.state === "failed" ? [id] : []));
  const done = Object.entries(outcomes).flatMap(([id, outcome]) => (outcome.state === "done" ? [id] : []));
  return { outcomes, running, run, failed, done, started: Object.keys(outcomes).length > 0 };
}

/**
 * A batch dialog's Close button, focused when the batch settles: the send button that had the focus was
 * disabled (or is gone), and Escape and Enter must still reach the dialog rather than the page.
 */
export function useFocusWhenSettled(settled: boolean) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (settled) button.current?.focus();
  }, [settled]);
  return button;
}
