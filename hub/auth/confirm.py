"""Confirmation of sensitive actions: a fresh proof of presence and a reason, for the audit log.

Refunds, manual time grants, unlocking a PC without a session and staff-account changes call::

    reason = await confirm_sensitive(request, body.confirmation)

with ``confirmation`` a ``Confirmation`` field of their request body
(``{"reason": "...", "totp": "123456"}`` or ``{"reason": "...", "password": "..."}``). A user with 2FA
enrolled must give a current TOTP code (accepted once only); a user without gives their password. Wrong
proofs count towards the account's login lockout, so the confirmation cannot be used to guess passwords.
"""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sanic import Request

from hub.auth.passwords import verify_password
from hub.errors import ApiError
from hub.security.audit import FAILURE
from hub.security.limits import too_many
from hub.security.network import client_ip


class Confirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=500, description="why; kept in the audit log")
    password: str | None = Field(default=None, min_length=1, max_length=1024)
    totp: str | None = Field(default=None, min_length=6, max_length=16)

    @field_validator("reason")
    @classmethod
    def _reason_has_words(cls, value: str) -> str:
        value = value.strip()
        if len(value) < 3:
            raise ValueError("give a reason of at least 3 characters")
        return value


def confirmation_required(message: str = "this action needs a confirmation") -> ApiError:
    return ApiError(
        403,
        "confirmation_required",
        f'{message}: send "confirmation": {{"reason", and "totp" (with 2FA) or "password"}}',
    )


async def confirm_sensitive(request: Request, confirmation: Confirmation | None, action: str = "") -> str:
    """Check the confirmation of the authenticated user; return the reason. 403 if missing or wrong, 429
    while the account is locked out."""
    if confirmation is None:
        raise confirmation_required()
    ctx = request.app.ctx
    claims = request.ctx.claims
    ip = client_ip(request)
    gate = await ctx.login_limiter.check(claims.username, ip)
    if gate.wait_s > 0:
        raise too_many(gate.wait_s, "failed attempts")
    user = await ctx.store.users.by_id(claims.user_id)
    if user is None or user.disabled:
        raise ApiError(401, "invalid_token", "the session was ended; log in again")
    if user.has_totp:
        if not confirmation.totp:
            raise confirmation_required('your account has 2FA: confirm with a current code ("totp")')
        proven = await ctx.accounts.check_totp(user, confirmation.totp)
        method = "totp"
    else:
        if not confirmation.password:
            raise confirmation_required("confirm with your password")
        proven = await asyncio.to_thread(verify_password, user.password_hash, confirmation.password)
        method = "password"
    if not proven:
        await ctx.login_limiter.failed(claims.username, ip)
        await ctx.audit.record(
            "auth.confirm",
            request=request,
            target=action or request.path,
            outcome=FAILURE,
            reason=confirmation.reason,
            details={"method": method},
        )
        raise ApiError(403, "confirmation_failed", f"the {method} confirmation is wrong or already used")
    return confirmation.reason
