"""Sessions: start on a PC (member, prepaid guest or postpaid guest), extend, stop, price explanation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, Page, answers
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.members import member_named
from hub.api.prices import PriceAnswer, branch_language, price_view
from hub.api.query import Name, Paging, QueryModel, enum_schema, one_of, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.errors import ApiError
from hub.sessions.pricing import session_price
from hub.sessions.service import GuestOrder
from hub.store.sessions import SessionRecord, SessionState
from protocol import SessionKind

bp = Blueprint("sessions", url_prefix="/sessions")


class Guest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prepaid_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    postpaid: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Guest:
        if (self.prepaid_minutes is None) == (not self.postpaid):
            raise ValueError("a guest is either prepaid (prepaid_minutes) or postpaid (postpaid: true)")
        return self


class NewSession(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pc_id: str = Field(min_length=1, max_length=64)
    member_id: str | None = Field(default=None, min_length=1, max_length=64, description="id or login")
    guest: Guest | None = None

    @model_validator(mode="after")
    def _member_or_guest(self) -> NewSession:
        if (self.member_id is None) == (self.guest is None):
            raise ValueError("give either member_id or guest")
        return self


class StopRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(default="stopped by staff", min_length=1, max_length=200)


class ExtendRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    minutes: int = Field(default=0, ge=0, le=7 * 24 * 60)


STATES = tuple(state.value for state in SessionState)


class SessionFilter(QueryModel):
    """The filters of the session list (and its export)."""

    pc_id: Name | None = None
    member_id: Name | None = None
    state: Annotated[str, one_of(STATES), enum_schema(STATES)] | None = None
    kind: SessionKind | None = None


class SessionsQuery(SessionFilter, Paging):
    pass


class Session(Answer):
    id: str
    pc_id: str
    kind: SessionKind
    state: SessionState
    member_id: str | None
    tariff_id: str
    prepaid_minutes: int | None
    budget: int | None = Field(description="a member's balance when the session started, minor units")
    created_at: int
    started_at: int | None
    ends_at: int | None
    ended_at: int | None
    end_reason: str | None
    used_ms: int
    cost: int | None = Field(description="the hub's price once ended (the PC's until then), minor units")
    agent_cost: int | None
    flags: list[str]
    started_by: str | None
    review: Literal["pending", "charged", "waived"] | None = Field(
        description="an offline session without a valid proof: pending until staff charge or waive it"
    )


class SessionDetail(Session):
    paid: int | None = Field(description="a guest's payments less refunds; null for a member")
    owed: int | None = Field(
        description="what the guest still owes (the amount the desk takes; 0 once paid): null for a member, "
        "and for a postpaid session until it ends"
    )


class JournalEvent(Answer):
    """One event of the PC's journal as the hub stored it; its other fields depend on its type."""

    model_config = ConfigDict(extra="allow")
    pc_id: str
    journal: str
    seq: int
    type: str
    at: int


def session_view(record: SessionRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "pc_id": record.pc_id,
        "kind": record.kind.value,
        "state": record.state.value,
        "member_id": record.member_id,
        "tariff_id": record.tariff_id,
        "prepaid_minutes": record.prepaid_minutes,
        "budget": record.budget,
        "created_at": record.created_at,
        "started_at": record.started_at,
        "ends_at": record.ends_at,
        "ended_at": record.ended_at,
        "end_reason": record.end_reason,
        "used_ms": record.used_ms,
        "cost": record.cost if record.cost is not None else record.agent_cost,
        "agent_cost": record.agent_cost,
        "flags": record.flags,
        "started_by": record.started_by,
        # An offline session without a valid proof: pending until staff charge or waive it.
        "review": record.review,
    }


async def _audit(
    request: Request, action: str, record: SessionRecord, details: dict[str, Any], reason: str | None = None
) -> None:
    await request.app.ctx.audit.record(
        action,
        request=request,
        target=f"session:{record.id}",
        reason=reason,
        details={"pc_id": record.pc_id, "kind": record.kind, "member_id": record.member_id, **details},
    )


@bp.post("")
@openapi.definition(
    summary="Start a session on a PC for a member or a guest",
    body=json_body(NewSession),
    tag="sessions",
)
@requires(Permission.SESSIONS_MANAGE)
@audits("session.start")
@answers(Session, status=201, errors=(402, 404, 409, 504))
async def start_session(request: Request) -> dict[str, Any]:
    body = parse_body(request, NewSession)
    if body.member_id is not None:  # a login names the member as well as an id
        body = body.model_copy(update={"member_id": (await member_named(request, body.member_id)).id})
    guest = GuestOrder(prepaid_minutes=body.guest.prepaid_minutes) if body.guest else None
    record = await request.app.ctx.sessions.start(
        body.pc_id, member_id=body.member_id, guest=guest, staff=request.ctx.claims.username
    )
    await _audit(request, "session.start", record, body.model_dump(exclude_none=True))
    return session_view(record)


