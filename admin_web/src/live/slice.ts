/**
 * The live state of the branch: PCs, their active sessions and alerts, as the WebSocket reports them
 * (server state from ordinary requests lives in TanStack Query, not here). A snapshot from
 * `GET /pcs` and `GET /sessions?state=active` seeds it; every pushed event then updates it, in order.
 * Pure reducers: tested on their own (slice.test.ts).
 */
import { createEntityAdapter, createSlice, type PayloadAction } from "@reduxjs/toolkit";

import type { Pc, Session } from "../api/types";
import type { LiveEvent, PcAlert } from "./events";

export type FeedState = "connecting" | "live" | "down";

export interface LastAck {
  commandId: string;
  outcome: string;
  detail: string | null;
  at: number;
}

export const pcsAdapter = createEntityAdapter<Pc>({ sortComparer: (a, b) => a.id.localeCompare(b.id) });
export const sessionsAdapter = createEntityAdapter<Session>();
export const alertsAdapter = createEntityAdapter<PcAlert>({ sortComparer: (a, b) => b.last_at - a.last_at });

export const initialLiveState = {
  pcs: pcsAdapter.getInitialState(),
  sessions: sessionsAdapter.getInitialState(),
  alerts: alertsAdapter.getInitialState(),
  acks: {} as Record<string, LastAck>,
  /** Each PC's latest telemetry, apart from the PC's record so a sample does not redraw its tile. */
  telemetry: {} as Record<string, Record<string, unknown>>,
  /**
   * Whether each PC says it is locked, from its telemetry or a lock/unlock it acknowledged; forgotten when
   * a session starts or ends on it (the agent locks or unlocks then) until the PC next reports.
   */
  locks: {} as Record<string, boolean>,
  /**
   * When (the PC's own clock) each PC acknowledged the last lock or unlock sent from this console: a
   * telemetry sample sent before that is older news and does not undo it.
   */
  lockReportedAt: {} as Record<string, number>,
  /**
   * PCs put in maintenance from this console (the lock screen says the PC is serviced and takes no
   * logins) until a lock or unlock, or a session, ends it. PCs do not report it yet.
   */
  maintenance: {} as Record<string, true>,
  /** How many alerts (a PC's or stock's, new or changed) were pushed: the alerts page and badge refetch on a change. */
  alertPushes: 0,
  /**
   * How many events said stock moved (a low-stock alert raised or resolved, goods sold or refunded): the
   * stock page and the inventory's badge refetch on a change instead of polling.
   */
  stockPushes: 0,
  feed: { state: "connecting" as FeedState, since: null as number | null, failures: 0 },
  loaded: false,
};

export type LiveState = typeof initialLiveState;

function placeholderPc(id: string): Pc {
  return { id, site: "", status: "offline", status_since: null, hostname: null, group: "default", session_id: null };
}

function placeholderSession(id: string, pcId: string): Session {
  return {
    id,
    pc_id: pcId,
    kind: "unknown",
    state: "active",
    member_id: null,
    tariff_id: null,
    prepaid_minutes: null,
    budget: null,
    created_at: null,
    started_at: null,
    ends_at: null,
    ended_at: null,
    used_ms: 0,
    cost: null,
  };
}

function ensurePc(state: LiveState, id: string): Pc {
  const found = state.pcs.entities[id];
  if (found) return found;
  pcsAdapter.addOne(state.pcs, placeholderPc(id));
  return state.pcs.entities[id] as Pc;
}

function endSession(state: LiveState, sessionId: string, pcId: string): void {
  sessionsAdapter.removeOne(state.sessions, sessionId);
  if (state.pcs.entities[pcId]?.session_id === sessionId) linkSession(state, pcId, null);
}

/** `sessionId` now runs on `pcId`; the agent unlocks for a new session, so its lock state is unknown until it reports. */
function linkSession(state: LiveState, pcId: string, sessionId: string | null): void {
  const pc = ensurePc(state, pcId);
  if (pc.session_id === sessionId) return;
  pc.session_id = sessionId;
  /* eslint-disable @typescript-eslint/no-dynamic-delete -- records keyed by PC id */
  delete state.locks[pcId];
  delete state.maintenance[pcId];
  /* eslint-enable @typescript-eslint/no-dynamic-delete */
}

function applySession(state: LiveState, session: Session): void {
  if (session.state !== "active" && session.state !== "pending") {
    endSession(state, session.id, session.pc_id);
    return;
  }
  const known = state.sessions.entities[session.id];
  // Progress may have arrived before the record: keep the larger (later) figures.
  const merged = known ? { ...session, used_ms: Math.max(known.used_ms, session.used_ms) } : session;
  if (known && known.cost !== null && (merged.cost === null || known.cost > merged.cost)) merged.cost = known.cost;
  sessionsAdapter.setOne(state.sessions, merged);
  linkSession(state, session.pc_id, session.id);
}

