"""``/api/v1/auth``: staff login (password, then TOTP when enrolled), token refresh, logout, one's own
account (password change, 2FA enrolment and recovery codes).

Login answers one of:

- a full session: ``{"access_token", "refresh_token", "token_type", "expires_in", "scope": "full", "user"}``;
- ``{"mfa_required": true, "mfa_token", "expires_in"}`` when the user has 2FA: send the code with the
  token to ``POST /auth/login/2fa``;
- a limited session (``"scope": "limited"``, no refresh token) when the user must first change the
  password or enrol 2FA (``"required_actions"``): that token only reaches ``account:self`` routes.

Every attempt is audited; failures count towards the login limits of ``hub.security.limits`` (429 with
Retry-After): a back-off per account and address, an hourly cap per account, and per address a lockout
that lets only logins with a second factor through.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, Done, absent, answers, reply
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import Confirmation, confirm_sensitive, public, requires
from hub.api.schema import json_body
from hub.api.users import StaffUserAnswer, account_call, origin_of
from hub.auth.logins import RefreshRefused, user_view
from hub.auth.passwords import verify_password
from hub.auth.permissions import Permission, permissions_of
from hub.auth.tokens import InvalidToken
from hub.errors import ApiError
from hub.security.audit import FAILURE, Actor
from hub.security.limits import Gate, too_many
from hub.security.network import client_ip
from hub.store import StaffUser

bp = Blueprint("auth", url_prefix="/auth")


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class SecondFactorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mfa_token: str = Field(min_length=1, max_length=4096)
    # A 6-digit TOTP code, or one of the recovery codes.
    code: str = Field(min_length=6, max_length=64)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class TotpCode(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=6, max_length=16)


class Confirmed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    confirmation: Confirmation


class LoginSession(Answer):
    """A login session: ``full``, or ``limited`` to one's own account until ``required_actions`` are done."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: Literal["full", "limited"]
    required_actions: list[str]
    user: StaffUserAnswer
    refresh_token: str | None = absent("a full session's (rotated on each use)")
    refresh_expires_in: int | None = absent("a full session's")
    recovery_codes: list[str] | None = absent("after enrolling 2FA: shown once")
    recovery_codes_left: int | None = absent("after logging in with a recovery code")


class MfaUser(Answer):
    id: str
    username: str
    role: str


class MfaStep(Answer):
    """The password was right and the user has 2FA: send a code with ``mfa_token`` to /auth/login/2fa."""

    mfa_required: Literal[True]
    mfa_token: str
    token_type: Literal["mfa"]
    expires_in: int
    user: MfaUser


class LoginAnswer(RootModel[LoginSession | MfaStep]):
    """A session, or the second step when the user has 2FA."""


class Me(StaffUserAnswer):
    scope: Literal["full", "limited"]
    permissions: list[str]
    required_actions: list[str]
    totp_required: bool = Field(description="the role requires 2FA")
    session_expires_at: int


class TotpEnrolment(Answer):
    secret: str
    otpauth_uri: str
    qr_svg: str


class RecoveryCodes(Answer):
    recovery_codes: list[str] = Field(description="shown once; each works once")


def _invalid_credentials() -> ApiError:
    return ApiError(401, "invalid_credentials", "wrong username or password")


def _address_locked(gate: Gate) -> ApiError:
    wait = max(1, math.ceil(gate.address_wait_s))
    return ApiError(
        429,
        "address_locked",
        "too many failed logins from this network: from here, only users with two-factor authentication "
        f"can log in for the next {math.ceil(wait / 60)} min",
        headers={"Retry-After": str(wait)},
    )


async def _check_lockout(request: Request, username: str, action: str) -> Gate:
    """What the login limits allow this attempt; a 429 (audited) while it must wait."""
    ctx = request.app.ctx
    gate: Gate = await ctx.login_limiter.check(username, client_ip(request))
    if gate.wait_s > 0:
        await ctx.audit.record(
            action,
            actor=Actor(username),
            ip=client_ip(request),
            target=f"user:{username}",
            outcome="locked",
            details={"retry_after_s": round(gate.wait_s, 1)},
        )
        raise too_many(gate.wait_s, "failed attempts")
    return gate


async def _failed(request: Request, username: str, action: str, why: str) -> None:
    ctx = request.app.ctx
    await ctx.login_limiter.failed(username, client_ip(request))
    await ctx.audit.record(
        action,
        actor=Actor(username),
        ip=client_ip(request),
        target=f"user:{username}",
        outcome=FAILURE,
        details={"why": why},
    )


async def _succeeded(request: Request, user: StaffUser, action: str, answer: dict[str, Any]) -> None:
    await request.app.ctx.audit.record(
        action,
        actor=Actor(user.username, user.id, user.role),
        ip=client_ip(request),
        target=f"user:{user.username}",
        details={"scope": answer.get("scope"), "required_actions": answer.get("required_actions", [])},
    )


