/**
 * The one place that turns money, durations and dates into text. Everything shown to a person goes
 * through here, with the branch's settings (currency, timezone) and the user's language, so a screen
 * never formats on its own. Money follows the hub's rule (billing/money.py `format_amount`): integers in
 * minor units, shown to the currency's displayed precision rounded half up, thousands grouped by a
 * space (a no-break one, so "12 000 so'm" never wraps), the currency's name in the language.
 */

export type Language = "uz" | "ru" | "en";
export const LANGUAGES: readonly Language[] = ["uz", "ru", "en"];

export function isLanguage(value: unknown): value is Language {
  return typeof value === "string" && (LANGUAGES as readonly string[]).includes(value);
}

interface CurrencyInfo {
  exponent: number; // minor units per major unit, as a power of ten
  decimals: number; // decimals shown on screen
  names: Record<Language, string>;
}

const CURRENCIES: Record<string, CurrencyInfo> = {
  UZS: { exponent: 2, decimals: 0, names: { en: "so'm", uz: "so'm", ru: "сум" } },
  USD: { exponent: 2, decimals: 2, names: { en: "USD", uz: "USD", ru: "USD" } },
  EUR: { exponent: 2, decimals: 2, names: { en: "EUR", uz: "EUR", ru: "EUR" } },
  RUB: { exponent: 2, decimals: 2, names: { en: "RUB", uz: "RUB", ru: "₽" } },
};

const DECIMAL_SEPARATOR: Record<Language, string> = { en: ".", ru: ",", uz: "," };
const GROUP = "\u00a0";

/** BCP 47 tags for Intl: Uzbek in Latin script; English with a 24-hour clock and day-month order. */
const INTL_LOCALE: Record<Language, string> = { uz: "uz-Latn", ru: "ru-RU", en: "en-GB" };

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, GROUP);
}

/** `minor` units of `currency` as people read it: formatMoney(1_200_000, "UZS", "uz") is "12 000 so'm". */
export function formatMoney(minor: number, currency: string, language: Language): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`not an amount in minor units: ${minor}`);
  const info = CURRENCIES[currency] ?? { exponent: 2, decimals: 2, names: { en: currency, uz: currency, ru: currency } };
  const drop = info.exponent - info.decimals;
  const unit = 10 ** drop;
  const magnitude = Math.abs(minor);
  const quotient = Math.floor(magnitude / unit);
  const shown = quotient + (2 * (magnitude - quotient * unit) >= unit ? 1 : 0);
  const sign = minor < 0 && shown !== 0 ? "-" : "";
  const scale = 10 ** info.decimals;
  const whole = Math.floor(shown / scale);
  let text = groupThousands(String(whole));
  if (info.decimals > 0) {
    text += DECIMAL_SEPARATOR[language] + String(shown - whole * scale).padStart(info.decimals, "0");
  }
  return `${sign}${text} ${info.names[language]}`;
}

/** The currency's name as amounts show it ("so'm", "сум", "USD"): the unit beside an amount field. */
export function currencyName(currency: string, language: Language): string {
  return (CURRENCIES[currency]?.names ?? { en: currency, uz: currency, ru: currency })[language];
}

/**
 * What a person typed into an amount field, in minor units: "12 000" so'm is 1 200 000; "12.50" or
 * "12,50" USD is 1 250. Spaces group thousands; at most the currency's displayed decimals (none for so'm).
 * null when it is not such an amount (empty, negative, letters, too many decimals, beyond a safe integer).
 */
export function parseMoney(text: string, currency: string): number | null {
  const info = CURRENCIES[currency] ?? { exponent: 2, decimals: 2 };
  const compact = text.replace(/[\s\u00a0]/g, "");
  const match = /^(\d+)(?:[.,](\d*))?$/.exec(compact);
  if (match === null) return null;
  const whole = match[1] ?? "0";
  const fraction = match[2] ?? "";
  if (fraction.length > info.decimals) return null;
  const minor = Number(whole) * 10 ** info.exponent + Number(fraction.padEnd(info.exponent, "0") || "0");
  return Number.isSafeInteger(minor) ? minor : null;
}

/** An amount in minor units as an amount field shows it for editing (no grouping, no unit): 1 200 000 -> "12000". */
export function moneyInputText(minor: number, currency: string): string {
  const info = CURRENCIES[currency] ?? { exponent: 2, decimals: 2 };
  const unit = 10 ** info.exponent;
  const whole = Math.trunc(minor / unit);
  const rest = Math.abs(minor - whole * unit);
  if (info.decimals === 0 || rest === 0) return String(whole);
  return `${whole}.${String(rest).padStart(info.exponent, "0").slice(0, info.decimals)}`;
}

const UNITS: Record<Language, { h: string; min: string; s: string }> = {
  en: { h: "h", min: "min", s: "s" },
  ru: { h: "ч", min: "мин", s: "с" },
  uz: { h: "soat", min: "daq", s: "s" },
};

/**
 * A duration for a person: "1 h 05 min", "12 min", and under a minute "45 s" (rounded down: time left
 * is never shown as more than it is). Negative durations are shown as zero.
 */
export function formatDuration(ms: number, language: Language): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const u = UNITS[language];
  if (hours > 0) return `${hours}${GROUP}${u.h} ${String(minutes).padStart(2, "0")}${GROUP}${u.min}`;
  if (minutes > 0) return `${minutes}${GROUP}${u.min}`;
  return `${totalSeconds}${GROUP}${u.s}`;
}

/**
 * Time left as a countdown, "1:05:09" or "4:59" (rounded down, never negative): the same in every
 * language, and it visibly moves each second.
 */
export function formatCountdown(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = String(totalSeconds % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/** Uzbek month abbreviations as CLDR writes them ("30-noy, 2026"). */
const UZ_MONTHS = ["yan", "fev", "mar", "apr", "may", "iyn", "iyl", "avg", "sen", "okt", "noy", "dek"];

/**
 * A moment (epoch ms) as a date and time on the branch's clock, whatever the browser's timezone. Uzbek is
 * written out here: browsers built without Uzbek locale data (Debian's Chromium) print "2026 M11 30".
 */
export function formatDateTime(epochMs: number, timezone: string, language: Language): string {
  if (language === "uz") {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-GB", { timeZone: timezone, year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .formatToParts(new Date(epochMs))
        .map((part) => [part.type, part.value]),
    );
    return `${Number(parts.day)}-${UZ_MONTHS[Number(parts.month) - 1]}, ${parts.year}, ${parts.hour}:${parts.minute}`;
  }
  return new Intl.DateTimeFormat(INTL_LOCALE[language], {
    timeZone: timezone,
    dateStyle: "medium",
    timeStyle: "short",
  }).format(new Date(epochMs));
}

/** The time of day only (for today's events on the map), on the branch's clock. */
export function formatTime(epochMs: number, timezone: string, language: Language): string {
  return new Intl.DateTimeFormat(INTL_LOCALE[language], {
    timeZone: timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date(epochMs));
}

/** The time of day with seconds (a chart of the last minutes), on the branch's clock. */
export function formatTimeSeconds(epochMs: number, timezone: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone: timezone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }).format(new Date(epochMs));
}

/** A count or plain number, grouped like money. */
export function formatNumber(value: number, language: Language): string {
  const [whole = "0", fraction] = Math.abs(value).toString().split(".");
  const text = groupThousands(whole) + (fraction ? DECIMAL_SEPARATOR[language] + fraction : "");
  return value < 0 ? `-${text}` : text;
}
