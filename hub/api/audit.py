"""``/api/v1/audit``: the audit log, newest first, for owners; and a check of its hash chain."""

from __future__ import annotations

import datetime as dt

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from hub.api.bodies import paging
from hub.api.guard import requires
from hub.auth.permissions import Permission
from hub.errors import bad_request
from hub.security.audit import entry_view

bp = Blueprint("audit", url_prefix="/audit")


def _time_ms(request: Request, name: str) -> int | None:
    """``?since=`` / ``?until=``: epoch milliseconds or ISO 8601 (UTC if no offset is given)."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lstrip("-").isdigit():
        return int(raw)
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise bad_request(f"{name} must be epoch milliseconds or an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


@bp.get("")
@openapi.definition(
    summary="Audit entries, newest first; filters: actor, action, outcome, since, until (ms or ISO 8601)",
    tag="audit",
)
@requires(Permission.AUDIT_READ)
async def list_audit(request: Request) -> HTTPResponse:
    offset, limit = paging(request)
    entries, total = await request.app.ctx.store.audit.page(
        actor=request.args.get("actor") or None,
        action=request.args.get("action") or None,
        outcome=request.args.get("outcome") or None,
        since_ms=_time_ms(request, "since"),
        until_ms=_time_ms(request, "until"),
        skip=offset,
        limit=limit,
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
