import { describe, expect, it } from "vitest";

import { reportExportFilters } from "./exportFilters";

describe("reportExportFilters", () => {
  it("sends the page's range and grouping, as the report's route takes them", () => {
    expect(reportExportFilters("takings", { from: "2026-11-01", to: "2026-11-30", group: "week" })).toEqual({ from: "2026-11-01", to: "2026-11-30", group: "week" });
  });
  it("names the days the page shows when the URL names none, and leaves out the grouping staff has not", () => {
    const answered = { first_day: "2026-11-24", last_day: "2026-11-30" };
    expect(reportExportFilters("staff", { group: "month" }, answered)).toEqual({ from: "2026-11-24", to: "2026-11-30" });
    expect(reportExportFilters("inventory", { from: "2026-11-01", group: "week" }, answered)).toEqual({ from: "2026-11-01", to: "2026-11-30" });
    expect(reportExportFilters("usage", { to: "2026-11-29", group: "day" }, answered)).toEqual({ from: "2026-11-24", to: "2026-11-29", group: "day" });
    expect(reportExportFilters("members", { group: "day" })).toEqual({ group: "day" });
  });
});
