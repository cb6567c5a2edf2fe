"""Enrolling PCs: the PC's two public routes (send a request with a code, poll it) and the technician's
(codes, approving or rejecting requests, revoking a PC). ``hub.enrollment`` holds the rules."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, Page, answers, reply
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import Confirmation, confirm_sensitive, public, requires
from hub.api.query import Paging, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.enrollment.service import MAX_BATCH, POLL_AFTER_S
from hub.security.limits import too_many
from hub.security.network import client_ip
from hub.store.enrollments import EnrollCodeRecord, EnrollmentRecord, EnrollState
from hub.store.tariffs import DEFAULT_GROUP
from protocol.enrollment import SECRET_HEADER, EnrollAccepted, EnrollRequest, EnrollStatus
from protocol.enrollment import EnrollState as PcEnrollState
from protocol.signer import BrokerChange

bp = Blueprint("enrollment")

Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
# The PC's public routes, per address: a batch of PCs behind one address (a cafe behind NAT) sends
# one request each and polls every few seconds; a code guesser gets 60 tries in 10 min against 78 bits.
SUBMIT_LIMIT, SUBMIT_WINDOW_S = 60, 600
POLL_LIMIT, POLL_WINDOW_S = 1200, 60  # 100 PCs polling every 5 s; `icafe enroll` waits out a 429


class CodeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uses: int = Field(default=1, ge=1, le=MAX_BATCH, description="how many PCs may enroll with it")
    pc_id: Name | None = Field(default=None, description="a code for this one PC only (uses must be 1)")
    group: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="the PC group the PCs join (else the default)"
    )


class EnrollCode(Answer):
    """A code as listed: never the code itself, which is shown once when it is made."""

    id: str
    last4: str = Field(description="the code's last four characters")
    site: str
    pc_id: str | None = Field(description="a code for this one PC only")
    group: str | None
    uses: int
    left: int = Field(description="uses left (0 once withdrawn)")
    created_at: int
    expires_at: int
    created_by: str
    withdrawn_at: int | None


class NewEnrollCode(EnrollCode):
    code: str = Field(description="shown this once: give it to whoever runs `icafe enroll` on the PCs")


class Enrollment(Answer):
    """A PC's enrollment request."""

    id: str
    state: Literal["pending", "approved", "rejected"]
    name: str = Field(description="the PC id asked for")
    site: str
    group: str | None
    code_id: str
    code_pc_id: str | None = Field(description="the code was for this PC only: approve it as this PC")
    hostname: str | None
    os: str | None
    agent_version: str | None
    address: str | None = Field(description="where the request came from")
    key_fingerprint: str = Field(description="SHA-256 of the PC's public key (hex)")
    known_pc: bool = Field(description="a PC of this id is on record: approving it replaces that PC")
    created_at: int
    decided_at: int | None
    decided_by: str | None
    pc_id: str | None = Field(description="the PC id it was approved as")
    reason: str | None = Field(description="why it was rejected")


class Approved(Enrollment):
    broker: BrokerChange | None = Field(
        description="applied: the running broker admits the PC now; otherwise only from its next start"
    )
    broker_detail: str | None


class ApproveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pc_id: Name | None = Field(default=None, description="the PC's id (default: the one it asked for)")
    group: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    replace: bool = Field(
        default=False,
        description="the PC takes the place of one with a valid certificate (its disk was replaced): that "
        "certificate is revoked",
    )


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Annotated[str, Field(min_length=3, max_length=500)]


class RevokeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirmation: Confirmation | None = None


class Revoked(Answer):
    pc_id: str
    serial: str | None = Field(description="the revoked certificate's serial (hex)")
    broker: BrokerChange | None = Field(
        description="applied: the broker disconnected the PC now; refused at its next connection either way"
    )
    broker_detail: str | None


class EnrollmentsQuery(Paging):
    state: Literal["pending"] = "pending"


def code_view(code: EnrollCodeRecord) -> dict[str, Any]:
    return {
        "id": code.id,
        "last4": code.last4,
        "site": code.site,
        "pc_id": code.pc_id,
        "group": code.group,
        "uses": code.uses,
        "left": code.left,
        "created_at": code.created_at,
        "expires_at": code.expires_at,
        "created_by": code.created_by,
        "withdrawn_at": code.withdrawn_at,
    }


