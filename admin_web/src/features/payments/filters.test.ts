import { describe, expect, it } from "vitest";

import { activeCount, backwards, exportName, formFromParams, NO_FILTERS, paramsOf, toQuery } from "./filters";

describe("payment history filters", () => {
  it("sends every filter the hub has, times as epoch ms on the branch's clock, and nothing empty", () => {
    const form = {
      from: "2026-11-25T00:00",
      to: "2026-11-26T00:00",
      method: "card" as const,
      purpose: "sale" as const,
      kind: "refund" as const,
      staff: " alice ",
      member: "m-1",
      shift: "s1",
      branch: "main",
    };
    expect(toQuery(form, "Asia/Tashkent")).toEqual({
      from: Date.UTC(2026, 10, 24, 19, 0),
      to: Date.UTC(2026, 10, 25, 19, 0),
      method: "card",
      purpose: "sale",
      kind: "refund",
      staff: "alice",
      member_id: "m-1",
      shift_id: "s1",
      branch: "main",
    });
    expect(toQuery(NO_FILTERS, "UTC")).toEqual({});
    expect(toQuery({ ...NO_FILTERS, staff: "   ", from: "garbage" }, "UTC")).toEqual({});
  });

  it("keeps the form in the address and reads it back, dropping values the hub does not know", () => {
    const form = { ...NO_FILTERS, method: "cash" as const, staff: "bob", from: "2026-01-02T03:04" };
    const params = new URLSearchParams(paramsOf(form));
    expect(params.toString()).toBe("from=2026-01-02T03%3A04&method=cash&staff=bob");
    expect(formFromParams(params)).toEqual(form);
    expect(formFromParams(new URLSearchParams("method=bitcoin&kind=gift&purpose=x"))).toEqual(NO_FILTERS);
    expect(activeCount(form)).toBe(3);
  });

  it("notices a range that ends before it starts", () => {
    expect(backwards({ ...NO_FILTERS, from: "2026-01-02T00:00", to: "2026-01-01T00:00" }, "UTC")).toBe(true);
    expect(backwards({ ...NO_FILTERS, from: "2026-01-01T00:00", to: "2026-01-02T00:00" }, "UTC")).toBe(false);
    expect(backwards({ ...NO_FILTERS, to: "2026-01-01T00:00" }, "UTC")).toBe(false);
  });

  it("names the export after what it holds", () => {
    expect(exportName({ ...NO_FILTERS, kind: "refund", method: "card" }, new Date(Date.UTC(2026, 10, 25, 9, 30)))).toBe("payments-refund-card-20261125-0930.csv");
    expect(exportName(NO_FILTERS, new Date(Date.UTC(2026, 10, 25, 9, 30)))).toBe("payments-20261125-0930.csv");
  });
});
