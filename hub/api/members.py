"""Members: customers with a login, a hashed PIN or password (``hub.member_secrets``), and a balance."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse
from sanic_ext import openapi

from billing.ledger import balance_of, member_account
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.query import Paging, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.errors import ApiError, bad_request, not_found
from hub.member_secrets import PASSWORD_MAX, PIN_LENGTH, MemberSecret, SecretRefused, new_secret
from hub.money.amounts import Signed
from hub.store.members import MemberRecord

bp = Blueprint("members", url_prefix="/members")


class NewMember(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(default="", max_length=100)
    secret: str = Field(
        min_length=PIN_LENGTH,
        max_length=PASSWORD_MAX,
        description="a PIN of exactly 4 digits, or a password of 8-128 characters (not only digits, not "
        "common, not containing the login); stored as an argon2id hash only",
    )


class SecretChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret: str = Field(min_length=PIN_LENGTH, max_length=PASSWORD_MAX, description="the new PIN or password")


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
        # "pin" or "password"; offline_login: the password is strong enough for PCs to cache a verifier.
        "secret_kind": member.secret_kind,
        "offline_login": member.offline_key is not None,
    }


async def _secret(secret: str, login: str) -> MemberSecret:
    try:
        return await asyncio.to_thread(new_secret, secret, login)
    except SecretRefused as exc:
        raise bad_request(str(exc)) from None


@bp.post("")
@openapi.definition(summary="Create a member", body=json_body(NewMember), tag="members")
@requires(Permission.MEMBERS_MANAGE)
@audits("member.create")
async def create_member(request: Request) -> HTTPResponse:
    body = parse_body(request, NewMember)
    secret = await _secret(body.secret, body.login)
    member = MemberRecord(
        id=uuid.uuid4().hex,
        login=body.login,
        name=body.name,
        secret_hash=secret.secret_hash,
        created_at=now_ms(),
        secret_kind=secret.kind,
        offline_key=secret.offline_key,
    )
    if not await request.app.ctx.store.members.create(member):
        raise ApiError(409, "login_taken", f"login {body.login!r} is taken")
    await request.app.ctx.audit.record(
        "member.create", request=request, target=f"member:{member.id}", details={"login": member.login}
    )
    return json(member_view(member, 0), status=201)


@bp.put("/<member_id:str>/secret")
@openapi.definition(
    summary="Set a member's PIN or password (the PCs' cached verifiers of the old one stop working)",
    body=json_body(SecretChange),
    tag="members",
)
@requires(Permission.MEMBERS_MANAGE)
@audits("member.secret.change")
async def change_secret(request: Request, member_id: str) -> HTTPResponse:
    body = parse_body(request, SecretChange)
    store = request.app.ctx.store
    member = await store.members.get(member_id)
    if member is None:
        raise not_found(f"member {member_id!r}")
    secret = await _secret(body.secret, member.login)
    await store.members.set_secret(member_id, secret.secret_hash, secret.kind, secret.offline_key)
    await request.app.ctx.audit.record(
        "member.secret.change",
        request=request,
        target=f"member:{member_id}",
        details={"kind": secret.kind, "offline_login": secret.offline_key is not None},
    )
    updated = await store.members.get(member_id)
    assert updated is not None
    return json(member_view(updated, await request.app.ctx.money.balance(member_id)))


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
            "id": tx.id,
            "kind": tx.kind.value,
            "purpose": tx.purpose,
            "change": balance_of(account, tx.posting.amount_for(account)),
            "receipt_no": tx.receipt_no,
            "reason": tx.reason,
            "session_id": tx.session_id,
            "at": tx.at,
        }
        for tx in entries
    ]
    return json(view)


@bp.post("/<member_id:str>/balance-adjustments")
@openapi.definition(
    summary="Credit or debit a member's balance by hand (exactly once per idempotency key)",
    body=json_body(BalanceAdjustment),
    tag="members",
)
@requires(Permission.SESSIONS_GRANT)
@audits("member.balance.adjust")
async def adjust_balance(request: Request, member_id: str) -> HTTPResponse:
    body = parse_body(request, BalanceAdjustment)
    store = request.app.ctx.store
    if await store.members.get(member_id) is None:
        raise not_found(f"member {member_id!r}")
    money = request.app.ctx.money
    result = await money.adjust(
        member_id,
        body.amount,
        reason=body.reason,
        key=f"{member_id}:{body.idempotency_key}",
        staff=request.ctx.claims.username,
    )
    await request.app.ctx.audit.record(
        "member.balance.adjust",
        request=request,
        target=member_id,
        reason=body.reason,
        details={"amount": body.amount, "transaction": result.transaction.id, "applied": result.created},
    )
    balance = await money.balance(member_id)
    return json(
        {
            "member_id": member_id,
            "balance": balance,
            "applied": result.created,
            "transaction": result.transaction.id,
        },
        status=201 if result.created else 200,
    )
