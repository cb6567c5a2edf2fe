/** Opens the dialog of the chosen action for its PCs (each dialog is its own chunk, loaded on first use). */
import { lazy, Suspense } from "react";

import type { ActionKind } from "./actions";
import { isCommand } from "./actions";

const StartSessionDialog = lazy(() => import("../sessions/StartSessionDialog"));
const ExtendDialog = lazy(() => import("../sessions/ExtendDialog"));
const StopDialog = lazy(() => import("../sessions/StopDialog"));
const PaymentDialog = lazy(() => import("../sessions/PaymentDialog"));
const PriceDialog = lazy(() => import("../sessions/PriceDialog"));
const CommandDialog = lazy(() => import("./CommandDialog"));

export interface PendingAction {
  kind: ActionKind;
  pcIds: string[];
}

/** Loads the dialogs' code while the cashier looks at the map, so the first click opens at once. */
export function preloadDialogs(): void {
  void import("../sessions/StartSessionDialog");
  void import("../sessions/StopDialog");
  void import("./CommandDialog");
}

export function ActionHost({ action, onClose }: { action: PendingAction | null; onClose: () => void }) {
  if (action === null) return null;
  const { kind, pcIds } = action;
  const first = pcIds[0] ?? "";
  return (
    <Suspense fallback={null}>
      {kind === "start" && <StartSessionDialog pcIds={pcIds} onClose={onClose} />}
      {kind === "extend" && <ExtendDialog pcIds={pcIds} onClose={onClose} />}
      {kind === "stop" && <StopDialog pcIds={pcIds} onClose={onClose} />}
      {kind === "pay" && <PaymentDialog pcId={first} onClose={onClose} />}
      {kind === "price" && <PriceDialog pcId={first} onClose={onClose} />}
      {isCommand(kind) && <CommandDialog kind={kind} pcIds={pcIds} onClose={onClose} />}
    </Suspense>
  );
}