@bp.post("/login")
@openapi.definition(
    summary="Log in as a staff user (step 1: password)",
    body=json_body(LoginRequest),
    tag="auth",
)
@public
@audits("auth.login")
@answers(LoginAnswer, errors=(401, 429))
async def login(request: Request) -> Any:
    body = parse_body(request, LoginRequest)
    ctx = request.app.ctx
    username = body.username.strip().lower()
    gate = await _check_lockout(request, username, "auth.login")
    user = await ctx.store.users.by_username(username)
    # Hashing runs even for an unknown user, so timing does not reveal which usernames exist;
    # in a thread, because argon2 is deliberately slow and would stall the event loop.
    valid = await asyncio.to_thread(verify_password, user.password_hash if user else None, body.password)
    if user is None or not valid or user.disabled:
        why = "unknown user" if user is None else ("disabled" if valid else "wrong password")
        await _failed(request, username, "auth.login", why)
        # From a locked-out address a wrong password gets the same answer as a right one without 2FA.
        raise _address_locked(gate) if gate.second_factor_only else _invalid_credentials()
    if gate.second_factor_only and not user.has_totp:
        await ctx.audit.record(
            "auth.login",
            actor=Actor(user.username, user.id, user.role),
            ip=client_ip(request),
            target=f"user:{user.username}",
            outcome="locked",
            details={"why": "address locked out; the user has no second factor"},
        )
        raise _address_locked(gate)
    if user.has_totp:
        # The account's failure count is cleared only once the second factor passes too, so a stolen
        # password does not reset the back-off that guards the TOTP code.
        token, _ = ctx.tokens.issue_mfa(user.id, user.token_generation, int(time.time()))
        await ctx.audit.record(
            "auth.login",
            actor=Actor(user.username, user.id, user.role),
            ip=client_ip(request),
            target=f"user:{user.username}",
            details={"step": "password", "next": "2fa"},
        )
        return {
            "mfa_required": True,
            "mfa_token": token,
            "token_type": "mfa",
            "expires_in": ctx.tokens.mfa_ttl_s,
            "user": {"id": user.id, "username": user.username, "role": user.role},
        }
    await ctx.login_limiter.succeeded(username, client_ip(request))
    answer = await ctx.logins.start(user)
    await _succeeded(request, user, "auth.login", answer)
    return answer


@bp.post("/login/2fa")
@openapi.definition(
    summary="Log in, step 2: the TOTP code (or a recovery code) with the mfa_token from step 1",
    body=json_body(SecondFactorRequest),
    tag="auth",
)
@public
@audits("auth.login_2fa")
@answers(LoginSession, errors=(401, 429))
async def login_second_factor(request: Request) -> Any:
    body = parse_body(request, SecondFactorRequest)
    ctx = request.app.ctx
    try:
        claims = ctx.tokens.verify_mfa(body.mfa_token)
    except InvalidToken:
        raise ApiError(401, "invalid_token", "the login step expired or is invalid; log in again") from None
    user = await ctx.store.users.by_id(claims.user_id)
    if user is None or user.disabled or user.token_generation != claims.generation:
        raise ApiError(401, "invalid_token", "the login step is no longer valid; log in again")
    await _check_lockout(request, user.username, "auth.login_2fa")
    method = await ctx.accounts.check_second_factor(user, body.code)
    if method is None:
        await _failed(request, user.username, "auth.login_2fa", "wrong or reused code")
        raise ApiError(401, "invalid_code", "the code is wrong or was already used")
    if not await ctx.auth_state.use_once(claims.token_id, ctx.tokens.mfa_ttl_s):
        raise ApiError(401, "invalid_token", "this login step was already completed; log in again")
    await ctx.login_limiter.succeeded(user.username, client_ip(request))
    answer = await ctx.logins.start(user)
    await ctx.audit.record(
        "auth.login_2fa",
        actor=Actor(user.username, user.id, user.role),
        ip=client_ip(request),
        target=f"user:{user.username}",
        details={"method": method, "scope": answer.get("scope")},
    )
    if method == "recovery_code":
        answer["recovery_codes_left"] = len(user.recovery_codes) - 1
    return answer


@bp.post("/refresh")
@openapi.definition(
    summary="Swap a refresh token for new tokens (the old one is spent; reusing it ends the session)",
    body=json_body(RefreshRequest),
    tag="auth",
)
@public
@audits("auth.refresh")
@answers(LoginSession, errors=(401, 429))
async def refresh(request: Request) -> Any:
    body = parse_body(request, RefreshRequest)
    ctx = request.app.ctx
    try:
        answer, user = await ctx.logins.refresh(body.refresh_token)
    except RefreshRefused as exc:
        await ctx.audit.record(
            "auth.refresh",
            actor=Actor("unknown", exc.user_id),
            ip=client_ip(request),
            outcome="reuse_detected" if exc.code == "refresh_token_reused" else FAILURE,
            details={"why": exc.code},
        )
        raise ApiError(401, exc.code, str(exc)) from None
    await ctx.audit.record(
        "auth.refresh",
        actor=Actor(user.username, user.id, user.role),
        ip=client_ip(request),
        target=f"user:{user.username}",
    )
    return answer