@bp.get("")
@openapi.definition(summary="Sessions, newest first; filter by pc_id, member_id, state, kind", tag="sessions")
@requires(Permission.SESSIONS_READ)
@with_query(SessionsQuery)
@answers(Page[Session])
async def list_sessions(request: Request, query: SessionsQuery) -> dict[str, Any]:
    records, total = await request.app.ctx.store.sessions.page(
        filters=session_filters(query), skip=query.offset, limit=query.limit
    )
    return {"items": [session_view(r) for r in records], "total": total}


def session_filters(query: SessionFilter) -> dict[str, str]:
    return query.model_dump(include={"pc_id", "member_id", "state", "kind"}, exclude_none=True, mode="json")


@bp.get("/<session_id:str>")
@openapi.definition(summary="One session", tag="sessions")
@requires(Permission.SESSIONS_READ)
@answers(SessionDetail, errors=(404,))
async def get_session(request: Request, session_id: str) -> dict[str, Any]:
    record = await request.app.ctx.sessions.get(session_id)
    view = session_view(record)
    # A guest pays at the desk (POST /payments, purpose "session"); a member's balance is charged.
    guest = record.kind is not SessionKind.MEMBER
    money = request.app.ctx.money
    view["paid"] = await money.session_paid(session_id) if guest else None
    view["owed"] = await money.guests.owed(record) if guest else None
    return view


@bp.get("/<session_id:str>/price")
@openapi.definition(
    summary="The session's price, line by line (window, minutes, rate, amount)", tag="sessions"
)
@requires(Permission.SESSIONS_READ)
@answers(PriceAnswer, errors=(404, 409))
async def get_price(request: Request, session_id: str) -> dict[str, Any]:
    ctx = request.app.ctx
    record = await ctx.sessions.get(session_id)
    tariff = await ctx.store.tariffs.get(record.tariff_id)
    if tariff is None or record.started_at is None:
        raise ApiError(409, "not_priced", "the session has not started or its tariff no longer exists")
    used = record.used_ms
    if record.state is SessionState.ACTIVE:
        # Live estimate between checkpoints; the PC's next checkpoint or its end is authoritative.
        used = max(used, now_ms() - record.started_at)
    price = await session_price(tariff, record.started_at, used)
    return price_view(price, await branch_language(request))


@bp.post("/<session_id:str>/stop")
@openapi.definition(
    summary="Stop a session: the PC locks and the session is charged",
    body=json_body(StopRequest),
    tag="sessions",
)
@requires(Permission.SESSIONS_MANAGE)
@audits("session.stop")
@answers(Session, errors=(404, 409, 504))
async def stop_session(request: Request, session_id: str) -> dict[str, Any]:
    body = parse_body(request, StopRequest) if request.body else StopRequest()
    record = await request.app.ctx.sessions.stop(
        session_id, staff=request.ctx.claims.username, reason=body.reason
    )
    await _audit(request, "session.stop", record, {"cost": record.cost}, reason=body.reason)
    return session_view(record)


@bp.post("/<session_id:str>/extend")
@openapi.definition(
    summary="Add prepaid minutes, or refresh a member's limit from their balance",
    body=json_body(ExtendRequest),
    tag="sessions",
)
@requires(Permission.SESSIONS_MANAGE)
@audits("session.extend")
@answers(Session, errors=(402, 404, 409, 504))
async def extend_session(request: Request, session_id: str) -> dict[str, Any]:
    body = parse_body(request, ExtendRequest)
    record = await request.app.ctx.sessions.extend(
        session_id, minutes=body.minutes, staff=request.ctx.claims.username
    )
    await _audit(request, "session.extend", record, {"minutes": body.minutes, "ends_at": record.ends_at})
    return session_view(record)


@bp.get("/<session_id:str>/events")
@openapi.definition(summary="The PC's journal events of this session", tag="sessions")
@requires(Permission.SESSIONS_READ)
@answers(Page[JournalEvent])
async def session_events(request: Request, session_id: str) -> dict[str, Any]:
    events = await request.app.ctx.store.journals.events_of_session(session_id)
    return {"items": events, "total": len(events)}
