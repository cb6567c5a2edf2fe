"""Members: customers with a login, a hashed PIN or password (``hub.member_secrets``), an optional phone
number (encrypted, ``hub.member_contact``), and a balance.

Wherever the API names a member — a path, or ``member_id`` in a body — their id or their login is
accepted: ``member_named`` is the one resolver.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from sanic import Blueprint, Request
from sanic_ext import openapi

from billing.ledger import balance_of, member_account
from hub.api.answers import Answer, Page, answers, reply
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.query import Name, Paging, QueryModel, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.errors import ApiError, bad_request, not_found
from hub.member_contact import (
    PhoneRefused,
    normalise_phone,
    open_phone,
    phone_index,
    phone_lookup,
    seal_phone,
    search_digits,
)
from hub.member_secrets import PASSWORD_MAX, PIN_LENGTH, MemberSecret, SecretRefused, new_secret
from hub.money.amounts import Signed
from hub.security.crypto import CipherError, FieldCipher
from hub.store.members import MemberRecord, MemberSearch

log = logging.getLogger(__name__)

bp = Blueprint("members", url_prefix="/members")


# A member id (uuid4 hex): a login may not look like one, so a name in a path is never ambiguous.
_MEMBER_ID = re.compile(r"^[0-9a-f]{32}$")
PHONE_FIELD = Field(
    default=None,
    max_length=32,
    description="a phone number: 7 to 15 digits, optionally with +, spaces, dashes or brackets; "
    "stored encrypted",
)


def _phone(value: str | None) -> str | None:
    if value is None or not value.strip():
        return value
    try:
        normalise_phone(value)
    except PhoneRefused as exc:
        raise ValueError(str(exc)) from None
    return value.strip()


class NewMember(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: str = Field(min_length=3, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(default="", max_length=100)
    phone: str | None = PHONE_FIELD
    secret: str = Field(
        min_length=PIN_LENGTH,
        max_length=PASSWORD_MAX,
        description="a PIN of exactly 4 digits, or a password of 8-128 characters (not only digits, not "
        "common, not containing the login); stored as an argon2id hash only",
    )

    @field_validator("login")
    @classmethod
    def _not_an_id(cls, value: str) -> str:
        if _MEMBER_ID.match(value):
            raise ValueError("a login may not look like a member id (32 hex digits); choose another")
        return value

    _valid_phone = field_validator("phone")(_phone)


class MemberChanges(BaseModel):
    """What staff may change of a member's details: give only what changes; ``phone: ""`` removes it."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=100)
    phone: str | None = PHONE_FIELD

    _valid_phone = field_validator("phone")(_phone)

    @model_validator(mode="after")
    def _something(self) -> MemberChanges:
        if self.name is None and self.phone is None:
            raise ValueError("give name or phone (or both)")
        return self


class SecretChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret: str = Field(min_length=PIN_LENGTH, max_length=PASSWORD_MAX, description="the new PIN or password")


class BalanceAdjustment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Signed = Field(description="minor units; positive credits, negative debits")
    reason: str = Field(min_length=3, max_length=200)
    idempotency_key: str = Field(min_length=8, max_length=64)


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("text without control characters")
    return value


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
SearchText = Annotated[
    str,
    Field(min_length=1, max_length=100, json_schema_extra={"pattern": "^[^\\x00-\\x1f\\x7f]+$"}),
    AfterValidator(_printable),
]


class MemberFilter(QueryModel):
    """The filters of the member list (and its export)."""

    q: SearchText | None = Field(
        default=None,
        description="text anywhere in the login or name (any case), a member's id, or a phone number: "
        "the whole number or its last 7 or more digits, in any spacing",
    )
    login: Name | None = Field(default=None, description="exactly this login")


class MembersQuery(MemberFilter, Paging):
    pass


class Member(Answer):
    id: str
    login: str
    name: str
    phone: str | None = Field(description="as staff typed it; null when none is on file")
    balance: int = Field(description="minor units")
    active_session: str | None
    created_at: int
    secret_kind: Literal["pin", "password"]
    offline_login: bool = Field(description="the password is strong enough for PCs to cache a verifier")


