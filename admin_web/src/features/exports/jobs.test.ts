import { describe, expect, it } from "vitest";

import { applyEvent, applyRead, filtersOf, finished, parseExportEvent, type Tracked } from "./jobs";

const job = (extra: Partial<Tracked> = {}): Tracked => ({
  id: "j1",
  kind: "payments",
  format: "xlsx",
  state: "queued",
  rows: 0,
  total: 0,
  percent: 0,
  error: null,
  retryable: false,
  ready: false,
  ...extra,
});

describe("export jobs", () => {
  it("follows progress, then done with the file ready", () => {
    let state = applyEvent(job(), { type: "export.progress", id: "j1", rows: 500, total: 2000, percent: 25 });
    expect(state).toMatchObject({ state: "running", rows: 500, total: 2000, percent: 25 });
    state = applyEvent(state, { type: "export.done", id: "j1", rows: 2000, total: 2000, percent: 100, download: "/api/v1/exports/j1/download" });
    expect(state).toMatchObject({ state: "done", rows: 2000, percent: 100, ready: true });
    expect(finished(state)).toBe(true);
  });

  it("never goes back: late progress, another job's events, events after the end", () => {
    const ahead = job({ state: "running", rows: 1500, total: 2000, percent: 75 });
    expect(applyEvent(ahead, { type: "export.progress", id: "j1", rows: 500, total: 2000, percent: 25 })).toBe(ahead);
    expect(applyEvent(ahead, { type: "export.progress", id: "j2", rows: 1900, total: 2000, percent: 95 })).toBe(ahead);
    const failed = applyEvent(ahead, { type: "export.failed", id: "j1", error: "the hub stopped during the export; retry it", retryable: true });
    expect(failed).toMatchObject({ state: "failed", retryable: true });
    expect(applyEvent(failed, { type: "export.progress", id: "j1", rows: 1900, total: 2000, percent: 95 })).toBe(failed);
  });

  it("takes a read's state when it moved on, never an older one", () => {
    const done = job({ state: "done", rows: 10, total: 10, percent: 100, ready: true });
    expect(applyRead(done, job({ state: "running", rows: 5, total: 10, percent: 50 }))).toBe(done);
    const running = job({ state: "running", rows: 8, total: 10, percent: 80 });
    expect(applyRead(running, job({ state: "running", rows: 4, total: 10, percent: 40 }))).toBe(running);
    expect(applyRead(running, done)).toBe(done);
    // A read sent before the failure arrived does not bring the job back to life (a retry replaces it).
    const failed = job({ state: "failed", rows: 8, error: "x", retryable: true });
    expect(applyRead(failed, job({ state: "running", rows: 8 }))).toBe(failed);
  });

  it("reads only export events from the socket", () => {
    expect(parseExportEvent(JSON.stringify({ type: "export.progress", id: "j1", rows: 1, total: 2, percent: 50 }))).toMatchObject({ id: "j1" });
    expect(parseExportEvent(JSON.stringify({ type: "pc.status", pc_id: "pc-1", status: "online" }))).toBeNull();
    expect(parseExportEvent(JSON.stringify({ type: "export.done" }))).toBeNull();
    expect(parseExportEvent("not json")).toBeNull();
  });
});

describe("export filters", () => {
  it("keeps the list's filters that are set", () => {
    expect(filtersOf({ method: "cash", from: 1_700_000_000_000, staff: "", member_id: undefined, kind: null })).toEqual({ method: "cash", from: 1_700_000_000_000 });
  });
});
