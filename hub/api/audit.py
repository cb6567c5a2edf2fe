"""``/api/v1/audit``: the audit log, newest first, for owners; and a check of its hash chain."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, Page, answers
from hub.api.guard import requires
from hub.api.query import Moment, Name, Paging, QueryModel, with_query
from hub.auth.permissions import Permission
from hub.security.audit import entry_view

bp = Blueprint("audit", url_prefix="/audit")


class AuditFilter(QueryModel):
    """The filters of the audit log (and its export)."""

    actor: Name | None = None
    action: Name | None = None
    outcome: Name | None = None
    since: Moment | None = None
    until: Moment | None = None

    def repository_filters(self) -> dict[str, Any]:
        return {
            "actor": self.actor,
            "action": self.action,
            "outcome": self.outcome,
            "since_ms": self.since,
            "until_ms": self.until,
        }


class AuditQuery(AuditFilter, Paging):
    pass


class AuditEntry(Answer):
    seq: int
    at: int
    time: str = Field(description="``at`` in ISO 8601, UTC")
    actor: str
    actor_id: str | None
    actor_role: str | None
    action: str
    target: str | None
    outcome: str
    reason: str | None
    details: dict[str, Any]
    ip: str | None
    hub: str | None
    prev: str = Field(description="the previous entry's hash")
    hash: str


class ChainReport(Answer):
    ok: bool
    entries: int
    head_hash: str
    problems: list[str]


@bp.get("")
@openapi.definition(
    summary="Audit entries, newest first; filters: actor, action, outcome, since, until",
    tag="audit",
)
@requires(Permission.AUDIT_READ)
@with_query(AuditQuery)
@answers(Page[AuditEntry])
async def list_audit(request: Request, query: AuditQuery) -> dict[str, Any]:
    entries, total = await request.app.ctx.store.audit.page(
        **query.repository_filters(), skip=query.offset, limit=query.limit
    )
    return {"items": [entry_view(e) for e in entries], "total": total}


@bp.get("/verify")
@openapi.definition(summary="Check the audit log's hash chain (as `icafe audit verify` does)", tag="audit")
@requires(Permission.AUDIT_READ)
@answers(ChainReport)
async def verify_audit(request: Request) -> dict[str, Any]:
    report = await request.app.ctx.audit.verify()
    return {
        "ok": report.ok,
        "entries": report.entries,
        "head_hash": report.head_hash,
        "problems": report.problems,
    }
