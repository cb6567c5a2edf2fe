import { describe, expect, it } from "vitest";

import type { Tariff } from "../../api/backoffice";
import { checkTariff, formOf, idFrom, NEW_WINDOW, newForm, tariffField, tariffFrom, valid } from "./form";

const standard: Tariff = {
  id: "standard",
  name: "Standard",
  hourly_rate: 1_200_000,
  currency: "UZS",
  windows: [{ name: "Night", start_minute: 22 * 60, end_minute: 8 * 60, hourly_rate: 800_000, days: [6, 0, 1, 2, 3, 4, 5] }],
  minimum_charge: 300_000,
  timezone: "Asia/Tashkent",
};

describe("tariff editor", () => {
  it("shows a tariff in whole so'm and clock times, and sends back the same tariff", () => {
    const form = formOf(standard);
    expect(form.rate).toBe("12000");
    expect(form.minimum).toBe("3000");
    expect(form.windows[0]).toEqual({ name: "Night", start: "22:00", end: "08:00", rate: "8000", days: [0, 1, 2, 3, 4, 5, 6] });
    expect(valid(checkTariff(form, "UZS"))).toBe(true);
    expect(tariffFrom(form, "UZS")).toEqual({ ...standard, windows: [{ ...standard.windows[0], days: [0, 1, 2, 3, 4, 5, 6] }] });
  });

  it("checks a new tariff and its windows before sending", () => {
    const form = { ...newForm("Asia/Tashkent"), windows: [{ ...NEW_WINDOW, start: "25:00", end: "25:00", rate: "x", days: [] }] };
    const checks = checkTariff(form, "UZS");
    expect(checks).toMatchObject({ id: "required", name: "required", rate: "required", minimum: null });
    expect(checks.windows[0]).toEqual({ name: "required", start: "time", end: "time", rate: "amount", days: "required" });
    expect(valid(checks)).toBe(false);
    const same = checkTariff({ ...form, windows: [{ ...NEW_WINDOW, name: "x", start: "10:00", end: "10:00", rate: "1" }] }, "UZS");
    expect(same.windows[0]?.end).toBe("range");
  });

  it("makes an id from a name", () => {
    expect(idFrom("VIP zone (night)")).toBe("vip-zone-night");
    expect(idFrom("Ночь")).toBe("");
    expect(idFrom("Tún")).toBe("tun");
  });

  it("knows which field a refusal names", () => {
    expect(tariffField("windows.1.end_minute")).toBe("windows.1.end");
    expect(tariffField("hourly_rate")).toBe("rate");
    expect(tariffField("minimum_charge")).toBe("minimum");
    expect(tariffField("body")).toBeNull();
  });
});
