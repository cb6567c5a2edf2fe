/**
 * The live feed: a snapshot of PCs and active sessions, then `/api/v1/ws` events into the live slice.
 *
 * When the socket closes, the feed shows as down and reconnects with capped, jittered back-off; every
 * (re)connect reloads the snapshot first, so nothing missed while down stays missing, and that request
 * also renews an expired access token (or ends in "signed out" when the session is over). A close
 * with an application code (4000-4999) or 1008 means the hub ended this token: renew it before retrying.
 * No polling: between connects, only pushed events change the state.
 */
import { api, auth, liveFeedUrl } from "../api/client";
import { ApiError } from "../api/errors";
import { backoffMs } from "./backoff";
import { parseEvent } from "./events";
import type { LiveEvent } from "./events";
import { eventsReceived, feedChanged, sessionFetched, snapshotLoaded } from "./slice";
import type { AppDispatch } from "./store";

/**
 * Events are applied in batches, at most this long after the first of a batch arrived: with hundreds of
 * PCs reporting every second, one store update (and one redraw) per batch instead of one per event.
 */
export const BATCH_MS = 50;

export class LiveFeed {
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private stopped = false;
  private pending: LiveEvent[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly dispatch: AppDispatch) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.pending = [];
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, "console closed");
  }

  /** Read through a method: `stop()` may run while `connect()` awaits, which flow analysis cannot see. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.dispatch(feedChanged({ state: this.failures === 0 ? "connecting" : "down", at: Date.now() }));
    try {
      const [pcs, sessions] = await Promise.all([api.pcs(), api.activeSessions()]);
      if (this.isStopped()) return;
      this.flush(); // events of the last connection come before the new snapshot, never after it
      this.dispatch(snapshotLoaded({ pcs: pcs.items, sessions: sessions.items }));
    } catch (error) {
      // Signed out (the session is over) stops the feed; anything else is retried.
      if (auth.accessToken() === null || (error instanceof ApiError && error.status === 403)) return;
      this.retry();
      return;
    }
    const token = auth.accessToken();
    if (token === null || this.isStopped()) return;
    const socket = new WebSocket(liveFeedUrl(token));
    this.socket = socket;
    socket.onopen = () => {
      this.failures = 0;
      this.dispatch(feedChanged({ state: "live", at: Date.now() }));
    };
    socket.onmessage = (message) => {
      const event = parseEvent(message.data);
      if (event === null) return;
      this.queue(event);
      if (event.type === "session.started" && !event.session) {
        api.session(event.session_id).then(
          (session) => this.dispatch(sessionFetched(session)),
          () => undefined, // the next snapshot fills it in
        );
      }
    };
    socket.onclose = (close) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      if (close.code === 1008 || (close.code >= 4000 && close.code < 5000)) {
        // The hub ended this token (expired or revoked): renew it, or the session is over.
        auth.refresh(token).then(
          (fresh) => {
            if (fresh !== null) this.retry(0);
          },
          () => this.retry(),
        );
        this.dispatch(feedChanged({ state: "down", at: Date.now() }));
        return;
      }
      this.retry();
    };
  }

  private queue(event: LiveEvent): void {
    this.pending.push(event);
    this.flushTimer ??= setTimeout(() => this.flush(), BATCH_MS);
  }

  private flush(): void {
    if (this.flushTimer !== null) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.dispatch(eventsReceived(events));
  }

  private retry(delayMs?: number): void {
    if (this.stopped) return;
    this.failures += 1;
    this.dispatch(feedChanged({ state: "down", at: Date.now() }));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delayMs ?? backoffMs(this.failures));
  }
}
