"""Reports for owners and managers: takings, revenue, usage, members and staff over a range of whole days
in the branch's timezone, grouped by day, week or month (``hub.reports``). ``report_answer`` is what each
route answers and what a report's export writes (``hub.api.export_kinds``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, answers
from hub.api.guard import requires
from hub.api.query import Name, QueryModel, with_query
from hub.auth.permissions import Permission
from hub.errors import bad_request
from hub.reports.calendar import BadRange, DateRange, Grouping, parse_range
from hub.reports.service import Reports
from hub.store.branches import BranchRecord

bp = Blueprint("reports", url_prefix="/reports")


def _real_day(value: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("a day of the calendar as YYYY-MM-DD, e.g. 2026-11-01") from None
    return value


# A whole local day, checked with the other query parameters (the answer names the parameter).
Day = Annotated[
    str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", examples=["2026-11-01"]), AfterValidator(_real_day)
]


class ReportQuery(QueryModel):
    from_: Day | None = Field(
        default=None,
        alias="from",
        description="the first day, YYYY-MM-DD in the branch's timezone; a week before `to` when left out",
    )
    to: Day | None = Field(
        default=None, description="the last day (included), YYYY-MM-DD; today when left out"
    )
    branch: Name | None = Field(default=None, description="the branch; the hub's own when left out")


class GroupedQuery(ReportQuery):
    group: Literal["day", "week", "month"] = Field(default="day", description="rows per day, week or month")


class Frame(Answer):
    branch: str
    currency: str = Field(description="every amount is in minor units of this currency")
    timezone: str
    first_day: str
    last_day: str


class Takings(Answer):
    payments: int
    paid: int = Field(description="payments taken, minor units")
    refunds: int
    refunded: int = Field(description="refunds given, minor units")
    net: int = Field(description="paid - refunded")


class TakingsByMethod(Takings):
    method: str


class TakingsByPurpose(Takings):
    purpose: str


class TakingsByStaff(Takings):
    staff: str


class TakingsByShift(Takings):
    shift_id: str
    staff: str


class TakingsByPeriod(Takings):
    period: str = Field(description="the first day of the day, week (Monday) or month")


class TakingsReport(Frame):
    group: str
    total: int = Field(description="payments minus refunds: what the payment history's export adds up to")
    payments: int
    paid: int
    refunds: int
    refunded: int
    by_method: list[TakingsByMethod]
    by_purpose: list[TakingsByPurpose]
    by_staff: list[TakingsByStaff]
    by_shift: list[TakingsByShift]
    by_period: list[TakingsByPeriod]


class Earned(Answer):
    time: int
    products: int
    total: int


class Vouchers(Answer):
    sold: int = Field(description="vouchers sold less their refunds")
    redeemed: int = Field(description="paid with vouchers less refunds to them")


class ProductSales(Answer):
    product_id: str
    name: str
    quantity: int
    total: int


class ZoneRevenue(Answer):
    zone: str = Field(description="the PC group; '-' for PCs in none")
    tariff_id: str
    sessions: int
    used_ms: int
    priced: int = Field(description="what the hub priced the ended sessions at")


class RevenueByPeriod(Answer):
    period: str
    time: int
    products: int
    refunds: int
    net: int


class Outstanding(Answer):
    at: int = Field(description="the end of the last day, epoch ms")
    members: int = Field(description="what every member's balance holds: a liability")
    vouchers: int = Field(description="what vouchers still hold")


class RevenueReport(Frame):
    group: str
    earned: Earned
    refunds: int
    net: int = Field(description="earned - refunds")
    uncollected: int = Field(description="session time a member's balance could not pay, owed to the cafe")
    adjustments: int = Field(description="manual credits less debits of balances")
    topups: int
    vouchers: Vouchers
    by_product: list[ProductSales]
    by_zone: list[ZoneRevenue]
    by_period: list[RevenueByPeriod]
    outstanding: Outstanding = Field(
        description="balances held at the end of the range (as `icafe ledger verify`)"
    )


class KindUsage(Answer):
    kind: str
    sessions: int
    used_ms: int
    priced: int


class ZoneUsage(Answer):
    zone: str
    sessions: int
    used_ms: int
    priced: int


class PcUsage(Answer):
    pc_id: str
    zone: str
    sessions: int
    used_ms: int
    priced: int


class HeatCell(Answer):
    weekday: int = Field(description="Monday 0")
    hour: int
    occupied_ms: int
    share: float = Field(description="of the branch's PCs in use over that hour, 0-1")


class UsageByPeriod(Answer):
    period: str
    sessions: int
    used_ms: int


class UsageReport(Frame):
    group: str
    sessions: int = Field(description="ended sessions")
    used_ms: int
    average_ms: int
    priced: int
    open: int = Field(description="sessions not ended yet, not counted above")
    by_kind: list[KindUsage]
    by_zone: list[ZoneUsage]
    pcs_by_hours: list[PcUsage]
    pcs_by_revenue: list[PcUsage]
    idle_pcs: list[str]
    heatmap: list[HeatCell] = Field(description="7 x 24 cells, weekday x hour")
    by_period: list[UsageByPeriod]


class MemberFigures(Answer):
    member_id: str
    login: str | None
    spend: int = Field(description="time and goods, less refunds")
    topups: int
    sessions: int
    used_ms: int


class NewMembers(Answer):
    period: str
    members: int


class BalanceBucket(Answer):
    at_least: int
    below: int | None = Field(description="null for the last bucket")
    members: int


class Balances(Answer):
    members: int
    total: int
    buckets: list[BalanceBucket]


class MembersReport(Frame):
    group: str
    new: int
    active: int = Field(description="members who spent, topped up or played in the range")
    new_by_period: list[NewMembers]
    top_by_spend: list[MemberFigures]
    top_by_hours: list[MemberFigures]
    balances: Balances = Field(
        description="the balance of every member with a ledger entry, at the end of the range (as the ledger)"
    )


class StaffFigures(Answer):
    staff: str
    shifts: int
    open_shifts: int
    over_short: int = Field(description="counted - expected over the closed shifts: < 0 short, > 0 over")
    payments: int
    paid: int
    refunds: int
    refunded: int
    takings: int
    unlocks: int = Field(description="PCs unlocked by hand (no session): time given outside the till")
    stops: int = Field(description="sessions stopped by hand")


class StaffReport(Frame):
    staff: list[StaffFigures]


def report_span(query: ReportQuery, today: dt.date) -> DateRange:
    """The query's days (400 saying what to send when they are not a range)."""
    try:
        return parse_range(query.from_, query.to, today)
    except BadRange as exc:
        raise bad_request(str(exc)) from None


