/**
 * Which field an API refusal is about, so the form shows the hub's own words next to it. The hub names
 * the field of a 400 as a prefix ("amount: Input should be greater than 0", "confirmation.reason: ...");
 * other refusals are known by their code (409 `name_taken` is the name, 403 `confirmation_failed` the code
 * or password). Anything else belongs to the form as a whole.
 */
import { ApiError } from "../../api/errors";

/** Refusals of a sensitive action's proof, said in the user's language rather than the hub's English. */
const WORDED: Record<string, string> = { confirmation_failed: "confirmationFailed" };

export interface FieldError {
  /** The form's field, or null for the form as a whole. */
  field: string | null;
  message: string;
}

/**
 * `fields` maps the hub's field paths to the form's fields ({"confirmation.reason": "reason"});
 * `codes` maps error codes to the form's fields ({"name_taken": "name"}).
 */
export function fieldError(error: unknown, fields: Record<string, string>, codes: Record<string, string> = {}): FieldError | null {
  if (!(error instanceof ApiError)) return null;
  const byCode = codes[error.code];
  // A refusal the console words itself, in the user's language (a key of common.errors).
  const worded = WORDED[error.code];
  if (byCode !== undefined) return { field: byCode, message: worded ?? error.message };
  const match = /^([A-Za-z_][\w.]*): (.+)$/s.exec(error.message);
  if (match !== null && error.status === 400) {
    const path = match[1] ?? "";
    // The most specific declared path that the hub's path starts with ("items.0.quantity" -> "items").
    const known = Object.keys(fields)
      .filter((key) => path === key || path.startsWith(`${key}.`))
      .sort((a, b) => b.length - a.length)[0];
    if (known !== undefined) return { field: fields[known] ?? null, message: match[2] ?? error.message };
  }
  return { field: null, message: error.message };
}
