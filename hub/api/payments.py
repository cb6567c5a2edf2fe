"""Payments and refunds: take money by cash, card terminal, member balance or voucher; refund it; print
receipts; search the history. Every write needs an ``Idempotency-Key`` header."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from billing.money import format_amount
from hub.api.answers import Answer, Page, absent, answers, reply
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.pdf import PrintQuery, pdf_response, print_options
from hub.api.query import (
    MAX_PAGE,
    Moment,
    Name,
    Paging,
    QueryModel,
    enum_schema,
    header_parameter,
    one_of,
    with_query,
)
from hub.api.schema import json_body
from hub.auth.confirm import Confirmation, confirm_sensitive
from hub.auth.permissions import Permission
from hub.errors import bad_request, not_found
from hub.exports.cells import formula_safe
from hub.money.amounts import Amount
from hub.money.methods import METHODS
from hub.money.receipts import receipt_data, receipt_pdf
from hub.money.requests import PaymentRequest, Purpose, RefundRequest, Staff
from hub.store import HistoryFilter, Store
from hub.store.transactions import LedgerTransaction, TxKind

bp = Blueprint("payments", url_prefix="/payments")

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,128}$")
IDEMPOTENCY_KEY = header_parameter(
    "Idempotency-Key",
    {"type": "string", "pattern": _KEY.pattern, "minLength": 8, "maxLength": 128},
    "new for each operation; sent again with a retry, it answers the first result instead of paying twice",
)


class RefundBody(BaseModel):
    """A refund: how much, why, and a fresh confirmation (a TOTP code, or the password without 2FA)."""

    model_config = ConfigDict(extra="forbid")
    amount: Amount = Field(description="minor units; at most what is left of the payment")
    reason: str = Field(min_length=3, max_length=500)
    totp: str | None = Field(default=None, min_length=6, max_length=16)
    password: str | None = Field(default=None, min_length=1, max_length=1024)
    terminal_ref: str | None = Field(
        default=None, max_length=64, description="the card terminal's refund ref"
    )


def idempotency_key(request: Request) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not _KEY.match(key):
        raise bad_request(
            "send an Idempotency-Key header (8-128 letters, digits or _.:-), new for each operation"
        )
    return key


def staff_of(request: Request) -> Staff:
    claims = request.ctx.claims
    return Staff(user_id=claims.user_id, username=claims.username)


class PaymentItem(Answer):
    """A line of the receipt; product lines name the product, session lines the PC and time used."""

    kind: str
    quantity: int
    unit_price: int
    total: int
    product_id: str | None = absent()
    name: str | None = absent()
    pc_id: str | None = absent("where the time paid for was used")
    used_ms: int | None = absent("how long it ran")


class Payment(Answer):
    id: str
    kind: Literal["payment", "refund"]
    purpose: str
    method: str = Field(description="cash, card, balance or voucher")
    amount: int = Field(description="minor units")
    amount_display: str
    currency: str
    branch: str
    receipt_no: int | None
    receipt: str | None = Field(description="the receipt's number as printed: <branch>-<number>")
    staff: str | None
    shift_id: str | None
    member_id: str | None
    session_id: str | None
    items: list[PaymentItem]
    terminal_ref: str | None
    voucher_id: str | None
    voucher_last4: str | None
    refund_of: str | None = Field(description="a refund's payment")
    reason: str | None
    at: int


class PaymentListed(Payment):
    member_login: str | None = Field(description="the member's login (null when no member, or removed)")


class PaymentTaken(Payment):
    replayed: bool = Field(description="true: the key was used before; this is the first answer again")
    voucher_code: str | None = absent("a sold voucher's code (only here)")
    balance: int | None = absent("the member's balance after it")


class RefundTaken(Payment):
    replayed: bool


class PaymentDetail(PaymentListed):
    refunds: list[Payment] | None = absent("a payment's refunds")
    refundable: int | None = absent("what is left to refund of a payment")


def payment_view(tx: LedgerTransaction, language: str = "en") -> dict[str, Any]:
    return {
        "id": tx.id,
        "kind": tx.kind.value,
        "purpose": tx.purpose,
        "method": tx.method,
        "amount": tx.amount,
        "amount_display": format_amount(tx.amount, tx.currency, language),
        "currency": tx.currency,
        "branch": tx.branch,
        "receipt_no": tx.receipt_no,
        "receipt": tx.receipt_label,
        "staff": tx.staff,
        "shift_id": tx.shift_id,
        "member_id": tx.member_id,
        "session_id": tx.session_id,
        "items": [item.to_document() for item in tx.items],
        "terminal_ref": tx.terminal_ref,
        "voucher_id": tx.voucher_id,
        "voucher_last4": tx.voucher_last4,
        "refund_of": tx.refund_of,
        "reason": tx.reason,
        "at": tx.at,
    }


class HistoryQuery(QueryModel):
    """The filters of the payment history (the list and the CSV export)."""

    from_: Moment | None = Field(
        default=None, alias="from", description="from this time on: epoch ms, or ISO 8601 with an offset"
    )
    to: Moment | None = Field(
        default=None, description="up to this time: epoch ms, or ISO 8601 with an offset"
    )
    method: Annotated[str, one_of(METHODS), enum_schema(METHODS)] | None = None
    purpose: Purpose | None = None
    kind: Literal["payment", "refund"] | None = None
    staff: Name | None = None
    member_id: Name | None = None
    branch: Name | None = None
    shift_id: Name | None = None


class PaymentsQuery(HistoryQuery, Paging):
    limit: int = Field(default=50, ge=1, le=MAX_PAGE, description="entries to answer")


@bp.post("")
@openapi.definition(
    summary="Take a payment: top-up, guest session, product sale or voucher (exactly once per key)",
    body=json_body(PaymentRequest),
    parameter=[IDEMPOTENCY_KEY],
    tag="payments",
)
@requires(Permission.MONEY_COLLECT)
@audits("payment.create")
@answers(PaymentTaken, status=201, also=(200,), errors=(402, 404, 409))
async def create_payment(request: Request) -> Any:
    key = idempotency_key(request)
    body = parse_body(request, PaymentRequest)
    ctx = request.app.ctx
    if body.member_id is not None:  # a login names the member as well as an id
        member_id = await ctx.store.members.resolve_id(body.member_id)
        if member_id is None:
            raise not_found(f"member {body.member_id!r}")
        body = body.model_copy(update={"member_id": member_id})
    result = await ctx.money.pay(body, staff_of(request), key)
    tx = result.transaction
    if result.created:
        await ctx.audit.record(
            "payment.create",
            request=request,
            target=tx.id,
            details={"purpose": tx.purpose, "method": tx.method, "amount": tx.amount},
        )
    view = payment_view(tx) | {"replayed": not result.created}
    code = ctx.money.voucher_code(tx)
    if code is not None:
        view["voucher_code"] = code
    if tx.member_id:
        # A top-up or a balance payment carries the balance it left (no read); a cash sale to a member
        # did not touch it.
        after = tx.balance_after
        view["balance"] = after if after is not None else await ctx.money.balance(tx.member_id)
    return reply(view, 201 if result.created else 200)


@bp.get("")
@openapi.definition(
    summary="Payment history, newest first: filter by from/to, method, purpose, kind, staff, member_id, "
    "branch, shift_id; paged by offset/limit",
    tag="payments",
)
@requires(Permission.MONEY_READ)
@with_query(PaymentsQuery)
@answers(Page[PaymentListed])
async def list_payments(request: Request, query: PaymentsQuery) -> dict[str, Any]:
    store = request.app.ctx.store
    where = await named_history(request, query)
    found, total = await store.ledger.page(where, skip=query.offset, limit=query.limit)
    logins = await store.members.logins({tx.member_id for tx in found if tx.member_id})
    items = [
        {**payment_view(tx), "member_login": logins.get(tx.member_id) if tx.member_id else None}
        for tx in found
    ]
    return {"items": items, "total": total}


@bp.get("/export.csv")
@openapi.definition(
    summary="The payment history as CSV (UTF-8, one row per payment or refund, oldest first), with the "
    "same filters as the list and no paging",
    tag="payments",
)
@requires(Permission.MONEY_READ)
@with_query(HistoryQuery)
@answers(None, file="text/csv")
async def export_payments(request: Request, query: HistoryQuery) -> None:
    where = await named_history(request, query)
    response = await request.respond(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="payments.csv"'},
    )
    await response.send(csv_row(EXPORT_COLUMNS))
    async for tx in request.app.ctx.store.ledger.iterate(where):
        await response.send(csv_row(export_row(tx)))
    await response.eof()


async def named_history(request: Request, query: HistoryQuery) -> HistoryFilter:
    return await history_named(request.app.ctx.store, query)


async def history_named(store: Store, query: HistoryQuery) -> HistoryFilter:
    """The history's filter, where a login in ``member_id`` names the member as their id does (an
    unknown one finds nothing): the list's, its CSV's and its export's."""
    if query.member_id is not None:
        member = await store.members.resolve(query.member_id)
        if member is not None:
            query = query.model_copy(update={"member_id": member.id})
    return history_filter(query)


