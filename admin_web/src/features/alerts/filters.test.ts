import { describe, expect, it } from "vitest";

import { actionsFor, alertsQuery, badgeText, sortAlerts } from "./filters";

describe("alerts filters", () => {
  it("asks for unresolved alerts unless a known state is chosen, with the kind and a valid PC id", () => {
    expect(alertsQuery({ state: "", kind: "", pc: "" })).toEqual({ state: "unresolved" });
    expect(alertsQuery({ state: "bogus", kind: "", pc: "" })).toEqual({ state: "unresolved" });
    expect(alertsQuery({ state: "resolved", kind: "tamper", pc: " pc-007 " })).toEqual({ state: "resolved", kind: "tamper", pc_id: "pc-007" });
    expect(alertsQuery({ state: "open", kind: "", pc: "pc 7" })).toEqual({ state: "open" });
  });
});

describe("alerts order", () => {
  it("puts open alerts first, then acknowledged, then resolved, newest first within each", () => {
    const items = [
      { id: "r", state: "resolved", last_at: 50 },
      { id: "a", state: "acknowledged", last_at: 40 },
      { id: "o1", state: "open", last_at: 10 },
      { id: "o2", state: "open", last_at: 30 },
    ];
    expect(sortAlerts(items).map((item) => item.id)).toEqual(["o2", "o1", "a", "r"]);
    expect(items[0]?.id).toBe("r"); // the input is left as it was
  });
});

describe("alerts badge and actions", () => {
  it("shows no badge at zero and caps the count", () => {
    expect(badgeText(undefined)).toBeNull();
    expect(badgeText(0)).toBeNull();
    expect(badgeText(7)).toBe("7");
    expect(badgeText(100)).toBe("99+");
  });

  it("offers acknowledge on open alerts, resolve on unresolved ones, nothing without the permission", () => {
    expect(actionsFor("open", true)).toEqual({ acknowledge: true, resolve: true });
    expect(actionsFor("acknowledged", true)).toEqual({ acknowledge: false, resolve: true });
    expect(actionsFor("resolved", true)).toEqual({ acknowledge: false, resolve: false });
    expect(actionsFor("open", false)).toEqual({ acknowledge: false, resolve: false });
  });
});
