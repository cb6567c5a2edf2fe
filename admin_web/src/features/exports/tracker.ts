/**
 * The tab's export jobs and the socket that follows them. The socket is open only while a job is
 * unfinished (the hub sends a user's export events to that user's sockets only); a read of each
 * unfinished job every few seconds covers a socket that is down or refused.
 */
import { useSyncExternalStore } from "react";

import { auth, liveFeedUrl } from "../../api/client";
import { type ExportFilters, type ExportFormat, type ExportKind, exportsApi } from "../../api/exports";
import { saveBlob } from "../common/files";
import { applyEvent, applyRead, finished, parseExportEvent, tracked, type Tracked } from "./jobs";

const READ_EVERY_MS = 4000;

class ExportTracker {
  private jobs: Tracked[] = [];
  private listeners = new Set<() => void>();
  private socket: WebSocket | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): Tracked[] => this.jobs;

  async start(kind: ExportKind, format: ExportFormat, filters: ExportFilters): Promise<void> {
    const job = tracked(await exportsApi.start(kind, format, filters));
    this.set([job, ...this.jobs.filter((j) => j.id !== job.id)]);
  }

  async retry(id: string): Promise<void> {
    const job = tracked(await exportsApi.retry(id));
    this.set(this.jobs.map((j) => (j.id === id ? job : j)));
  }

  async download(id: string): Promise<void> {
    const job = this.jobs.find((j) => j.id === id);
    if (!job) return;
    const blob = await exportsApi.file(id);
    saveBlob(blob, `${job.kind}-${stamp(new Date())}.${job.format}`);
  }

  dismiss(id: string): void {
    this.set(this.jobs.filter((j) => j.id !== id));
  }

  private set(jobs: Tracked[]): void {
    this.jobs = jobs;
    for (const listener of this.listeners) listener();
    this.follow();
  }

  /** Socket and reads while something is unfinished; neither once all are. */
  private follow(): void {
    const waiting = this.jobs.some((job) => !finished(job));
    if (!waiting) {
      this.socket?.close(1000, "exports finished");
      this.socket = null;
      if (this.timer !== null) clearInterval(this.timer);
      this.timer = null;
      return;
    }
    this.timer ??= setInterval(() => void this.readUnfinished(), READ_EVERY_MS);
    const token = auth.accessToken();
    if (this.socket === null && token !== null) {
      const socket = new WebSocket(liveFeedUrl(token));
      socket.onmessage = (message) => {
        const event = parseExportEvent(message.data);
        if (event !== null) this.set(this.jobs.map((job) => applyEvent(job, event)));
      };
      socket.onclose = () => {
        if (this.socket === socket) this.socket = null; // the next change or read opens another
      };
      this.socket = socket;
    }
  }

  private async readUnfinished(): Promise<void> {
    for (const job of this.jobs.filter((j) => !finished(j))) {
      try {
        const read = tracked(await exportsApi.job(job.id));
        this.set(this.jobs.map((j) => (j.id === job.id ? applyRead(j, read) : j)));
      } catch {
        // The hub is unreachable for now: the next read tries again.
      }
    }
  }
}

function stamp(now: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}${two(now.getMonth() + 1)}${two(now.getDate())}-${two(now.getHours())}${two(now.getMinutes())}`;
}

export const exportTracker = new ExportTracker();

export function useExportJobs(): Tracked[] {
  return useSyncExternalStore(exportTracker.subscribe, exportTracker.snapshot);
}
