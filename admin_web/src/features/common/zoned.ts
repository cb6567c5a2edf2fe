/**
 * Moments typed as a date and time on the branch's clock (an <input type="datetime-local"> value,
 * "2026-11-25T14:30"), whatever the browser's own timezone, as epoch milliseconds for the hub; and back.
 */

function partsIn(epochMs: number, timezone: string): Record<string, number> {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(epochMs));
  return Object.fromEntries(parts.filter((part) => part.type !== "literal").map((part) => [part.type, Number(part.value)]));
}

/** How far `timezone`'s clock is ahead of UTC at `epochMs`, in ms. */
export function offsetAt(epochMs: number, timezone: string): number {
  const p = partsIn(epochMs, timezone);
  const asUtc = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** "YYYY-MM-DDTHH:MM" on `timezone`'s clock as epoch ms; null when it is not such a value. */
export function zonedToEpoch(local: string, timezone: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (match === null) return null;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  if (Number.isNaN(wall)) return null;
  // The offset at the guess, then again at the corrected moment (a DST change in between moves it).
  let epoch = wall - offsetAt(wall, timezone);
  epoch = wall - offsetAt(epoch, timezone);
  return epoch;
}

/** Epoch ms as "YYYY-MM-DDTHH:MM" on `timezone`'s clock (what a datetime-local input shows). */
export function epochToZoned(epochMs: number, timezone: string): string {
  const p = partsIn(epochMs, timezone);
  const two = (value: number | undefined) => String(value ?? 0).padStart(2, "0");
  return `${String(p.year ?? 1970).padStart(4, "0")}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}
