/**
 * Telemetry samples for the chart: the hub's stored ones (newest first) and the live feed's, as one
 * series in time order without repeats, the newest `keep` of them. What a sample holds is the PC's word
 * (bounded percentages, checked by the hub); anything unreadable is left out rather than drawn.
 */
export interface Sample {
  at: number;
  cpu: number;
  memory: number;
  disk: number | null;
  uptimeS: number | null;
  locked: boolean | null;
}

function numberOf(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** A stored or live sample as the chart reads it; null when it has no time or no CPU/memory figure. */
export function sampleOf(raw: unknown): Sample | null {
  if (typeof raw !== "object" || raw === null) return null;
  const record = raw as Record<string, unknown>;
  const at = numberOf(record.at) ?? numberOf(record.sent_at);
  const cpu = numberOf(record.cpu_percent);
  const memory = numberOf(record.memory_percent);
  if (at === null || cpu === null || memory === null) return null;
  return {
    at,
    cpu,
    memory,
    disk: numberOf(record.disk_percent),
    uptimeS: numberOf(record.uptime_s),
    locked: typeof record.locked === "boolean" ? record.locked : null,
  };
}

export function mergeSamples(first: readonly unknown[], second: readonly unknown[], keep: number): Sample[] {
  const byTime = new Map<number, Sample>();
  for (const raw of [...first, ...second]) {
    const sample = sampleOf(raw);
    if (sample !== null) byTime.set(sample.at, sample);
  }
  return [...byTime.values()].sort((a, b) => a.at - b.at).slice(-keep);
}