def history_filter(query: HistoryQuery) -> HistoryFilter:
    return HistoryFilter(
        branch=query.branch,
        kind=query.kind,
        method=query.method,
        purpose=query.purpose,
        staff=query.staff,
        member_id=query.member_id,
        shift_id=query.shift_id,
        since=query.from_,
        until=query.to,
        kinds=("payment", "refund"),
    )


EXPORT_COLUMNS = (
    "receipt",
    "time_utc",
    "kind",
    "purpose",
    "method",
    "amount_minor",
    "currency",
    "branch",
    "staff",
    "member_id",
    "session_id",
    "shift_id",
    "terminal_ref",
    "refund_of",
    "reason",
    "id",
)


def export_row(tx: LedgerTransaction) -> list[str]:
    values = {
        "receipt": tx.receipt_label,
        "time_utc": datetime.fromtimestamp(tx.at / 1000, tz=UTC).isoformat(timespec="seconds"),
        "kind": tx.kind.value,
        "purpose": tx.purpose,
        "method": tx.method,
        "amount_minor": tx.amount,
        "currency": tx.currency,
        "branch": tx.branch,
        "staff": tx.staff,
        "member_id": tx.member_id,
        "session_id": tx.session_id,
        "shift_id": tx.shift_id,
        "terminal_ref": tx.terminal_ref,
        "refund_of": tx.refund_of,
        "reason": tx.reason,
        "id": tx.id,
    }
    return [str(values[column] or "") for column in EXPORT_COLUMNS]


