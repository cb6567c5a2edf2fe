/**
 * A tariff as the editor holds it (text as typed) and as the hub takes it (minor units, minutes after
 * midnight). The checks here only save a round trip: the hub checks the tariff again (billing.tariffs)
 * and its refusal is shown next to the field it names.
 */
import type { RateWindow, Tariff } from "../../api/backoffice";
import { moneyInputText, parseMoney } from "../../i18n/format";
import { amount, clockOf, minutesOf, required, type Check } from "../common/validate";

export interface WindowForm {
  name: string;
  start: string;
  end: string;
  rate: string;
  days: number[];
}

export interface TariffForm {
  id: string;
  name: string;
  rate: string;
  minimum: string;
  timezone: string;
  windows: WindowForm[];
}

export const ALL_DAYS = [0, 1, 2, 3, 4, 5, 6];

export function formOf(tariff: Tariff): TariffForm {
  return {
    id: tariff.id,
    name: tariff.name,
    rate: moneyInputText(tariff.hourly_rate, tariff.currency),
    minimum: moneyInputText(tariff.minimum_charge, tariff.currency),
    timezone: tariff.timezone,
    windows: tariff.windows.map((window) => ({
      name: window.name,
      start: clockOf(window.start_minute),
      end: clockOf(window.end_minute),
      rate: moneyInputText(window.hourly_rate, tariff.currency),
      days: [...window.days].sort(),
    })),
  };
}

export function newForm(timezone: string): TariffForm {
  return { id: "", name: "", rate: "", minimum: "0", timezone, windows: [] };
}

export const NEW_WINDOW: WindowForm = { name: "", start: "22:00", end: "08:00", rate: "", days: ALL_DAYS };

/** An id from a name: what PUT /tariffs/{id} accepts (letters, digits, _ . : -). */
export function idFrom(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9_.:-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

export interface WindowChecks {
  name: Check;
  start: Check;
  end: Check;
  rate: Check;
  days: Check;
}

export interface TariffChecks {
  id: Check;
  name: Check;
  rate: Check;
  minimum: Check;
  windows: WindowChecks[];
}

export function checkWindow(window: WindowForm, currency: string): WindowChecks {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  return {
    name: required(window.name),
    start: start === null || start > 1439 ? "time" : null,
    end: end === null || end < 1 ? "time" : start !== null && start === end ? "range" : null,
    rate: amount(window.rate, currency, 0),
    days: window.days.length === 0 ? "required" : null,
  };
}

export function checkTariff(form: TariffForm, currency: string): TariffChecks {
  const id = idFrom(form.id);
  return {
    id: id === "" ? "required" : null,
    name: required(form.name),
    rate: amount(form.rate, currency, 0),
    minimum: amount(form.minimum, currency, 0),
    windows: form.windows.map((window) => checkWindow(window, currency)),
  };
}

export function valid(checks: TariffChecks): boolean {
  const flat = [checks.id, checks.name, checks.rate, checks.minimum, ...checks.windows.flatMap((w) => [w.name, w.start, w.end, w.rate, w.days])];
  return flat.every((check) => check === null);
}

/** The tariff to send; call only when `valid(checkTariff(form))`. */
export function tariffFrom(form: TariffForm, currency: string): Tariff {
  const windows: RateWindow[] = form.windows.map((window) => ({
    name: window.name.trim(),
    start_minute: minutesOf(window.start) ?? 0,
    end_minute: minutesOf(window.end) ?? 1440,
    hourly_rate: parseMoney(window.rate, currency) ?? 0,
    days: [...window.days].sort(),
  }));
  return {
    id: idFrom(form.id),
    name: form.name.trim(),
    hourly_rate: parseMoney(form.rate, currency) ?? 0,
    currency,
    windows,
    minimum_charge: parseMoney(form.minimum, currency) ?? 0,
    timezone: form.timezone,
  };
}

/** Which field a refusal names: "windows.1.end_minute: ..." is the second window's end. */
export function tariffField(path: string): string | null {
  const window = /^windows\.(\d+)\.(name|start_minute|end_minute|hourly_rate|days)/.exec(path);
  if (window) {
    const part = { name: "name", start_minute: "start", end_minute: "end", hourly_rate: "rate", days: "days" }[window[2] as "name"];
    return `windows.${window[1]}.${part}`;
  }
  const top = /^(id|name|hourly_rate|minimum_charge|timezone|currency)\b/.exec(path);
  if (!top) return null;
  return { id: "id", name: "name", hourly_rate: "rate", minimum_charge: "minimum", timezone: "timezone", currency: "rate" }[top[1] as "id"];
}