def enrollment_view(record: EnrollmentRecord, known_pc: bool) -> dict[str, Any]:
    state = EnrollState.PENDING if record.state is EnrollState.SIGNING else record.state
    return {
        "id": record.id,
        "state": state.value,
        "name": record.name,
        "site": record.site,
        "group": record.group,
        "code_id": record.code_id,
        "code_pc_id": record.code_pc_id,
        "hostname": record.hostname,
        "os": record.os,
        "agent_version": record.agent_version,
        "address": record.address,
        "key_fingerprint": record.key_fingerprint,
        "known_pc": known_pc,
        "created_at": record.created_at,
        "decided_at": record.decided_at,
        "decided_by": record.decided_by,
        "pc_id": record.pc_id,
        "reason": record.reason,
    }


async def _known(request: Request, names: list[str]) -> set[str]:
    return {pc.id for pc in await request.app.ctx.store.pcs.by_ids(names)}


async def _limit(request: Request, what: str, limit: int, window_s: int) -> None:
    wait = await request.app.ctx.rate_limiter.hit(f"enroll:{what}:{client_ip(request)}", limit, window_s)
    if wait is not None:
        raise too_many(wait, "enrollment requests from this address")


# ---- the PC ----------------------------------------------------------------------------------------


@bp.post("/enroll")
@openapi.definition(
    summary="A PC asks to be enrolled: its certificate request (its key stays on it) and a one-time code",
    body=json_body(EnrollRequest),
    tag="enrollment",
)
@public
@audits("pc.enroll.request")
@answers(EnrollAccepted, status=202, errors=(403, 409, 410))
async def submit(request: Request) -> Any:
    await _limit(request, "submit", SUBMIT_LIMIT, SUBMIT_WINDOW_S)
    body = parse_body(request, EnrollRequest)
    ctx = request.app.ctx
    record, secret = await ctx.enrollment.submit(body, client_ip(request))
    await ctx.audit.record(
        "pc.enroll.request",
        request=request,
        target=f"enrollment:{record.id}",
        details={"name": record.name, "code_id": record.code_id, "hostname": record.hostname},
    )
    accepted = EnrollAccepted(
        id=record.id, secret=secret, state=PcEnrollState.PENDING, name=record.name, poll_after_s=POLL_AFTER_S
    )
    return reply(accepted, 202)


@bp.get("/enroll/<request_id:str>")
@openapi.definition(
    summary=f"The PC polls its request with the secret it was given ({SECRET_HEADER}); once approved, its "
    "certificate and the broker to connect to",
    tag="enrollment",
)
@public
@answers(EnrollStatus, errors=(403, 404))
async def poll(request: Request, request_id: str) -> EnrollStatus:
    await _limit(request, "poll", POLL_LIMIT, POLL_WINDOW_S)
    status: EnrollStatus = await request.app.ctx.enrollment.status(
        request_id, request.headers.get(SECRET_HEADER)
    )
    return status


# ---- the technician ----------------------------------------------------------------------------------


@bp.post("/enrollment-codes")
@openapi.definition(
    summary="A one-time enrollment code, valid 24 h, for one PC or a batch (the code is shown only now)",
    body=json_body(CodeRequest),
    tag="enrollment",
)
@requires(Permission.PCS_ENROLL)
@audits("pc.enroll_code.create")
@answers(NewEnrollCode, status=201)
async def create_code(request: Request) -> Any:
    body = parse_body(request, CodeRequest)
    ctx = request.app.ctx
    record, code = await ctx.enrollment.create_code(
        uses=body.uses, pc_id=body.pc_id, group=body.group, created_by=request.ctx.claims.username
    )
    await ctx.audit.record(
        "pc.enroll_code.create",
        request=request,
        target=f"enroll_code:{record.id}",
        details={"uses": record.uses, "pc_id": record.pc_id, "group": record.group, "last4": record.last4},
    )
    return reply({**code_view(record), "code": code}, 201)


@bp.get("/enrollment-codes")
@openapi.definition(summary="Enrollment codes, newest first (never the codes themselves)", tag="enrollment")
@requires(Permission.PCS_ENROLL)
@with_query(Paging)
@answers(Page[EnrollCode])
async def list_codes(request: Request, query: Paging) -> dict[str, Any]:
    records, total = await request.app.ctx.store.enroll_codes.page(skip=query.offset, limit=query.limit)
    return {"items": [code_view(r) for r in records], "total": total}


@bp.post("/enrollment-codes/<code_id:str>/withdraw")
@openapi.definition(summary="Withdraw a code: no PC may use it any more", tag="enrollment")
@requires(Permission.PCS_ENROLL)
@audits("pc.enroll_code.withdraw")
@answers(EnrollCode, errors=(404,))
async def withdraw_code(request: Request, code_id: str) -> dict[str, Any]:
    ctx = request.app.ctx
    record = await ctx.enrollment.withdraw_code(code_id)
    await ctx.audit.record("pc.enroll_code.withdraw", request=request, target=f"enroll_code:{record.id}")
    return code_view(record)


