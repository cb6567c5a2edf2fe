"""Vouchers: sold through ``POST /payments`` with purpose "voucher"; here they are listed, and a cashier
checks what one holds."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from billing.ledger import voucher_account
from hub.api.answers import Answer, Page, answers
from hub.api.audited import audits_nothing
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.query import Paging, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.errors import not_found
from hub.store import VoucherRecord

bp = Blueprint("vouchers", url_prefix="/vouchers")


class VoucherCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=4, max_length=64)


class Voucher(Answer):
    id: str
    last4: str = Field(description="the code's last four characters; the code itself is never shown")
    branch: str
    value: int = Field(description="what it was sold for, minor units")
    balance: int = Field(description="what it still holds, minor units")
    payment_id: str
    created_at: int


@bp.get("")
@openapi.definition(
    summary="Vouchers sold, newest first, with what each still holds (never their codes)", tag="vouchers"
)
@requires(Permission.MONEY_READ)
@with_query(Paging)
@answers(Page[Voucher])
async def list_vouchers(request: Request, query: Paging) -> dict[str, Any]:
    store = request.app.ctx.store
    vouchers, total = await store.vouchers.page(skip=query.offset, limit=query.limit)
    balances = await store.ledger.balances([voucher_account(v.id) for v in vouchers])
    return {"items": [voucher_view(v, balances[voucher_account(v.id)]) for v in vouchers], "total": total}


def voucher_view(voucher: VoucherRecord, balance: int) -> dict[str, Any]:
    return {
        "id": voucher.id,
        "last4": voucher.last4,
        "branch": voucher.branch,
        "value": voucher.value,
        "balance": balance,
        "payment_id": voucher.payment_id,
        "created_at": voucher.created_at,
    }


@bp.post("/check")
@openapi.definition(
    summary="What a voucher code holds (POST, so codes stay out of URLs and logs)",
    body=json_body(VoucherCheck),
    tag="vouchers",
)
@requires(Permission.MONEY_COLLECT)
@audits_nothing("a lookup; POST only keeps voucher codes out of URLs and logs")
@answers(Voucher, errors=(404,))
async def check_voucher(request: Request) -> dict[str, Any]:
    body = parse_body(request, VoucherCheck)
    found = await request.app.ctx.money.voucher_by_code(body.code)
    if found is None:
        raise not_found("a voucher with that code")
    return voucher_view(*found)