Figures = Callable[[Reports, BranchRecord, DateRange, Grouping], Awaitable[dict[str, Any]]]
FIGURES: dict[str, Figures] = {
    "takings": Reports.takings,
    "revenue": Reports.revenue,
    "usage": Reports.usage,
    "members": Reports.members,
    "staff": lambda reports, branch, span, _: reports.staff(branch, span),
}


async def report_answer(ctx: Any, report: str, query: ReportQuery) -> dict[str, Any]:
    """The report named ``report`` (a key of ``FIGURES``) as its route answers it."""
    reports = Reports(ctx.store, ctx.store.reports, ctx.settings.site)
    branch = await reports.branch(query.branch)
    span = report_span(query, reports.today(branch))
    frame: dict[str, Any] = {
        "branch": branch.id,
        "currency": branch.currency,
        "timezone": branch.timezone,
        "first_day": span.first.isoformat(),
        "last_day": span.last.isoformat(),
    }
    group: Grouping = "day"
    if isinstance(query, GroupedQuery):
        group = frame["group"] = query.group
    return frame | await FIGURES[report](reports, branch, span, group)


@bp.get("/takings")
@openapi.definition(
    summary="Takings: payments minus refunds by method, purpose, staff, shift and day/week/month",
    tag="reports",
)
@requires(Permission.REPORTS_READ)
@with_query(GroupedQuery)
@answers(TakingsReport, errors=(404,))
async def takings(request: Request, query: GroupedQuery) -> dict[str, Any]:
    return await report_answer(request.app.ctx, "takings", query)


@bp.get("/revenue")
@openapi.definition(
    summary="Revenue earned by source, refunds, uncollected time, and balances outstanding", tag="reports"
)
@requires(Permission.REPORTS_READ)
@with_query(GroupedQuery)
@answers(RevenueReport, errors=(404,))
async def revenue(request: Request, query: GroupedQuery) -> dict[str, Any]:
    return await report_answer(request.app.ctx, "revenue", query)


@bp.get("/usage")
@openapi.definition(
    summary="Usage: sessions and hours by kind, zone and PC; occupancy by weekday and hour; idle PCs",
    tag="reports",
)
@requires(Permission.REPORTS_READ)
@with_query(GroupedQuery)
@answers(UsageReport, errors=(404,))
async def usage(request: Request, query: GroupedQuery) -> dict[str, Any]:
    return await report_answer(request.app.ctx, "usage", query)


@bp.get("/members")
@openapi.definition(
    summary="Members: new, active, top by spend and hours, balance distribution", tag="reports"
)
@requires(Permission.REPORTS_READ)
@with_query(GroupedQuery)
@answers(MembersReport, errors=(404,))
async def members(request: Request, query: GroupedQuery) -> dict[str, Any]:
    return await report_answer(request.app.ctx, "members", query)


@bp.get("/staff")
@openapi.definition(
    summary="Staff: per cashier shifts, takings, refunds, over/short, manual unlocks and stops", tag="reports"
)
@requires(Permission.REPORTS_READ)
@with_query(ReportQuery)
@answers(StaffReport, errors=(404,))
async def staff(request: Request, query: ReportQuery) -> dict[str, Any]:
    return await report_answer(request.app.ctx, "staff", query)