@bp.post("/logout")
@openapi.definition(summary="End this login session (its access and refresh tokens)", tag="auth")
@requires(Permission.ACCOUNT)
@audits("auth.logout")
@answers(Done)
async def logout(request: Request) -> dict[str, Any]:
    ctx = request.app.ctx
    await ctx.logins.logout(request.ctx.claims)
    await ctx.audit.record("auth.logout", request=request, target=f"user:{request.ctx.claims.username}")
    return {"status": "logged_out"}


async def _me(request: Request) -> StaffUser:
    user = await request.app.ctx.store.users.by_id(request.ctx.claims.user_id)
    if user is None:
        raise ApiError(401, "invalid_token", "the user no longer exists")
    assert isinstance(user, StaffUser)
    return user


@bp.get("/me")
@openapi.definition(summary="The logged-in user, permissions and required actions", tag="auth")
@requires(Permission.ACCOUNT)
@answers(Me)
async def me(request: Request) -> dict[str, Any]:
    user = await _me(request)
    claims = request.ctx.claims
    return {
        **user_view(user),
        "scope": claims.scope,
        "permissions": sorted(p.value for p in permissions_of(user.role, claims.scope)),
        "required_actions": request.app.ctx.accounts.required_actions(user),
        "totp_required": request.app.ctx.accounts.totp_required(user),
        "session_expires_at": claims.expires_at,
    }


@bp.post("/password")
@openapi.definition(
    summary="Change one's own password; every session ends and a new one is answered",
    body=json_body(PasswordChange),
    tag="auth",
)
@requires(Permission.ACCOUNT)
@audits("auth.password_change")
@answers(LoginSession, errors=(409,))
async def change_password(request: Request) -> dict[str, Any]:
    body = parse_body(request, PasswordChange)
    ctx = request.app.ctx
    user = await _me(request)
    await _check_lockout(request, user.username, "auth.password_change")
    try:
        after = await account_call(
            ctx.accounts.change_password(user, body.current_password, body.new_password, origin_of(request))
        )
    except ApiError as exc:
        if exc.code == "invalid_credentials":
            await ctx.login_limiter.failed(user.username, client_ip(request))
        raise
    session: dict[str, Any] = await ctx.logins.start(after)
    return session


@bp.post("/2fa/setup")
@openapi.definition(
    summary="Start 2FA enrolment: a new TOTP secret, its otpauth URI and QR code (SVG)", tag="auth"
)
@requires(Permission.ACCOUNT)
@audits("auth.2fa_begin")
@answers(TotpEnrolment, errors=(409,))
async def totp_setup(request: Request) -> Any:
    user = await _me(request)
    enrolment = await account_call(request.app.ctx.accounts.begin_totp(user, origin_of(request)))
    return reply(
        {"secret": enrolment.secret, "otpauth_uri": enrolment.uri, "qr_svg": enrolment.qr_svg},
        200,
        headers={"Cache-Control": "no-store"},
    )


@bp.post("/2fa/activate")
@openapi.definition(
    summary="Finish 2FA enrolment with a code from the phone: recovery codes (shown once) and a new session",
    body=json_body(TotpCode),
    tag="auth",
)
@requires(Permission.ACCOUNT)
@audits("auth.2fa_activate")
@answers(LoginSession, errors=(409,))
async def totp_activate(request: Request) -> Any:
    body = parse_body(request, TotpCode)
    ctx = request.app.ctx
    user = await _me(request)
    await _check_lockout(request, user.username, "auth.2fa_activate")
    try:
        after, codes = await account_call(ctx.accounts.activate_totp(user, body.code, origin_of(request)))
    except ApiError as exc:
        if exc.code == "invalid_code":
            await ctx.login_limiter.failed(user.username, client_ip(request))
        raise
    answer = await ctx.logins.start(after)
    answer["recovery_codes"] = codes
    return answer


@bp.post("/2fa/recovery-codes")
@openapi.definition(
    summary="New recovery codes (the old ones stop working); confirmation required",
    body=json_body(Confirmed),
    tag="auth",
)
@requires(Permission.ACCOUNT)
@audits("auth.recovery_codes")
@answers(RecoveryCodes, errors=(409,))
async def totp_recovery_codes(request: Request) -> dict[str, Any]:
    body = parse_body(request, Confirmed)
    reason = await confirm_sensitive(request, body.confirmation, "auth.recovery_codes")
    user = await _me(request)
    codes = await account_call(request.app.ctx.accounts.new_recovery_codes(user, origin_of(request), reason))
    return {"recovery_codes": codes}


@bp.post("/2fa/disable")
@openapi.definition(
    summary="Turn one's own 2FA off (not for roles that require it); confirmation required",
    body=json_body(Confirmed),
    tag="auth",
)
@requires(Permission.ACCOUNT)
@audits("auth.2fa_disable")
@answers(LoginSession, errors=(409,))
async def totp_disable(request: Request) -> dict[str, Any]:
    body = parse_body(request, Confirmed)
    reason = await confirm_sensitive(request, body.confirmation, "auth.2fa_disable")
    ctx = request.app.ctx
    user = await _me(request)
    after = await account_call(ctx.accounts.disable_totp(user, origin_of(request), reason))
    session: dict[str, Any] = await ctx.logins.start(after)
    return session
