import { describe, expect, it } from "vitest";

import { daysBefore, presetRange, todayIn } from "./dates";

describe("report ranges", () => {
  it("counts days back across months and leap days", () => {
    expect(daysBefore("2026-03-01", 1)).toBe("2026-02-28");
    expect(daysBefore("2028-03-01", 1)).toBe("2028-02-29");
    expect(daysBefore("2026-01-05", 6)).toBe("2025-12-30");
  });

  it("gives each preset its whole days", () => {
    expect(presetRange("today", "2026-11-30")).toEqual(["2026-11-30", "2026-11-30"]);
    expect(presetRange("week", "2026-11-30")).toEqual(["2026-11-24", "2026-11-30"]);
    expect(presetRange("thisMonth", "2026-11-30")).toEqual(["2026-11-01", "2026-11-30"]);
    expect(presetRange("year", "2026-11-30")[0]).toBe("2025-12-01");
  });

  it("reads today on the branch's clock, not the browser's", () => {
    const lateUtc = Date.UTC(2026, 10, 29, 21, 30); // 02:30 on the 30th in Tashkent
    expect(todayIn("Asia/Tashkent", lateUtc)).toBe("2026-11-30");
    expect(todayIn("UTC", lateUtc)).toBe("2026-11-29");
  });
});