class BalanceEntry(Answer):
    id: str
    kind: str
    purpose: str | None
    change: int = Field(description="what the transaction did to the balance, minor units")
    receipt_no: int | None
    reason: str | None
    session_id: str | None
    at: int


class MemberDetail(Member):
    entries: list[BalanceEntry] = Field(description="newest first")


class Adjusted(Answer):
    member_id: str
    balance: int
    applied: bool = Field(description="false when the key was used before: nothing moved twice")
    transaction: str


def _phone_of(cipher: FieldCipher, member: MemberRecord) -> str | None:
    if member.phone_enc is None:
        return None
    try:
        return open_phone(cipher, member.id, member.phone_enc)
    except CipherError as exc:
        # A key dropped before `icafe keys rotate` ran: the member is still shown, without the number.
        log.warning("member %s: phone does not decrypt: %s", member.id, exc)
        return None


def member_view(member: MemberRecord, balance: int, cipher: FieldCipher) -> dict[str, Any]:
    return {
        "id": member.id,
        "login": member.login,
        "name": member.name,
        "phone": _phone_of(cipher, member),
        "balance": balance,
        "active_session": member.active_session,
        "created_at": member.created_at,
        "secret_kind": member.secret_kind,
        "offline_login": member.offline_key is not None,
    }


async def member_named(request: Request, ref: str) -> MemberRecord:
    """The member ``ref`` names (their id or their login), or a 404."""
    member = await request.app.ctx.store.members.resolve(ref)
    if member is None:
        raise not_found(f"member {ref!r}")
    assert isinstance(member, MemberRecord)
    return member


def _sealed_phone(cipher: FieldCipher, member_id: str, phone: str) -> tuple[str | None, list[str]]:
    """The phone's ciphertext and blind indexes; ``("", ...)`` removes the number."""
    if not phone:
        return None, []
    return seal_phone(cipher, member_id, phone), phone_index(cipher, normalise_phone(phone))


async def _secret(secret: str, login: str) -> MemberSecret:
    try:
        return await asyncio.to_thread(new_secret, secret, login)
    except SecretRefused as exc:
        raise bad_request(str(exc)) from None


@bp.post("")
@openapi.definition(summary="Create a member", body=json_body(NewMember), tag="members")
@requires(Permission.MEMBERS_MANAGE)
@audits("member.create")
@answers(Member, status=201, errors=(409,))
async def create_member(request: Request) -> dict[str, Any]:
    body = parse_body(request, NewMember)
    secret = await _secret(body.secret, body.login)
    cipher = request.app.ctx.cipher
    member_id = uuid.uuid4().hex
    phone_enc, index = _sealed_phone(cipher, member_id, body.phone or "")
    member = MemberRecord(
        id=member_id,
        login=body.login,
        name=body.name,
        secret_hash=secret.secret_hash,
        created_at=now_ms(),
        secret_kind=secret.kind,
        offline_key=secret.offline_key,
        phone_enc=phone_enc,
        phone_index=tuple(index),
    )
    if not await request.app.ctx.store.members.create(member):
        raise ApiError(409, "login_taken", f"login {body.login!r} is taken")
    await request.app.ctx.audit.record(
        "member.create",
        request=request,
        target=f"member:{member.id}",
        details={"login": member.login, "phone": phone_enc is not None},
    )
    return member_view(member, 0, cipher)


