/** The signed-in cashier's open shift, or null: cash and card payments need one (the hub refuses them without). */
import { useQuery } from "@tanstack/react-query";

import { ApiError } from "../../api/errors";
import { money, type Shift } from "../../api/money";
import { useSession } from "../../app/auth/session";

export const CURRENT_SHIFT = ["shifts", "current"] as const;

async function currentOrNull(): Promise<Shift | null> {
  try {
    return await money.currentShift();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

export function useCurrentShift() {
  const { can } = useSession();
  return useQuery({ queryKey: CURRENT_SHIFT, queryFn: currentOrNull, enabled: can("money:collect"), staleTime: 30_000 });
}
