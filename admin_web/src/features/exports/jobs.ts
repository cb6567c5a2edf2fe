/**
 * The exports this tab asked for, as the toasts show them: updated by the hub's WebSocket events
 * (export.progress, export.done, export.failed: sent to the asking user's sockets only) and, as a safety
 * net when the socket is down, by reading the job now and then. Pure rules here; the tracker below holds
 * the state and the socket.
 */
import type { ExportFormat, ExportJob, ExportKind } from "../../api/exports";

export type JobState = "queued" | "running" | "done" | "failed" | "expired";

export interface Tracked {
  id: string;
  kind: ExportKind;
  format: ExportFormat;
  state: JobState;
  rows: number;
  total: number;
  percent: number;
  error: string | null;
  retryable: boolean;
  ready: boolean;
}

export type ExportEvent =
  | { type: "export.progress"; id: string; rows: number; total: number; percent: number }
  | { type: "export.done"; id: string; rows: number; total: number; percent: number; download: string }
  | { type: "export.failed"; id: string; error: string; retryable: boolean };

const FINISHED: readonly JobState[] = ["done", "failed", "expired"];

export const finished = (job: Tracked): boolean => FINISHED.includes(job.state);

export function tracked(job: ExportJob): Tracked {
  return {
    id: job.id,
    kind: job.kind as ExportKind,
    format: job.format as ExportFormat,
    state: job.state,
    rows: job.rows,
    total: job.total,
    percent: job.percent,
    error: job.error ?? null,
    retryable: job.retryable,
    ready: job.state === "done",
  };
}

/** A pushed frame as an export event, or null (another event, or not one at all). */
export function parseExportEvent(raw: unknown): ExportEvent | null {
  if (typeof raw !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { type, id } = value as { type?: unknown; id?: unknown };
  if (typeof id !== "string") return null;
  if (type === "export.progress" || type === "export.done" || type === "export.failed") return value as ExportEvent;
  return null;
}

/** The job after an event: progress never goes back, and nothing moves a finished job but a retry. */
export function applyEvent(job: Tracked, event: ExportEvent): Tracked {
  if (event.id !== job.id || finished(job)) return job;
  switch (event.type) {
    case "export.progress":
      if (event.rows < job.rows) return job;
      return { ...job, state: "running", rows: event.rows, total: event.total, percent: event.percent };
    case "export.done":
      return { ...job, state: "done", rows: event.rows, total: event.total, percent: 100, ready: true };
    case "export.failed":
      return { ...job, state: "failed", error: event.error, retryable: event.retryable };
  }
}

/** The job as read from the hub: its state wins once it moved on; rows never go back within a state. */
export function applyRead(job: Tracked, read: Tracked): Tracked {
  if (finished(job) && !finished(read)) return job; // a read older than the event that ended it
  if (read.state === job.state && read.rows < job.rows) return job;
  return read;
}

/** A list's query (its filters, as the list asks the hub) as an export's filters: empty ones left out. */
export function filtersOf(query: object): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(query).filter((entry): entry is [string, string | number | boolean] => {
      const value: unknown = entry[1];
      return (typeof value === "string" && value !== "") || typeof value === "number" || typeof value === "boolean";
    }),
  );
}
