import { describe, expect, it } from "vitest";

import { reportExportFilters } from "./exportFilters";

describe("reportExportFilters", () => {
  it("sends the page's range and grouping, as the report's route takes them", () => {
    expect(reportExportFilters("takings", { from: "2026-11-01", to: "2026-11-30", group: "week" })).toEqual({ from: "2026-11-01", to: "2026-11-30", group: "week" });
  });
  it("leaves out the days the URL does not name, and the grouping staff has not", () => {
    expect(reportExportFilters("staff", { group: "month" })).toEqual({});
    expect(reportExportFilters("usage", { to: "2026-11-30", group: "day" })).toEqual({ to: "2026-11-30", group: "day" });
  });
});