@bp.patch("/<member_id:str>")
@openapi.definition(
    summary="Change a member's name or phone number (member_id: their id or login)",
    body=json_body(MemberChanges),
    tag="members",
)
@requires(Permission.MEMBERS_MANAGE)
@audits("member.update")
@answers(Member, errors=(404,))
async def update_member(request: Request, member_id: str) -> dict[str, Any]:
    body = parse_body(request, MemberChanges)
    ctx = request.app.ctx
    member = await member_named(request, member_id)
    phone = _sealed_phone(ctx.cipher, member.id, body.phone) if body.phone is not None else None
    if not await ctx.store.members.update_contact(member.id, name=body.name, phone=phone):
        raise not_found(f"member {member_id!r}")
    # The audit log is not encrypted: it says that the number changed, never the number.
    changed: dict[str, Any] = {"name": body.name} if body.name is not None else {}
    if body.phone is not None:
        changed["phone"] = "removed" if not body.phone else "changed"
    await ctx.audit.record("member.update", request=request, target=f"member:{member.id}", details=changed)
    updated = await member_named(request, member.id)
    return member_view(updated, await ctx.money.balance(member.id), ctx.cipher)


@bp.put("/<member_id:str>/secret")
@openapi.definition(
    summary="Set a member's PIN or password (the PCs' cached verifiers of the old one stop working)",
    body=json_body(SecretChange),
    tag="members",
)
@requires(Permission.MEMBERS_MANAGE)
@audits("member.secret.change")
@answers(Member, errors=(404,))
async def change_secret(request: Request, member_id: str) -> dict[str, Any]:
    body = parse_body(request, SecretChange)
    ctx = request.app.ctx
    member = await member_named(request, member_id)
    secret = await _secret(body.secret, member.login)
    await ctx.store.members.set_secret(member.id, secret.secret_hash, secret.kind, secret.offline_key)
    await ctx.audit.record(
        "member.secret.change",
        request=request,
        target=f"member:{member.id}",
        details={"kind": secret.kind, "offline_login": secret.offline_key is not None},
    )
    updated = await member_named(request, member.id)
    return member_view(updated, await ctx.money.balance(member.id), ctx.cipher)


def member_search(cipher: FieldCipher, query: MemberFilter) -> MemberSearch:
    """The store's search for ``?q=`` and ``?login=``: a phone is looked up by its blind indexes only."""
    text = query.q.strip() if query.q and query.q.strip() else None
    digits = search_digits(text) if text else None
    keys = tuple(phone_lookup(cipher, digits)) if digits else ()
    return MemberSearch(text=text, phone_keys=keys, login=query.login)


@bp.get("")
@openapi.definition(
    summary="Members with their balances, by login; ?q= finds them by login, name, id or phone number",
    tag="members",
)
@requires(Permission.MEMBERS_READ)
@with_query(MembersQuery)
@answers(Page[Member])
async def list_members(request: Request, query: MembersQuery) -> dict[str, Any]:
    ctx = request.app.ctx
    search = member_search(ctx.cipher, query)
    members, total = await ctx.store.members.page(search, skip=query.offset, limit=query.limit)
    balances = await ctx.money.balances([m.id for m in members])
    return {"items": [member_view(m, balances[m.id], ctx.cipher) for m in members], "total": total}


@bp.get("/<member_id:str>")
@openapi.definition(summary="One member (by id or login) with their balance and its entries", tag="members")
@requires(Permission.MEMBERS_READ)
@answers(MemberDetail, errors=(404,))
async def get_member(request: Request, member_id: str) -> dict[str, Any]:
    ctx = request.app.ctx
    member = await member_named(request, member_id)
    account = member_account(member.id)
    entries = await ctx.store.ledger.account_entries(account)
    view = member_view(member, await ctx.money.balance(member.id), ctx.cipher)
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
    return view


@bp.post("/<member_id:str>/balance-adjustments")
@openapi.definition(
    summary="Credit or debit a member's balance by hand (exactly once per idempotency key)",
    body=json_body(BalanceAdjustment),
    tag="members",
)
@requires(Permission.SESSIONS_GRANT)
@audits("member.balance.adjust")
@answers(Adjusted, status=201, also=(200,), errors=(402, 404, 409))
async def adjust_balance(request: Request, member_id: str) -> Any:
    body = parse_body(request, BalanceAdjustment)
    member_id = (await member_named(request, member_id)).id  # the path names them by id or login
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
    return reply(
        {
            "member_id": member_id,
            "balance": balance,
            "applied": result.created,
            "transaction": result.transaction.id,
        },
        201 if result.created else 200,
    )
