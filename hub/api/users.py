"""``/api/v1/users``: staff accounts, for owners (listing also for managers).

Every change is a sensitive action: the body carries a ``confirmation`` (reason plus the owner's TOTP
code, or password without 2FA), and the change is audited with that reason. A path's ``{user}`` is a user
id or a username.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, Page, absent, answers
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import Confirmation, confirm_sensitive, requires
from hub.api.query import Paging, with_query
from hub.api.schema import json_body
from hub.auth.accounts import AccountError, Origin
from hub.auth.logins import user_view
from hub.auth.permissions import Permission, Role
from hub.errors import ApiError
from hub.security.audit import Actor, actor_of
from hub.security.network import client_ip
from hub.store import StaffUser

bp = Blueprint("users", url_prefix="/users")

T = TypeVar("T")


async def account_call(awaitable: Awaitable[T]) -> T:
    """Run an account operation, answering its refusal as an API error with the same code."""
    try:
        return await awaitable
    except AccountError as exc:
        raise ApiError(exc.status, exc.code, str(exc)) from None


def origin_of(request: Request) -> Origin:
    return Origin(actor=actor_of(request) or Actor("anonymous"), ip=client_ip(request))


async def resolve_user(request: Request, ref: str) -> StaffUser:
    users = request.app.ctx.store.users
    user = await users.by_id(ref) or await users.by_username(ref.strip().lower())
    if user is None:
        raise ApiError(404, "not_found", f"user {ref!r} not found")
    assert isinstance(user, StaffUser)
    return user


class StaffUserAnswer(Answer):
    id: str
    username: str
    role: Role
    disabled: bool
    totp_enabled: bool
    must_change_password: bool
    created_at: int
    updated_at: int


class UserChanged(Answer):
    user: StaffUserAnswer
    password: str | None = absent("a one-time password, shown once: the user changes it at first login")


class Confirmed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirmation: Confirmation


class CreateUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=3, max_length=32)
    role: Role
    # Omit to generate a one-time password that the user must change at first login.
    password: str | None = Field(default=None, max_length=1024)
    confirmation: Confirmation


class ChangeRole(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    confirmation: Confirmation


@bp.get("")
@openapi.definition(summary="Staff users", tag="users")
@requires(Permission.USERS_READ)
@with_query(Paging)
@answers(Page[StaffUserAnswer])
async def list_users(request: Request, query: Paging) -> dict[str, Any]:
    users, total = await request.app.ctx.store.users.page(skip=query.offset, limit=query.limit)
    return {"items": [user_view(u) for u in users], "total": total}


@bp.get("/<user_ref:str>")
@openapi.definition(summary="One staff user (by id or username)", tag="users")
@requires(Permission.USERS_READ)
@answers(StaffUserAnswer, errors=(404,))
async def get_user(request: Request, user_ref: str) -> dict[str, Any]:
    return user_view(await resolve_user(request, user_ref))


@bp.post("")
@openapi.definition(
    summary="Create a staff user (confirmation required)",
    body=json_body(CreateUser),
    tag="users",
)
@requires(Permission.USERS_MANAGE)
@audits("user.create")
@answers(UserChanged, status=201, errors=(409,))
async def create_user(request: Request) -> dict[str, Any]:
    body = parse_body(request, CreateUser)
    reason = await confirm_sensitive(request, body.confirmation, "user.create")
    accounts = request.app.ctx.accounts
    user, generated = await account_call(
        accounts.create(body.username, body.role.value, body.password, origin_of(request), reason)
    )
    answer: dict[str, Any] = {"user": user_view(user)}
    if generated:
        answer["password"] = generated  # shown once; the user must change it at first login
    return answer


async def _change(request: Request, user_ref: str, what: str) -> dict[str, Any]:
    body = parse_body(request, Confirmed)
    user = await resolve_user(request, user_ref)
    reason = await confirm_sensitive(request, body.confirmation, f"user.{what}")
    accounts, origin = request.app.ctx.accounts, origin_of(request)
    if what == "disable":
        after = await account_call(accounts.disable(user.id, origin, reason))
    elif what == "enable":
        after = await account_call(accounts.enable(user.id, origin, reason))
    elif what == "reset_2fa":
        after = await account_call(accounts.reset_2fa(user.id, origin, reason))
    else:  # reset_password
        password = await account_call(accounts.reset_password(user.id, origin, reason))
        return {"user": user_view(await resolve_user(request, user.id)), "password": password}
    return {"user": user_view(after)}


@bp.post("/<user_ref:str>/disable")
@openapi.definition(
    summary="Disable a user and end all their sessions at once",
    body=json_body(Confirmed),
    tag="users",
)
@requires(Permission.USERS_MANAGE)
@audits("user.disable")
@answers(UserChanged, errors=(404, 409))
async def disable_user(request: Request, user_ref: str) -> dict[str, Any]:
    return await _change(request, user_ref, "disable")


@bp.post("/<user_ref:str>/enable")
@openapi.definition(summary="Enable a disabled user", body=json_body(Confirmed), tag="users")
@requires(Permission.USERS_MANAGE)
@audits("user.enable")
@answers(UserChanged, errors=(404, 409))
async def enable_user(request: Request, user_ref: str) -> dict[str, Any]:
    return await _change(request, user_ref, "enable")


@bp.post("/<user_ref:str>/reset-password")
@openapi.definition(
    summary="Set a one-time password (answered once); the user's sessions end",
    body=json_body(Confirmed),
    tag="users",
)
@requires(Permission.USERS_MANAGE)
@audits("user.reset_password")
@answers(UserChanged, errors=(404, 409))
async def reset_password(request: Request, user_ref: str) -> dict[str, Any]:
    return await _change(request, user_ref, "reset_password")


@bp.post("/<user_ref:str>/reset-2fa")
@openapi.definition(
    summary="Remove a user's 2FA (lost phone); they enrol again at next login",
    body=json_body(Confirmed),
    tag="users",
)
@requires(Permission.USERS_MANAGE)
@audits("user.reset_2fa")
@answers(UserChanged, errors=(404, 409))
async def reset_2fa(request: Request, user_ref: str) -> dict[str, Any]:
    return await _change(request, user_ref, "reset_2fa")


@bp.post("/<user_ref:str>/role")
@openapi.definition(
    summary="Change a user's role; their sessions end",
    body=json_body(ChangeRole),
    tag="users",
)
@requires(Permission.USERS_MANAGE)
@audits("user.role")
@answers(UserChanged, errors=(404, 409))
async def change_role(request: Request, user_ref: str) -> dict[str, Any]:
    body = parse_body(request, ChangeRole)
    user = await resolve_user(request, user_ref)
    reason = await confirm_sensitive(request, body.confirmation, "user.role")
    after = await account_call(
        request.app.ctx.accounts.set_role(user.id, body.role.value, origin_of(request), reason)
    )
    return {"user": user_view(after)}
