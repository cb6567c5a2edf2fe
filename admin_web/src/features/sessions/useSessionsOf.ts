/** The live sessions running on these PCs (from the live slice), in the order of the PCs. */
import { shallowEqual } from "react-redux";

import type { Session } from "../../api/types";
import { useAppSelector } from "../../live/store";

export function useSessionsOf(pcIds: readonly string[]): Session[] {
  return useAppSelector(
    (state) =>
      pcIds.flatMap((pcId) => {
        const sessionId = state.live.pcs.entities[pcId]?.session_id;
        const session = sessionId ? state.live.sessions.entities[sessionId] : undefined;
        return session ? [session] : [];
      }),
    shallowEqual,
  );
}
