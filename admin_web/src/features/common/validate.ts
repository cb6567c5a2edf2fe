/**
 * What a form checks before sending, so a mistake is shown at once next to its field. The hub checks the
 * same again (and is the judge): these only save a round trip. Each returns an error key of the "common"
 * catalogue (`common.errors.<key>`), or null when the value is fine.
 */
import { parseMoney } from "../../i18n/format";

export type Check = string | null;

export function required(text: string): Check {
  return text.trim() === "" ? "required" : null;
}

/** A reason for the audit log: at least 3 characters once trimmed, at most 500 (the hub's rule). */
export function reason(text: string): Check {
  const trimmed = text.trim();
  if (trimmed === "") return "required";
  if (trimmed.length < 3) return "reasonShort";
  return trimmed.length > 500 ? "tooLong" : null;
}

/** A 6-digit code from the authenticator app (spaces allowed, as apps show "123 456"). */
export function totpCode(text: string): Check {
  const digits = text.replace(/\s/g, "");
  if (digits === "") return "required";
  return /^\d{6}$/.test(digits) ? null : "totp";
}

/** An amount in the branch currency; `min` in minor units (0 allows zero, e.g. an empty drawer). */
export function amount(text: string, currency: string, min = 1, max: number | null = null): Check {
  if (text.trim() === "") return "required";
  const minor = parseMoney(text, currency);
  if (minor === null) return "amount";
  if (minor < min) return min > 0 ? "positive" : "amount";
  return max !== null && minor > max ? "tooMuch" : null;
}

/** Luhn's check over a string of digits (what card numbers pass). */
export function luhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index += 1) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/**
 * The card terminal's approval code: 4-32 letters, digits or dashes (the hub's rule). Never a card
 * number: the hub refuses 13-19 digits passing Luhn, and the console says so before it is even sent.
 */
export function terminalRef(text: string): Check {
  const trimmed = text.trim();
  if (trimmed === "") return "required";
  const digits = trimmed.replace(/[\s-]/g, "");
  if (/^\d{13,19}$/.test(digits) && luhn(digits)) return "cardNumber";
  return /^[A-Za-z0-9-]{4,32}$/.test(trimmed) ? null : "terminalRef";
}

/** A staff username as the hub accepts it: 3-32 characters. */
export function username(text: string): Check {
  const trimmed = text.trim();
  if (trimmed === "") return "required";
  return trimmed.length < 3 || trimmed.length > 32 ? "username" : null;
}

/** A staff password: 12 to 128 characters (the hub also refuses common ones and says why). */
export function staffPassword(text: string): Check {
  if (text === "") return "required";
  return text.length < 12 || text.length > 128 ? "passwordLength" : null;
}

/** A whole number within [min, max]. */
export function wholeNumber(text: string, min: number, max: number): Check {
  if (text.trim() === "") return "required";
  if (!/^\d+$/.test(text.trim())) return "whole";
  const value = Number(text.trim());
  return value < min || value > max ? "range" : null;
}

/** "HH:MM" as minutes after midnight; "24:00" is the end of a day. null when it is not a time. */
export function minutesOf(text: string): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (match === null) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) return null;
  return hours * 60 + minutes;
}

/** Minutes after midnight as "HH:MM". */
export function clockOf(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** True when no check found anything. */
export function allValid(checks: Record<string, Check>): boolean {
  return Object.values(checks).every((check) => check === null);
}
