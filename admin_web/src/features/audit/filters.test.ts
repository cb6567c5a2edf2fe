import { describe, expect, it } from "vitest";

import { auditQuery } from "./filters";

describe("audit filters", () => {
  it("sends what was typed, trimmed, with times on the branch's clock, and nothing empty", () => {
    expect(auditQuery({ actor: " admin ", action: "payment.refund", outcome: "", since: "2026-11-25T10:00", until: "" }, "Asia/Tashkent")).toEqual({
      actor: "admin",
      action: "payment.refund",
      since: Date.UTC(2026, 10, 25, 5, 0),
    });
    expect(auditQuery({ actor: "", action: "", outcome: "denied", since: "", until: "bad" }, "UTC")).toEqual({ outcome: "denied" });
  });
});
