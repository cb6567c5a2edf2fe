import { describe, expect, it } from "vitest";

import { formatTimeSeconds } from "./format";

describe("formatTimeSeconds", () => {
  it("shows the time with seconds on the branch's clock, whatever the browser's timezone", () => {
    expect(formatTimeSeconds(Date.UTC(2026, 10, 30, 1, 2, 3), "Asia/Tashkent")).toBe("06:02:03");
    expect(formatTimeSeconds(Date.UTC(2026, 10, 30, 23, 59, 59), "UTC")).toBe("23:59:59");
  });
});