/** One pushed event applied to the state (in the order the hub sent them). */
function applyEvent(state: LiveState, event: LiveEvent): void {
  switch (event.type) {
    case "hello":
      return;
    case "pc.status": {
      const pc = ensurePc(state, event.pc_id);
      if (pc.status !== event.status) pc.status_since = event.at;
      pc.status = event.status;
      return;
    }
    case "pc.telemetry": {
      ensurePc(state, event.pc_id);
      state.telemetry[event.pc_id] = event.telemetry;
      const { locked, sent_at: sentAt } = event.telemetry;
      const stale = typeof sentAt === "number" && sentAt < (state.lockReportedAt[event.pc_id] ?? Number.NEGATIVE_INFINITY);
      if (typeof locked === "boolean" && !stale) state.locks[event.pc_id] = locked;
      return;
    }
    case "pc.alert":
      ensurePc(state, event.pc_id);
      alertsAdapter.setOne(state.alerts, event.alert);
      state.alertPushes += 1;
      return;
    case "stock.alert":
      state.alertPushes += 1;
      state.stockPushes += 1;
      return;
    case "system.alert":
      state.alertPushes += 1;
      return;
    case "payment.created":
    case "payment.refunded":
      if (event.purpose === "sale") state.stockPushes += 1;
      return;
    case "session.started":
      if (event.session) {
        applySession(state, event.session);
      } else if (!state.sessions.entities[event.session_id]) {
        sessionsAdapter.addOne(state.sessions, placeholderSession(event.session_id, event.pc_id));
        linkSession(state, event.pc_id, event.session_id);
      }
      return;
    case "session.progress": {
      if (!state.sessions.entities[event.session_id]) {
        sessionsAdapter.addOne(state.sessions, placeholderSession(event.session_id, event.pc_id));
        linkSession(state, event.pc_id, event.session_id);
      }
      const session = state.sessions.entities[event.session_id];
      if (!session) return;
      // Checkpoints can arrive out of order across hub replicas: time and cost never go back.
      session.used_ms = Math.max(session.used_ms, event.used_ms);
      session.cost = Math.max(session.cost ?? 0, event.cost);
      return;
    }
    case "session.ended":
      endSession(state, event.session_id, event.pc_id);
      return;
    case "command.ack":
      state.acks[event.pc_id] = {
        commandId: event.command_id,
        outcome: event.outcome,
        detail: event.detail,
        at: event.done_at,
      };
      return;
  }
}

const live = createSlice({
  name: "live",
  initialState: initialLiveState,
  reducers: {
    snapshotLoaded(state, action: PayloadAction<{ pcs: Pc[]; sessions: Session[] }>) {
      pcsAdapter.setAll(state.pcs, action.payload.pcs);
      for (const pc of action.payload.pcs) {
        const locked = pc.telemetry?.locked;
        if (typeof locked === "boolean") state.locks[pc.id] = locked;
      }
      sessionsAdapter.removeAll(state.sessions);
      for (const session of action.payload.sessions) applySession(state, session);
      state.loaded = true;
    },
    sessionFetched(state, action: PayloadAction<Session>) {
      applySession(state, action.payload);
    },
    feedChanged(state, action: PayloadAction<{ state: FeedState; at: number }>) {
      const { state: next, at } = action.payload;
      if (next === "live") state.feed.failures = 0;
      if (next === "down") state.feed.failures += 1;
      if (state.feed.state !== next) state.feed.since = at;
      state.feed.state = next;
    },
    eventReceived(state, action: PayloadAction<LiveEvent>) {
      applyEvent(state, action.payload);
    },
    /** Events as the socket batches them (one store update, one redraw, for all that came in a moment). */
    eventsReceived(state, action: PayloadAction<LiveEvent[]>) {
      for (const event of action.payload) applyEvent(state, event);
    },
    /** A PC acknowledged a lock or an unlock sent from this console at `at` (either ends its maintenance). */
    pcLockReported(state, action: PayloadAction<{ pcId: string; locked: boolean; at: number }>) {
      state.locks[action.payload.pcId] = action.payload.locked;
      state.lockReportedAt[action.payload.pcId] = action.payload.at;
      // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a record keyed by PC id
      delete state.maintenance[action.payload.pcId];
    },
    /** A PC acknowledged the maintenance command sent from this console. */
    pcMaintenanceReported(state, action: PayloadAction<{ pcId: string }>) {
      state.maintenance[action.payload.pcId] = true;
    },
    signedOut() {
      return initialLiveState;
    },
  },
});

export const {
  snapshotLoaded,
  sessionFetched,
  feedChanged,
  eventReceived,
  eventsReceived,
  pcLockReported,
  pcMaintenanceReported,
  signedOut,
} = live.actions;
export default live.reducer;
