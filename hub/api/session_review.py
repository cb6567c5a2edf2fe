"""``POST /api/v1/sessions/{id}/review``: staff decide on an offline session the hub could not verify.

A session that began at a PC while the hub was unreachable, without a valid proof that the member typed
their secret there (``hub.sessions.offline``), is recorded as that PC's, flagged ``unverified``, and
charges nothing until staff review it: ``charge`` (the member pays the hub's price of it, once) or
``waive`` (nobody does). A sensitive action: it needs a confirmation, and it is audited.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import answers
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import Confirmation, confirm_sensitive, requires
from hub.api.schema import json_body
from hub.api.sessions import Session, session_view
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.errors import ApiError, not_found
from hub.sessions.projection import REVIEW_PENDING
from hub.store.sessions import SessionState

bp = Blueprint("session_review", url_prefix="/sessions")


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["charge", "waive"] = Field(
        description="charge: the member pays the hub's price of the session; waive: nobody pays"
    )
    confirmation: Confirmation | None = None


@bp.post("/<session_id:str>/review")
@openapi.definition(
    summary="Charge or waive an unverified offline session (confirmation required)",
    body=json_body(Review),
    tag="sessions",
)
@requires(Permission.SESSIONS_GRANT)
@audits("session.review")
@answers(Session, errors=(404, 409))
async def review_session(request: Request, session_id: str) -> dict[str, Any]:
    body = parse_body(request, Review)
    ctx = request.app.ctx
    record = await ctx.store.sessions.get(session_id)
    if record is None:
        raise not_found(f"session {session_id!r}")
    if record.review != REVIEW_PENDING:
        raise ApiError(
            409, "no_review", f"session {session_id} awaits no review ({record.review or 'verified'})"
        )
    if record.state is not SessionState.ENDED:
        raise ApiError(
            409, "not_ended", f"session {session_id} is {record.state}; review it once it has ended"
        )
    reason = await confirm_sensitive(request, body.confirmation, "session.review")
    charge = body.decision == "charge" and record.member_id is not None and (record.cost or 0) > 0
    if charge:
        assert record.member_id is not None
        pc = await ctx.store.pcs.get(record.pc_id)
        branch = pc.site if pc else ctx.money.default_branch
        # Once, whatever happens next: the session's id is the charge's idempotency key.
        await ctx.money.charge_session(record.id, record.member_id, record.cost or 0, branch)
    if not await ctx.store.sessions.set_review(
        session_id,
        "charged" if body.decision == "charge" else "waived",
        by=request.ctx.claims.username,
        at=now_ms(),
    ):
        raise ApiError(409, "no_review", f"session {session_id} was reviewed meanwhile")
    await ctx.audit.record(
        "session.review",
        request=request,
        target=f"session:{session_id}",
        reason=reason,
        details={
            "decision": body.decision,
            "member_id": record.member_id,
            "cost": record.cost,
            "charged": charge,
        },
    )
    updated = await ctx.store.sessions.get(session_id)
    assert updated is not None
    return session_view(updated)
