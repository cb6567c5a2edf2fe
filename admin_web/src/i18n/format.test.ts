import { describe, expect, it } from "vitest";

import { formatCountdown, formatDateTime, formatDuration, formatMoney, formatNumber, formatTime } from "./format";

const S = "\u00a0"; // the no-break space that groups thousands and joins a number to its unit

describe("formatMoney", () => {
  it("shows so'm whole, grouped, in the branch's language", () => {
    expect(formatMoney(1_200_000, "UZS", "uz")).toBe(`12${S}000 so'm`);
    expect(formatMoney(1_200_000, "UZS", "en")).toBe(`12${S}000 so'm`);
    expect(formatMoney(1_200_000, "UZS", "ru")).toBe(`12${S}000 сум`);
    expect(formatMoney(150_000_000_000, "UZS", "uz")).toBe(`1${S}500${S}000${S}000 so'm`);
  });

  it("rounds tiyin half up to whole so'm, like the hub", () => {
    expect(formatMoney(1_249, "UZS", "en")).toBe("12 so'm");
    expect(formatMoney(1_250, "UZS", "en")).toBe("13 so'm");
    expect(formatMoney(-1_250, "UZS", "en")).toBe("-13 so'm");
    expect(formatMoney(-49, "UZS", "en")).toBe("0 so'm");
  });

  it("shows cents with the language's decimal separator", () => {
    expect(formatMoney(123_456, "USD", "en")).toBe(`1${S}234.56 USD`);
    expect(formatMoney(123_456, "USD", "ru")).toBe(`1${S}234,56 USD`);
    expect(formatMoney(5, "USD", "uz")).toBe("0,05 USD");
    expect(formatMoney(-100, "RUB", "ru")).toBe("-1,00 ₽");
  });

  it("shows an unknown currency by its code with two decimals", () => {
    expect(formatMoney(1_000, "KZT", "en")).toBe("10.00 KZT");
  });

  it("refuses what is not an integer amount", () => {
    expect(() => formatMoney(1.5, "UZS", "en")).toThrow(RangeError);
  });
});

describe("formatDuration", () => {
  it("shows hours and zero-padded minutes", () => {
    expect(formatDuration(65 * 60_000 + 59_000, "en")).toBe(`1${S}h 05${S}min`);
    expect(formatDuration(2 * 3600_000, "ru")).toBe(`2${S}ч 00${S}мин`);
    expect(formatDuration(3 * 3600_000 + 30 * 60_000, "uz")).toBe(`3${S}soat 30${S}daq`);
  });

  it("shows minutes under an hour and seconds under a minute, rounded down", () => {
    expect(formatDuration(12 * 60_000 + 59_999, "en")).toBe(`12${S}min`);
    expect(formatDuration(45_900, "uz")).toBe(`45${S}s`);
    expect(formatDuration(-5_000, "en")).toBe(`0${S}s`);
  });
});

describe("formatCountdown", () => {
  it("counts down in h:mm:ss, or m:ss under an hour, rounded down and never negative", () => {
    expect(formatCountdown(3600_000 + 5 * 60_000 + 9_999)).toBe("1:05:09");
    expect(formatCountdown(4 * 60_000 + 59_999)).toBe("4:59");
    expect(formatCountdown(59_000)).toBe("0:59");
    expect(formatCountdown(-1)).toBe("0:00");
  });
});

describe("dates on the branch's clock", () => {
  // 2026-03-01 19:30 UTC is 2026-03-02 00:30 in Tashkent (UTC+5, no daylight saving).
  const moment = Date.UTC(2026, 2, 1, 19, 30);

  it("shows the date and time in the branch's timezone, not the browser's", () => {
    expect(formatDateTime(moment, "Asia/Tashkent", "en")).toBe("2 Mar 2026, 00:30");
    expect(formatDateTime(moment, "UTC", "en")).toBe("1 Mar 2026, 19:30");
    expect(formatDateTime(moment, "Asia/Tashkent", "ru")).toMatch(/^2 мар\.? 2026( г\.)?, 00:30$/);
    // Written out, not left to the browser (Debian's Chromium has no Uzbek dates: "2026 M3 2").
    expect(formatDateTime(moment, "Asia/Tashkent", "uz")).toBe("2-mar, 2026, 00:30");
    expect(formatDateTime(Date.UTC(2026, 10, 30, 0, 53), "Asia/Tashkent", "uz")).toBe("30-noy, 2026, 05:53");
  });

  it("shows a time of day on a 24-hour clock", () => {
    expect(formatTime(moment, "Asia/Tashkent", "en")).toBe("00:30");
    expect(formatTime(moment, "Europe/Moscow", "uz")).toBe("22:30");
  });
});

describe("formatNumber", () => {
  it("groups thousands and uses the language's decimal separator", () => {
    expect(formatNumber(1234567, "en")).toBe(`1${S}234${S}567`);
    expect(formatNumber(-1234.5, "ru")).toBe(`-1${S}234,5`);
  });
});
