/** Whole days on the branch's clock for the report pickers: pure, no API. */

/** Today's date on the branch's clock, as YYYY-MM-DD. */
export function todayIn(timezone: string, now: number = Date.now()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(now));
}

/** `days` days back from a YYYY-MM-DD date (calendar arithmetic, no clock involved). */
export function daysBefore(date: string, days: number): string {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day - days)).toISOString().slice(0, 10);
}

/** The presets of the range picker: [from, to] for a branch whose today is `today`. */
export function presetRange(preset: "today" | "week" | "month" | "year" | "thisMonth", today: string): [string, string] {
  if (preset === "today") return [today, today];
  if (preset === "week") return [daysBefore(today, 6), today];
  if (preset === "month") return [daysBefore(today, 29), today];
  if (preset === "year") return [daysBefore(today, 364), today];
  return [`${today.slice(0, 8)}01`, today];
}
