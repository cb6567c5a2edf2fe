/**
 * What the front desk's own forms check before sending, beyond the shared checks (features/common/
 * validate.ts: reasons, codes, terminal references, amounts). The hub checks again and its message is
 * shown next to the field when it refuses. Each answers null when the value is fine, else a key of
 * `desk.problems`.
 */

export type Problem = "required" | "minutes" | "message" | "login" | "secret" | "pin" | "secretLogin" | "phone";

/** Prepaid minutes: a whole number from 1 to a week (the hub's bound). */
export const MAX_MINUTES = 7 * 24 * 60;

export function parseMinutes(text: string): number | null {
  const value = text.trim();
  if (!/^\d{1,5}$/.test(value)) return null;
  const minutes = Number(value);
  return minutes >= 1 && minutes <= MAX_MINUTES ? minutes : null;
}

/** A message shown on a PC's screen: 1 to 1000 characters. */
export function messageProblem(text: string): Problem | null {
  if (text.trim() === "") return "required";
  return text.length > 1000 ? "message" : null;
}

/** A member's login: 3-32 letters, digits, dots, dashes or underscores. */
export function loginProblem(text: string): Problem | null {
  const value = text.trim();
  if (value === "") return "required";
  return /^[A-Za-z0-9_.-]{3,32}$/.test(value) ? null : "login";
}

/** A phone number as staff type it: digits with an optional +, spaces, dashes and brackets; 7-15 digits. */
export function phoneProblem(text: string): Problem | null {
  const value = text.trim();
  if (value === "") return null;
  const digits = value.replace(/\D/g, "");
  return /^\+?[\d\s()-]+$/.test(value) && digits.length >= 7 && digits.length <= 15 ? null : "phone";
}

/**
 * A member's PIN (exactly 4 digits) or password (8-128 characters, not only digits, not containing the
 * login); whether a password is too common only the hub knows.
 */
export function secretProblem(secret: string, login: string): Problem | null {
  if (secret === "") return "required";
  if (/^\d+$/.test(secret)) return secret.length === 4 ? null : "pin";
  if (secret.length < 8 || secret.length > 128) return "secret";
  if (login.trim().length >= 3 && secret.toLowerCase().includes(login.trim().toLowerCase())) return "secretLogin";
  return null;
}
