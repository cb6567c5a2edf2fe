import { describe, expect, it } from "vitest";

import { epochToZoned, offsetAt, zonedToEpoch } from "./zoned";

describe("moments on the branch's clock", () => {
  it("reads a Tashkent wall time (UTC+5) as the right moment", () => {
    expect(zonedToEpoch("2026-11-25T14:30", "Asia/Tashkent")).toBe(Date.UTC(2026, 10, 25, 9, 30));
    expect(epochToZoned(Date.UTC(2026, 10, 25, 9, 30), "Asia/Tashkent")).toBe("2026-11-25T14:30");
    expect(offsetAt(Date.UTC(2026, 0, 1), "Asia/Tashkent")).toBe(5 * 3600_000);
  });

  it("follows daylight saving time where there is one", () => {
    expect(zonedToEpoch("2026-07-01T12:00", "Europe/Berlin")).toBe(Date.UTC(2026, 6, 1, 10, 0));
    expect(zonedToEpoch("2026-01-01T12:00", "Europe/Berlin")).toBe(Date.UTC(2026, 0, 1, 11, 0));
  });

  it("goes there and back for any minute", () => {
    for (let at = Date.UTC(2026, 2, 28); at < Date.UTC(2026, 2, 30); at += 37 * 60_000) {
      const minute = Math.floor(at / 60_000) * 60_000;
      expect(zonedToEpoch(epochToZoned(minute, "Asia/Tashkent"), "Asia/Tashkent")).toBe(minute);
      expect(zonedToEpoch(epochToZoned(minute, "UTC"), "UTC")).toBe(minute);
    }
  });

  it("refuses what is not a date and time", () => {
    expect(zonedToEpoch("", "UTC")).toBeNull();
    expect(zonedToEpoch("2026-11-25", "UTC")).toBeNull();
    expect(zonedToEpoch("yesterday", "UTC")).toBeNull();
  });
});
