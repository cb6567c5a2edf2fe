/** The audit log's filters: the form as the address keeps it, and the hub's query (times on the branch's clock). */
import type { AuditFilters } from "../../api/backoffice";
import { zonedToEpoch } from "../common/zoned";

export const OUTCOMES = ["success", "failure", "denied", "locked", "reuse_detected"];
export const KEYS = ["actor", "action", "outcome", "since", "until"] as const;
export type Form = Record<(typeof KEYS)[number], string>;

/** The hub's filters from the form (times on the branch's clock); empty ones left out. */
export function auditQuery(form: Form, timezone: string): AuditFilters {
  const query: AuditFilters = {};
  if (form.actor.trim()) query.actor = form.actor.trim();
  if (form.action.trim()) query.action = form.action.trim();
  if (form.outcome.trim()) query.outcome = form.outcome.trim();
  const since = form.since ? zonedToEpoch(form.since, timezone) : null;
  const until = form.until ? zonedToEpoch(form.until, timezone) : null;
  if (since !== null) query.since = since;
  if (until !== null) query.until = until;
  return query;
}

