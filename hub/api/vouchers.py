"""Vouchers: sold through ``POST /payments`` with purpose "voucher"; here a cashier checks what one holds."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from billing.ledger import voucher_account
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.auth.permissions import Permission
from hub.errors import not_found
from hub.money.methods import code_hash

bp = Blueprint("vouchers", url_prefix="/vouchers")


class VoucherCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=4, max_length=64)


@bp.post("/check")
@openapi.definition(
    summary="What a voucher code holds (POST, so codes stay out of URLs and logs)",
    body={"application/json": VoucherCheck.model_json_schema()},
    tag="vouchers",
)
@requires(Permission.MONEY_COLLECT)
async def check_voucher(request: Request) -> HTTPResponse:
    body = parse_body(request, VoucherCheck)
    store = request.app.ctx.store
    voucher = await store.vouchers.by_code_hash(code_hash(body.code))
    if voucher is None:
        raise not_found("a voucher with that code")
    return json(
        {
            "id": voucher.id,
            "last4": voucher.last4,
            "branch": voucher.branch,
            "value": voucher.value,
            "balance": await store.ledger.balance(voucher_account(voucher.id)),
            "created_at": voucher.created_at,
        }
    )