@bp.get("/enrollments")
@openapi.definition(summary="PCs waiting for approval, oldest first", tag="enrollment")
@requires(Permission.PCS_ENROLL)
@with_query(EnrollmentsQuery)
@answers(Page[Enrollment])
async def list_enrollments(request: Request, query: EnrollmentsQuery) -> dict[str, Any]:
    records, total = await request.app.ctx.enrollment.pending(skip=query.offset, limit=query.limit)
    known = await _known(request, [r.name for r in records])
    return {"items": [enrollment_view(r, r.name in known) for r in records], "total": total}


@bp.post("/enrollments/<request_id:str>/approve")
@openapi.definition(
    summary="Approve a PC: the signer certifies its key and the running broker admits it",
    body=json_body(ApproveRequest),
    tag="enrollment",
)
@requires(Permission.PCS_ENROLL)
@audits("pc.enroll.approve")
@answers(Approved, errors=(404, 409, 422))
async def approve(request: Request, request_id: str) -> dict[str, Any]:
    body = parse_body(request, ApproveRequest)
    ctx = request.app.ctx
    approval = await ctx.enrollment.approve(
        request_id, pc_id=body.pc_id, group=body.group, replace=body.replace, by=request.ctx.claims.username
    )
    record = approval.request
    await ctx.audit.record(
        "pc.enroll.approve",
        request=request,
        target=f"pc:{record.pc_id}",
        details={
            "enrollment": record.id,
            "serial": record.serial,
            "replace": body.replace,
            "group": record.group,
            "broker": approval.broker.value if approval.broker else None,
        },
    )
    view = enrollment_view(record, True)
    return {**view, "broker": approval.broker, "broker_detail": approval.broker_detail}


@bp.post("/enrollments/<request_id:str>/reject")
@openapi.definition(summary="Reject a PC's request", body=json_body(RejectRequest), tag="enrollment")
@requires(Permission.PCS_ENROLL)
@audits("pc.enroll.reject")
@answers(Enrollment, errors=(404, 409))
async def reject(request: Request, request_id: str) -> dict[str, Any]:
    body = parse_body(request, RejectRequest)
    ctx = request.app.ctx
    record = await ctx.enrollment.reject(request_id, reason=body.reason, by=request.ctx.claims.username)
    await ctx.audit.record(
        "pc.enroll.reject", request=request, target=f"enrollment:{record.id}", reason=body.reason
    )
    return enrollment_view(record, bool(await _known(request, [record.name])))


@bp.post("/pcs/<pc_id:str>/revoke")
@openapi.definition(
    summary="Revoke a PC's certificate (a sensitive action): the broker disconnects it at once and refuses "
    "it from then on, without a restart",
    body=json_body(RevokeRequest),
    tag="enrollment",
)
@requires(Permission.PCS_ENROLL)
@audits("pc.revoke")
@answers(Revoked, errors=(404, 409))
async def revoke(request: Request, pc_id: str) -> dict[str, Any]:
    body = parse_body(request, RevokeRequest)
    reason = await confirm_sensitive(request, body.confirmation, "pc.revoke")
    ctx = request.app.ctx
    answer = await ctx.enrollment.revoke(pc_id)
    await ctx.audit.record(
        "pc.revoke",
        request=request,
        target=f"pc:{pc_id}",
        reason=reason,
        details={"serial": answer.serial, "broker": answer.broker.value if answer.broker else None},
    )
    return {
        "pc_id": pc_id,
        "serial": answer.serial,
        "broker": answer.broker,
        "broker_detail": answer.broker_detail,
    }


async def pending_pcs(request: Request, offset: int, limit: int) -> dict[str, Any]:
    """``GET /pcs?status=pending``: PCs waiting for approval, shaped as PCs (``enrollment`` says which
    request to approve)."""
    records, total = await request.app.ctx.enrollment.pending(skip=offset, limit=limit)
    known = await _known(request, [r.name for r in records])
    items = [
        {
            "id": r.name,
            "site": r.site,
            "status": "pending",
            "status_since": r.created_at,
            "first_seen": r.created_at,
            "last_seen": r.created_at,
            "hostname": r.hostname,
            "agent_version": r.agent_version,
            "os": r.os,
            "hardware": {},
            "group": r.group or DEFAULT_GROUP,
            "session_id": None,
            "lock_hardening": None,
            "alert_count": 0,
            "enrollment": enrollment_view(r, r.name in known),
        }
        for r in records
    ]
    return {"items": items, "total": total}
