"""PCs: list, detail with the latest telemetry, remote commands and their history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, ErrorAnswer, Page, absent, answers, reply
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.enroll import Enrollment, pending_pcs
from hub.api.guard import Confirmation, check_permission, confirm_sensitive, requires
from hub.api.query import MAX_PAGE, Name, Paging, QueryModel, enum_schema, one_of, with_query
from hub.api.schema import json_body
from hub.auth.permissions import ANY_COMMAND, COMMAND_PERMISSIONS, Permission
from hub.errors import ApiError, not_found
from hub.mqtt.bridge import BrokerUnavailable
from hub.store import CommandRecord, PcRecord
from hub.store.commands import CommandState
from hub.store.tariffs import DEFAULT_GROUP
from protocol import CommandType, HardeningGrade

bp = Blueprint("pcs", url_prefix="/pcs")

OFFLINE = "offline"
# PCs that asked to be enrolled and wait for a technician (hub.api.enroll).
PENDING = "pending"
# Commands that need a confirmation (reason plus TOTP or password). Unlocking hands a PC out without a
# session; until sessions exist to tell a session's unlock from a free one, every unlock is sensitive.
SENSITIVE_COMMANDS = frozenset({CommandType.UNLOCK})
STATUSES = frozenset({"online", OFFLINE, PENDING})


class PcsQuery(Paging):
    site: Name | None = None
    status: Annotated[str, one_of(STATUSES), enum_schema(STATUSES)] | None = None


class CommandsQuery(Paging):
    limit: int = Field(default=50, ge=1, le=MAX_PAGE, description="entries to answer")


class TelemetryQuery(QueryModel):
    limit: int = Field(default=60, ge=1, le=MAX_PAGE, description="the newest samples to answer")


class HardeningCheck(Answer):
    name: str
    ok: bool | None = Field(description="null: the PC's platform cannot check it")
    detail: str


class LockHardening(Answer):
    """The PC's self-test of what keeps a customer inside its lock screen, sent at its last start
    (README "The lock screen"); anything but strong also raises a lock_hardening alert."""

    grade: HardeningGrade
    checks: list[HardeningCheck]


class Pc(Answer):
    id: str
    site: str
    status: Literal["online", "offline", "pending"]
    status_since: int | None
    first_seen: int
    last_seen: int
    hostname: str | None
    agent_version: str | None
    os: str | None
    hardware: dict[str, Any]
    group: str
    session_id: str | None = Field(description="the session running on it now")
    lock_hardening: LockHardening | None = Field(description="null: the PC has not reported one")


class PcListed(Pc):
    alert_count: int = Field(description="unresolved alerts")
    enrollment: Enrollment | None = absent("status=pending only: the request to approve")


class Alert(Answer):
    id: str
    pc_id: str
    kind: str
    state: str
    message: str
    details: dict[str, Any]
    count: int
    first_at: int
    last_at: int


class QuarantinedEvent(Answer):
    """An event the PC sent that the hub refused, with why (README "A PC is hostile")."""

    pc_id: str
    journal: str
    seq: int
    type: str
    data: dict[str, Any]
    at: int
    session_id: str | None
    reason: str
    detail: str
    received_at: int


class PcDetail(Pc):
    telemetry: dict[str, Any] | None = Field(description="the latest sample")
    alerts: list[Alert] = Field(description="unresolved")
    quarantined: list[QuarantinedEvent] = Field(description="the newest refused events")


class Command(Answer):
    id: str
    pc_id: str
    type: str
    text: str | None
    state: CommandState
    detail: str | None
    issued_by: str
    issued_at: int
    done_at: int | None


class CommandTimedOut(ErrorAnswer):
    """504: the PC did not acknowledge in time; the command as stored (a late acknowledgement updates it)."""

    command: Command


class TelemetrySample(Answer):
    """A telemetry sample as received; its figures depend on the agent."""

    model_config = ConfigDict(extra="allow")
    pc_id: str
    at: int


def _status(presence: dict[str, Any] | None) -> str:
    return str(presence["status"]) if presence else OFFLINE


def pc_view(pc: PcRecord, presence: dict[str, Any] | None, session_id: str | None = None) -> dict[str, Any]:
    return {
        "id": pc.id,
        "site": pc.site,
        "status": _status(presence),
        "status_since": presence["since"] if presence else None,
        "first_seen": pc.first_seen,
        "last_seen": pc.last_seen,
        "hostname": pc.hostname,
        "agent_version": pc.agent_version,
        "os": pc.os,
        "hardware": pc.hardware,
        "group": pc.group or DEFAULT_GROUP,
        "session_id": session_id,
        "lock_hardening": pc.hardening,
    }


def command_view(command: CommandRecord) -> dict[str, Any]:
    return {
        "id": command.id,
        "pc_id": command.pc_id,
        "type": command.type,
        "text": command.text,
        "state": command.state.value,
        "detail": command.detail,
        "issued_by": command.issued_by,
        "issued_at": command.issued_at,
        "done_at": command.done_at,
    }


@bp.get("")
@openapi.definition(summary="List PCs with their presence", tag="pcs")
@requires(Permission.PCS_READ)
@with_query(PcsQuery)
@answers(Page[PcListed])
async def list_pcs(request: Request, query: PcsQuery) -> dict[str, Any]:
    ctx = request.app.ctx
    site, status, offset, limit = query.site, query.status, query.offset, query.limit
    if status == PENDING:
        return await pending_pcs(request, offset, limit)
    if status is None:
        pcs, total = await ctx.store.pcs.page(site=site, skip=offset, limit=limit)
        presence = await ctx.live.presence([pc.id for pc in pcs])
    else:
        # Presence lives in Redis, not in the store: filter the ids first, then page.
        ids = await ctx.store.pcs.ids(site=site)
        presence = await ctx.live.presence(ids)
        matching = [pc_id for pc_id in ids if _status(presence.get(pc_id)) == status]
        total = len(matching)
        pcs = await ctx.store.pcs.by_ids(matching[offset : offset + limit])
    sessions = await ctx.live.pc_sessions([pc.id for pc in pcs])
    alerts = await ctx.alerts.unresolved_counts([pc.id for pc in pcs])
    items = [
        {**pc_view(pc, presence.get(pc.id), sessions.get(pc.id)), "alert_count": alerts.get(pc.id, 0)}
        for pc in pcs
    ]
    return {"items": items, "total": total}


async def _pc_or_404(request: Request, pc_id: str) -> PcRecord:
    pc = await request.app.ctx.store.pcs.get(pc_id)
    if pc is None:
        raise not_found(f"PC {pc_id!r}")
    assert isinstance(pc, PcRecord)
    return pc


@bp.get("/<pc_id:str>")
@openapi.definition(summary="One PC with its latest telemetry", tag="pcs")
@requires(Permission.PCS_READ)
@answers(PcDetail, errors=(404,))
async def get_pc(request: Request, pc_id: str) -> dict[str, Any]:
    pc = await _pc_or_404(request, pc_id)
    presence = await request.app.ctx.live.presence([pc.id])
    sessions = await request.app.ctx.live.pc_sessions([pc.id])
    # A PC is hostile: what it sent that the hub refused, for staff to see (hub.alerts, hub.mqtt.events).
    alerts = await request.app.ctx.alerts.unresolved(pc.id)
    quarantined = await request.app.ctx.store.journals.quarantined(pc.id, limit=20)
    view = pc_view(pc, presence.get(pc.id), sessions.get(pc.id))
    return {**view, "telemetry": pc.telemetry, "alerts": alerts, "quarantined": quarantined}


STAFF_COMMANDS = tuple(COMMAND_PERMISSIONS)


class CommandRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Staff commands only: a session's commands are sent by the session routes, with its order.
    type: Annotated[str, one_of(STAFF_COMMANDS), enum_schema(STAFF_COMMANDS)]
    text: str | None = Field(default=None, max_length=1000)
    # Required for sensitive commands (unlock: it gives a PC away without a session).
    confirmation: Confirmation | None = None

    @model_validator(mode="after")
    def _message_has_text(self) -> CommandRequest:
        if self.type == CommandType.MESSAGE and not (self.text and self.text.strip()):
            raise ValueError("a message command needs a non-empty text")
        return self


async def _audit_command(
    request: Request, pc_id: str, reason: str | None, outcome: str, details: dict[str, Any]
) -> None:
    await request.app.ctx.audit.record(
        "pc.command", request=request, target=f"pc:{pc_id}", outcome=outcome, reason=reason, details=details
    )


@bp.post("/<pc_id:str>/commands")
@openapi.definition(
    summary="Send a command and wait for the agent's acknowledgement (504 if none in time)",
    body=json_body(CommandRequest),
    tag="pcs",
)
@requires(*ANY_COMMAND)
@audits("pc.command")
@answers(Command, errors={404: ErrorAnswer, 504: CommandTimedOut})
async def send_command(request: Request, pc_id: str) -> Any:
    body = parse_body(request, CommandRequest)
    # The route is open to any command permission; this command needs its own (a cashier may lock).
    await check_permission(request, request.ctx.claims, COMMAND_PERMISSIONS[body.type])
    command = CommandType(body.type)
    pc = await _pc_or_404(request, pc_id)
    ctx = request.app.ctx
    reason = None
    if command in SENSITIVE_COMMANDS:
        reason = await confirm_sensitive(request, body.confirmation, f"pc.command.{command.value}")
    try:
        record = await ctx.commands.send(pc, command, body.text, request.ctx.claims.username)
    except BrokerUnavailable as exc:
        await _audit_command(request, pc_id, reason, "undelivered", {"type": command.value})
        raise ApiError(503, "broker_unavailable", f"{exc}; try again shortly") from None
    outcome = "success" if record.state is CommandState.DONE else record.state.value
    details = {"type": record.type, "command_id": record.id, "text": record.text, "detail": record.detail}
    await _audit_command(request, pc_id, reason, outcome, details)
    if record.state is CommandState.TIMEOUT:
        timed_out = {
            "error": {"code": "agent_timeout", "message": f"{pc_id} did not acknowledge in time"},
            "command": command_view(record),
        }
        return reply(CommandTimedOut.model_validate(timed_out), 504)
    return command_view(record)


@bp.get("/<pc_id:str>/commands")
@openapi.definition(summary="Commands sent to a PC, newest first", tag="pcs")
@requires(Permission.PCS_READ)
@with_query(CommandsQuery)
@answers(Page[Command], errors=(404,))
async def list_commands(request: Request, pc_id: str, query: CommandsQuery) -> dict[str, Any]:
    await _pc_or_404(request, pc_id)
    records, total = await request.app.ctx.store.commands.for_pc(pc_id, skip=query.offset, limit=query.limit)
    return {"items": [command_view(r) for r in records], "total": total}


@bp.get("/<pc_id:str>/telemetry")
@openapi.definition(summary="Recent telemetry samples of a PC, newest first", tag="pcs")
@requires(Permission.PCS_READ)
@with_query(TelemetryQuery)
@answers(Page[TelemetrySample], errors=(404,))
async def list_telemetry(request: Request, pc_id: str, query: TelemetryQuery) -> dict[str, Any]:
    await _pc_or_404(request, pc_id)
    samples = await request.app.ctx.store.telemetry.recent(pc_id, limit=query.limit)
    return {"items": samples, "total": len(samples)}
