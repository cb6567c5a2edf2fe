import { describe, expect, it } from "vitest";

import { mergeSamples, sampleOf } from "./samples";

const stored = (at: number, cpu: number) => ({ pc_id: "pc-1", at, cpu_percent: cpu, memory_percent: 40, disk_percent: 70, uptime_s: 60, locked: true });

describe("telemetry samples for the chart", () => {
  it("puts the stored (newest first) and live samples in time order, once each, the newest kept", () => {
    const merged = mergeSamples([stored(3000, 30), stored(2000, 20), stored(1000, 10)], [stored(3000, 30), { at: 4000, cpu_percent: 40, memory_percent: 41, locked: false }], 3);
    expect(merged.map((sample) => [sample.at, sample.cpu])).toEqual([
      [2000, 20],
      [3000, 30],
      [4000, 40],
    ]);
    expect(merged[2]).toEqual({ at: 4000, cpu: 40, memory: 41, disk: null, uptimeS: null, locked: false });
  });

  it("reads a live sample's own time when it has no stored time", () => {
    expect(sampleOf({ sent_at: 5, cpu_percent: 1, memory_percent: 2 })?.at).toBe(5);
  });

  it("leaves out what cannot be drawn", () => {
    expect(sampleOf(null)).toBeNull();
    expect(sampleOf({ at: 1, cpu_percent: "high", memory_percent: 2 })).toBeNull();
    expect(sampleOf({ cpu_percent: 1, memory_percent: 2 })).toBeNull();
    expect(sampleOf({ at: 1, cpu_percent: Number.NaN, memory_percent: 2 })).toBeNull();
    expect(mergeSamples([{}, "x", 3], [], 10)).toEqual([]);
  });
});
