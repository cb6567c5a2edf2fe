/** Faults the whole console should show (one non-blocking notice), reported by the API module. */
export type Fault = { kind: "offline" } | { kind: "server"; status: number } | { kind: "busy"; retryAfterS: number | null } | { kind: "forbidden"; message: string };

type FaultListener = (fault: Fault) => void;
const listeners = new Set<FaultListener>();

export function onFault(listener: FaultListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function reportFault(fault: Fault): void {
  for (const listener of listeners) listener(fault);
}
