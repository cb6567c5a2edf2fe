"""Members: customers with a login, a hashed PIN or password, and a balance."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from billing.ledger import balance_of, member_account
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.query import Paging, with_query
from hub.api.schema import json_body
from hub.auth.passwords import hash_password
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.errors import ApiError, not_found
from hub.money.amounts import Signed
from hub.money.errors import MoneyRefused
from hub.store.members import MemberRecord

bp = Blueprint("members", url_prefix="/members")


class NewMember(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(default="", max_length=100)
    # A PIN of 4+ digits or a password; stored as an argon2id hash only.
    secret: str = Field(min_length=4, max_length=128)


class BalanceAdjustment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Signed = Field(description="minor units; positive credits, negative debits")
    reason: str = Field(min_length=3, max_length=200)
    idempotency_key: str = Field(min_length=8, max_length=64)


def member_view(member: MemberRecord, balance: int) -> dict[str, Any]:
    return {
        "id": member.id,
        "login": member.login,
        "name": member.name,
        "balance": balance,
        "active_session": member.active_session,
        "created_at": member.created_at,
    }


@bp.post("")
@openapi.definition(summary="Create a member", body=json_body(NewMember), tag="members")
@requires(Permission.MEMBERS_MANAGE)
async def create_member(request: Request) -> HTTPResponse:
    body = parse_body(request, NewMember)
    member = MemberRecord(
        id=uuid.uuid4().hex,
        login=body.login,
        name=body.name,
        secret_hash=await asyncio.to_thread(hash_password, body.secret),
        created_at=now_ms(),
    )
    if not await request.app.ctx.store.members.create(member):
        raise ApiError(409, "login_taken", f"login {body.login!r} is taken")
    return json(member_view(member, 0), status=201)


@bp.get("")
@openapi.definition(summary="List members with their balances", tag="members")
@requires(Permission.MEMBERS_READ)
@with_query(Paging)
async def list_members(request: Request, query: Paging) -> HTTPResponse:
    store = request.app.ctx.store
    members, total = await store.members.page(skip=query.offset, limit=query.limit)
    balances = await request.app.ctx.money.balances([m.id for m in members])
    return json({"items": [member_view(m, balances[m.id]) for m in members], "total": total})


@bp.get("/<member_id:str>")
@openapi.definition(summary="One member with their balance and its entries", tag="members")
@requires(Permission.MEMBERS_READ)
async def get_member(request: Request, member_id: str) -> HTTPResponse:
    store = request.app.ctx.store
    member = await store.members.get(member_id)
    if member is None:
        raise not_found(f"member {member_id!r}")
    account = member_account(member_id)
    entries = await store.ledger.account_entries(account)
    view = member_view(member, await request.app.ctx.money.balance(member_id))
    # Newest first; ``change`` is what each transaction did to the balance.
    view["entries"] = [
        {
            "id": e["_id"],
            "kind": e["kind"],
            "purpose": e.get("purpose"),
            "change": balance_of(
                account, sum(line["amount"] for line in e["lines"] if line["account"] == account)
            ),
            "receipt_no": e.get("receipt_no"),
            "reason": e.get("reason"),
            "session_id": e.get("session_id"),
            "at": e["at"],
        }
        for e in entries
    ]
    return json(view)


@bp.post("/<member_id:str>/balance-adjustments")
@openapi.definition(
    summary="Credit or debit a member's balance by hand (exactly once per idempotency key)",
    body=json_body(BalanceAdjustment),
    tag="members",
)
@requires(Permission.SESSIONS_GRANT)
async def adjust_balance(request: Request, member_id: str) -> HTTPResponse:
    body = parse_body(request, BalanceAdjustment)
    store = request.app.ctx.store
    if await store.members.get(member_id) is None:
        raise not_found(f"member {member_id!r}")
    money = request.app.ctx.money
    try:
        result = await money.adjust(
            member_id,
            body.amount,
            reason=body.reason,
            key=f"{member_id}:{body.idempotency_key}",
            staff=request.ctx.claims.username,
        )
    except MoneyRefused as exc:
        raise ApiError(exc.status, exc.code, str(exc)) from None
    await request.app.ctx.audit.record(
        "member.balance.adjust",
        request=request,
        target=member_id,
        reason=body.reason,
        details={"amount": body.amount, "transaction": result.document["_id"], "applied": result.created},
    )
    balance = await money.balance(member_id)
    return json(
        {
            "member_id": member_id,
            "balance": balance,
            "applied": result.created,
            "transaction": result.document["_id"],
        },
        status=201 if result.created else 200,
    )