def csv_row(values: Sequence[str]) -> str:
    out = io.StringIO()
    # A cell starting like a formula shows as text, never runs (CSV injection): the exports' rule.
    csv.writer(out).writerow(formula_safe(value) for value in values)
    return out.getvalue()


@bp.get("/<payment_id:str>")
@openapi.definition(
    summary="One payment or refund, with its refunds and what is left to refund", tag="payments"
)
@requires(Permission.MONEY_READ)
@answers(PaymentDetail, errors=(404,))
async def get_payment(request: Request, payment_id: str) -> dict[str, Any]:
    ctx = request.app.ctx
    tx = await ctx.money.payment(payment_id)
    logins = await ctx.store.members.logins([tx.member_id] if tx.member_id else [])
    view = {**payment_view(tx), "member_login": logins.get(tx.member_id or "")}
    if tx.kind is TxKind.PAYMENT:
        refunds = await ctx.store.ledger.refunds_of(payment_id)
        view["refunds"] = [payment_view(refund) for refund in refunds]
        view["refundable"] = tx.amount - sum(refund.amount for refund in refunds)
    return view


@bp.get("/<payment_id:str>/receipt")
@openapi.definition(
    summary="The receipt as PDF: layout=a4|thermal (80 mm), lang=uz|ru|en (default: the branch's)",
    tag="payments",
)
@requires(Permission.MONEY_READ)
@with_query(PrintQuery)
@answers(None, file="application/pdf", errors=(404,))
async def get_receipt(request: Request, payment_id: str, query: PrintQuery) -> HTTPResponse:
    ctx = request.app.ctx
    tx = await ctx.money.payment(payment_id)
    branch = await ctx.money.branch(tx.branch)
    layout, language = print_options(query, branch.language)
    member = await ctx.store.members.get(tx.member_id) if tx.member_id else None
    data = receipt_data(
        tx,
        branch,
        language=language,
        member_login=member.login if member else "",
        voucher_code=ctx.money.voucher_code(tx),
    )
    pdf = await receipt_pdf(data, layout)
    return pdf_response(pdf, f"receipt-{tx.receipt_label}-{layout.value}.pdf")


@bp.post("/<payment_id:str>/refunds")
@openapi.definition(
    summary="Refund all or part of a payment: needs money:refund, a reason and a fresh 2FA confirmation",
    body=json_body(RefundBody),
    parameter=[IDEMPOTENCY_KEY],
    tag="payments",
)
@requires(Permission.MONEY_REFUND)
@audits("payment.refund")
@answers(RefundTaken, status=201, also=(200,), errors=(402, 404, 409))
async def refund_payment(request: Request, payment_id: str) -> Any:
    key = idempotency_key(request)
    body = parse_body(request, RefundBody)
    ctx = request.app.ctx
    await ctx.money.payment(payment_id)  # 404 before asking for a confirmation
    refund = RefundRequest(amount=body.amount, reason=body.reason.strip(), terminal_ref=body.terminal_ref)
    replay = await ctx.money.refund_replay(payment_id, refund, key)
    if replay is not None:
        return reply(payment_view(replay.transaction) | {"replayed": True}, 200)
    confirmation = Confirmation(reason=body.reason, totp=body.totp, password=body.password)
    reason = await confirm_sensitive(request, confirmation, f"payment:{payment_id}")
    result = await ctx.money.refund(payment_id, refund, staff_of(request), key)
    tx = result.transaction
    if result.created:
        await ctx.audit.record(
            "payment.refund",
            request=request,
            target=payment_id,
            reason=reason,
            details={"refund": tx.id, "amount": tx.amount, "method": tx.method},
        )
    return reply(payment_view(tx) | {"replayed": not result.created}, 201 if result.created else 200)
