"""Cashier shifts: open with a counted float, close with a blind count, report as JSON or PDF.

Blind: while a shift is open, only staff who may read reports see the expected figures; the cashier sees
them once their count is in."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from billing.shifts import ShiftSummary
from hub.api.answers import Answer, Page, absent, answers
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.payments import staff_of
from hub.api.pdf import PrintQuery, pdf_response, print_options
from hub.api.query import MAX_PAGE, Name, Paging, QueryModel, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Permission, allows
from hub.errors import ApiError, bad_request, not_found
from hub.money.amounts import Counted
from hub.money.receipts import shift_report_data, shift_report_pdf
from hub.receipts.model import UnpaidSession
from hub.store.shifts import OPEN, ShiftRecord

bp = Blueprint("shifts", url_prefix="/shifts")


class OpenShift(BaseModel):
    model_config = ConfigDict(extra="forbid")
    opening_float: Counted = Field(description="the cash counted into the drawer, minor units")
    branch: str | None = Field(default=None, max_length=64)


class CloseShift(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counted: dict[str, Counted] = Field(
        description='what is in the drawer and on the terminal: {"cash": .., "card": ..}'
    )
    note: str = Field(default="", max_length=500)


class BranchQuery(QueryModel):
    branch: Name | None = Field(default=None, description="the branch; the hub's first when left out")


class ShiftFilter(QueryModel):
    """The filters of the shift list (and its export)."""

    branch: Name | None = None
    state: Literal["open", "closed"] | None = None


class ShiftsQuery(ShiftFilter, Paging):
    limit: int = Field(default=50, ge=1, le=MAX_PAGE, description="entries to answer")


class MethodFigures(Answer):
    method: str
    expected: int
    counted: int | None
    difference: int | None = Field(description="counted - expected; null until counted")


class ShiftFigures(Answer):
    methods: list[MethodFigures]
    payments: int
    refunds: int
    refunds_total: int
    by_purpose: dict[str, int]


class UnpaidGuestSession(Answer):
    session_id: str
    pc_id: str
    owed: int
    paid: int


class Shift(Answer):
    id: str
    branch: str
    cashier: str
    state: Literal["open", "closed"]
    opened_at: int
    opening_float: int
    closed_at: int | None
    closed_by: str | None
    counted: dict[str, int] | None
    note: str
    summary: ShiftFigures | None = absent(
        "expected vs counted; left out while the shift is open unless the reader may read reports (the "
        "cashier's count is blind)"
    )
    unpaid_sessions: list[UnpaidGuestSession] | None = absent(
        "guest sessions started in the shift and not fully paid; with summary, not in lists"
    )


def _may_see_expected(request: Request) -> bool:
    claims = request.ctx.claims
    return allows(claims.role, Permission.REPORTS_READ, claims.scope)


def summary_view(summary: ShiftSummary) -> dict[str, Any]:
    return {
        "methods": [
            {"method": m.method, "expected": m.expected, "counted": m.counted, "difference": m.difference}
            for m in summary.methods
        ],
        "payments": summary.payments,
        "refunds": summary.refunds,
        "refunds_total": summary.refunds_total,
        "by_purpose": dict(summary.by_purpose),
    }


async def shift_view(request: Request, shift: ShiftRecord, *, unpaid: bool = True) -> dict[str, Any]:
    """``unpaid=False`` leaves out the unpaid guest sessions, which price each session: lists skip them."""
    view: dict[str, Any] = {
        "id": shift.id,
        "branch": shift.branch,
        "cashier": shift.cashier,
        "state": shift.state,
        "opened_at": shift.opened_at,
        "opening_float": shift.opening_float,
        "closed_at": shift.closed_at,
        "closed_by": shift.closed_by or None,
        "counted": shift.counted or None,
        "note": shift.note,
    }
    if shift.state != OPEN or _may_see_expected(request):
        view["summary"] = summary_view(await request.app.ctx.shifts.summary(shift))
        if unpaid:
            view["unpaid_sessions"] = [
                {"session_id": u.session_id, "pc_id": u.pc_id, "owed": u.owed, "paid": u.paid}
                for u in await _unpaid(request, shift)
            ]
    return view


async def _unpaid(request: Request, shift: ShiftRecord) -> list[UnpaidSession]:
    money = request.app.ctx.money
    unpaid: list[UnpaidSession] = await money.unpaid_guest_sessions(
        shift.cashier, shift.opened_at, shift.closed_at
    )
    return unpaid


async def _shift_for(request: Request, shift_id: str) -> ShiftRecord:
    shift: ShiftRecord = await request.app.ctx.shifts.get(shift_id)
    if shift.cashier_id != request.ctx.claims.user_id and not _may_see_expected(request):
        raise not_found(f"shift {shift_id!r}")  # a cashier sees their own shifts only
    return shift


@bp.post("")
@openapi.definition(
    summary="Open my shift with a counted float",
    body=json_body(OpenShift),
    tag="shifts",
)
@requires(Permission.MONEY_COLLECT)
@audits("shift.open")
@answers(Shift, status=201, errors=(404, 409))
async def open_shift(request: Request) -> dict[str, Any]:
    body = parse_body(request, OpenShift)
    ctx = request.app.ctx
    branch = await ctx.money.branch(body.branch)
    shift = await ctx.shifts.open(branch, staff_of(request), body.opening_float)
    await ctx.audit.record(
        "shift.open", request=request, target=shift.id, details={"float": body.opening_float}
    )
    return await shift_view(request, shift)


@bp.get("/current")
@openapi.definition(summary="My open shift at a branch (?branch=), or 404", tag="shifts")
@requires(Permission.MONEY_COLLECT)
@with_query(BranchQuery)
@answers(Shift, errors=(404,))
async def current_shift(request: Request, query: BranchQuery) -> dict[str, Any]:
    ctx = request.app.ctx
    branch = await ctx.money.branch(query.branch)
    shift = await ctx.store.shifts.current(branch.id, request.ctx.claims.user_id)
    if shift is None:
        raise not_found("an open shift of yours")
    return await shift_view(request, shift)


@bp.get("")
@openapi.definition(summary="Shifts, newest first (?branch=, ?state=open|closed)", tag="shifts")
@requires(Permission.REPORTS_READ)
@with_query(ShiftsQuery)
@answers(Page[Shift])
async def list_shifts(request: Request, query: ShiftsQuery) -> dict[str, Any]:
    shifts, total = await request.app.ctx.store.shifts.page(
        branch=query.branch, state=query.state, skip=query.offset, limit=query.limit
    )
    items = [await shift_view(request, s, unpaid=False) for s in shifts]
    return {"items": items, "total": total}


@bp.get("/<shift_id:str>")
@openapi.definition(summary="One shift; the expected figures once closed (or for managers)", tag="shifts")
@requires(Permission.MONEY_COLLECT)
@answers(Shift, errors=(404,))
async def get_shift(request: Request, shift_id: str) -> dict[str, Any]:
    return await shift_view(request, await _shift_for(request, shift_id))


@bp.post("/<shift_id:str>/close")
@openapi.definition(
    summary="Close a shift with a blind count; answers expected vs counted by method",
    body=json_body(CloseShift),
    tag="shifts",
)
@requires(Permission.MONEY_COLLECT)
@audits("shift.close")
@answers(Shift, errors=(404, 409))
async def close_shift(request: Request, shift_id: str) -> dict[str, Any]:
    body = parse_body(request, CloseShift)
    if any(value < 0 for value in body.counted.values()):
        raise bad_request("counted amounts are >= 0")
    ctx = request.app.ctx
    shift = await _shift_for(request, shift_id)
    branch = await ctx.money.branch(shift.branch)
    closed, summary = await ctx.shifts.close(shift, branch, staff_of(request), body.counted, body.note)
    await ctx.audit.record(
        "shift.close",
        request=request,
        target=shift.id,
        details={"counted": body.counted, "differences": {m.method: m.difference for m in summary.methods}},
    )
    return await shift_view(request, closed)


@bp.get("/<shift_id:str>/report")
@openapi.definition(summary="A closed shift's report as PDF: layout=a4|thermal, lang=uz|ru|en", tag="shifts")
@requires(Permission.MONEY_COLLECT)
@with_query(PrintQuery)
@answers(None, file="application/pdf", errors=(404, 409))
async def shift_report(request: Request, shift_id: str, query: PrintQuery) -> HTTPResponse:
    ctx = request.app.ctx
    shift = await _shift_for(request, shift_id)
    if shift.state == OPEN:
        raise ApiError(409, "shift_open", "the report is printed once the shift is closed")
    branch = await ctx.money.branch(shift.branch)
    layout, language = print_options(query, branch.language)
    summary = await ctx.shifts.summary(shift)
    data = shift_report_data(shift, summary, branch, language=language, unpaid=await _unpaid(request, shift))
    pdf = await shift_report_pdf(data, layout)
    return pdf_response(pdf, f"shift-{shift.branch}-{shift.id[:8]}-{layout.value}.pdf")
