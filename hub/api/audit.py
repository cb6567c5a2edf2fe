"""``/api/v1/audit``: the audit log, newest first, for owners; and a check of its hash chain."""

from __future__ import annotations

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from hub.api.guard import requires
from hub.api.query import Moment, Name, Paging, with_query
from hub.auth.permissions import Permission
from hub.security.audit import entry_view

bp = Blueprint("audit", url_prefix="/audit")


class AuditQuery(Paging):
    actor: Name | None = None
    action: Name | None = None
    outcome: Name | None = None
    since: Moment | None = None
    until: Moment | None = None


@bp.get("")
@openapi.definition(
    summary="Audit entries, newest first; filters: actor, action, outcome, since, until",
    tag="audit",
)
@requires(Permission.AUDIT_READ)
@with_query(AuditQuery)
async def list_audit(request: Request, query: AuditQuery) -> HTTPResponse:
    entries, total = await request.app.ctx.store.audit.page(
        actor=query.actor,
        action=query.action,
        outcome=query.outcome,
        since_ms=query.since,
        until_ms=query.until,
        skip=query.offset,
        limit=query.limit,
    )
    return json({"items": [entry_view(e) for e in entries], "total": total})


@bp.get("/verify")
@openapi.definition(summary="Check the audit log's hash chain (as `icafe audit verify` does)", tag="audit")
@requires(Permission.AUDIT_READ)
async def verify_audit(request: Request) -> HTTPResponse:
    report = await request.app.ctx.audit.verify()
    return json(
        {
            "ok": report.ok,
            "entries": report.entries,
            "head_hash": report.head_hash,
            "problems": report.problems,
        }
    )
