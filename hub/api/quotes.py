"""Prices before anything starts: what a session on a PC would cost now (the front desk's question, asked
with the very body that starts it), and a tariff's price of a session at any start and length (the back
office's preview). The pricing is ``billing.quotes``: the rules that price the session afterwards."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator
from sanic import Blueprint, Request
from sanic_ext import openapi

from billing.quotes import Quote
from billing.tariffs import MINUTE_MS
from hub.api.answers import Answer, answers
from hub.api.audited import audits_nothing
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.members import member_named
from hub.api.prices import PriceLine, branch_language, price_view
from hub.api.query import MAX_MOMENT_MS, Moment, QueryModel, with_query
from hub.api.schema import json_body
from hub.api.sessions import NewSession
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.errors import not_found
from hub.sessions.pricing import session_quote
from protocol import SessionKind, TariffSpec

bp = Blueprint("quotes")

MAX_MINUTES = 7 * 24 * 60


class QuoteAnswer(Answer):
    tariff_id: str
    currency: str
    starts_at: int
    rate_label: str = Field(description="the rate that applies at the start")
    hourly_rate: int
    minutes: int | None = Field(description="prepaid: as asked; a member: what the balance buys")
    ends_at: int | None
    billed_minutes: int | None
    total: int | None = Field(description="null for a postpaid guest: they pay what they use")
    lines: list[PriceLine]
    amount_display: str | None


class SessionQuote(QuoteAnswer):
    kind: Literal["member", "prepaid", "postpaid"]
    pc_id: str
    member_id: str | None
    balance: int | None = Field(description="a member's balance now")


class TariffQuoteQuery(QueryModel):
    start: Moment | None = Field(default=None, description="when the session starts (default: now)")
    minutes: int = Field(ge=1, le=MAX_MINUTES, description="how long it lasts")

    @model_validator(mode="after")
    def _ends_in_range(self) -> TariffQuoteQuery:
        if self.start is not None and self.start + self.minutes * MINUTE_MS > MAX_MOMENT_MS:
            raise ValueError("the session would end after the year 9999; start it earlier")
        return self


def quote_view(tariff: TariffSpec, result: Quote, language: str) -> dict[str, Any]:
    priced = price_view(result.price, language) if result.price else None
    return {
        "tariff_id": tariff.id,
        "currency": tariff.currency,
        "starts_at": result.starts_at,
        "rate_label": result.rate_label,
        "hourly_rate": result.hourly_rate,
        "minutes": result.minutes,
        "ends_at": result.ends_at,
        "billed_minutes": priced["billed_minutes"] if priced else None,
        "total": priced["total"] if priced else None,
        "lines": priced["lines"] if priced else [],
        "amount_display": priced["amount_display"] if priced else None,
    }


@bp.post("/sessions/quote")
@openapi.definition(
    summary="What a session would cost if started now: the body of POST /sessions; a prepaid guest's "
    "price, what a member's balance buys and until when, or a postpaid guest's rate",
    body=json_body(NewSession),
    tag="sessions",
)
@requires(Permission.SESSIONS_READ)
@audits_nothing("a price question: nothing is written")
@answers(SessionQuote, errors=(404, 409))
async def quote_session(request: Request) -> dict[str, Any]:
    body = parse_body(request, NewSession)
    ctx = request.app.ctx
    pc = await ctx.store.pcs.get(body.pc_id)
    if pc is None:
        raise not_found(f"PC {body.pc_id!r}")
    tariff = await ctx.sessions.tariff_for(pc)
    at = now_ms()
    member_id, balance = None, None
    if body.member_id is not None:
        member_id = (await member_named(request, body.member_id)).id
        balance = await ctx.money.balance(member_id)
        kind, result = SessionKind.MEMBER, await session_quote(tariff, at, budget=max(balance, 0))
    elif body.guest is not None and body.guest.prepaid_minutes is not None:
        kind, result = (
            SessionKind.PREPAID,
            await session_quote(tariff, at, minutes=body.guest.prepaid_minutes),
        )
    else:
        kind, result = SessionKind.POSTPAID, await session_quote(tariff, at)
    view = quote_view(tariff, result, await branch_language(request))
    return {**view, "kind": kind.value, "pc_id": pc.id, "member_id": member_id, "balance": balance}


@bp.get("/tariffs/<tariff_id:str>/quote")
@openapi.definition(
    summary="A tariff's price of a session from start (default now) for minutes, line by line",
    tag="tariffs",
)
@requires(Permission.SETTINGS_READ)
@with_query(TariffQuoteQuery)
@answers(QuoteAnswer, errors=(404,))
async def quote_tariff(request: Request, tariff_id: str, query: TariffQuoteQuery) -> dict[str, Any]:
    tariff = await request.app.ctx.store.tariffs.get(tariff_id)
    if tariff is None:
        raise not_found(f"tariff {tariff_id!r}")
    start = query.start if query.start is not None else now_ms()
    result = await session_quote(tariff, start, minutes=query.minutes)
    return quote_view(tariff, result, await branch_language(request))
