"""Staff logins: access tokens plus a rotating refresh token, and their ends. (A PC's session, the time a
customer uses, is ``hub.sessions``; this is a member of staff logged in to the console or API.)

A login session is a refresh-token family (its id is the ``sid`` claim of its access tokens). It ends:

- when idle: a refresh token expires ``ICAFE_STAFF_SESSION_IDLE_S`` after it was issued, so a console that
  stops refreshing is logged out;
- at its absolute end, ``ICAFE_STAFF_SESSION_ABSOLUTE_S`` after the login, whatever the activity (no access
  token outlives it either);
- on logout, on reuse of a rotated refresh token (the family is revoked: someone holds a copy), and when
  the user's token generation changes (disabled, password, role or 2FA changed).
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any

from hub.auth.accounts import AccountService
from hub.auth.permissions import Scope
from hub.auth.state import AuthState
from hub.auth.tokens import AccessClaims, TokenIssuer
from hub.clock import now_ms
from hub.store.tokens import RefreshRecord, RefreshTokenRepository
from hub.store.users import StaffUser


class RefreshRefused(Exception):
    """The refresh token is unknown, expired, revoked or reused; ``code`` says which."""

    def __init__(self, code: str, message: str, user_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.user_id = user_id


@dataclass(frozen=True)
class LoginTimeouts:
    idle_s: int
    absolute_s: int


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_view(user: StaffUser) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role,
        "disabled": user.disabled,
        "totp_enabled": user.has_totp,
        "must_change_password": user.must_change_password,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


class StaffLogins:
    def __init__(
        self,
        tokens: TokenIssuer,
        refresh_tokens: RefreshTokenRepository,
        state: AuthState,
        accounts: AccountService,
        policy: LoginTimeouts,
    ) -> None:
        self.tokens = tokens
        self._refresh = refresh_tokens
        self._state = state
        self._accounts = accounts
        self.policy = policy

    async def start(self, user: StaffUser) -> dict[str, Any]:
        """What a successful login answers: a full session, or a limited token while actions remain."""
        actions = self._accounts.required_actions(user)
        if actions:
            token, _ = self.tokens.issue(
                user.id,
                user.username,
                user.role,
                int(time.time()),
                scope=Scope.LIMITED.value,
                # A session id of its own (no refresh family), so that logout can end it.
                session_id=uuid.uuid4().hex,
                generation=user.token_generation,
            )
            return {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.tokens.ttl_s,
                "scope": Scope.LIMITED.value,
                "required_actions": actions,
                "user": user_view(user),
            }
        now = now_ms()
        family = uuid.uuid4().hex
        refresh = await self._new_refresh(user, family, now, session_started_at=now)
        return self._full(user, family, refresh, now, now + self.policy.absolute_s * 1000)

    async def refresh(self, token: str) -> tuple[dict[str, Any], StaffUser]:
        token_hash = hash_refresh_token(token)
        now = now_ms()
        record = await self._refresh.claim(token_hash, now)
        if record is None:
            known = await self._refresh.get(token_hash)
            if known is None:
                raise RefreshRefused("invalid_refresh_token", "unknown refresh token; log in again")
            # Rotated or revoked, yet presented again: a copy exists. End the whole session.
            await self.revoke_family(known.family)
            raise RefreshRefused(
                "refresh_token_reused",
                "this refresh token was already used; the session is ended, log in again",
                known.user_id,
            )
        if record.expires_at <= now:
            await self.revoke_family(record.family)
            raise RefreshRefused("session_expired", "the session expired; log in again", record.user_id)
        user = await self._accounts.users.by_id(record.user_id)
        if user is None or user.disabled or user.token_generation != record.generation:
            await self.revoke_family(record.family)
            raise RefreshRefused("session_ended", "the session was ended; log in again", record.user_id)
        if self._accounts.required_actions(user):
            raise RefreshRefused("session_ended", "log in again", record.user_id)
        refresh = await self._new_refresh(
            user, record.family, now, session_started_at=record.session_started_at
        )
        return self._full(user, record.family, refresh, now, record.session_ends_at), user

    async def logout(self, claims: AccessClaims) -> None:
        if claims.session_id:
            await self.revoke_family(claims.session_id)

    async def revoke_family(self, family: str) -> None:
        await self._refresh.revoke_family(family)
        await self._state.revoke_sessions([family])

    async def _new_refresh(self, user: StaffUser, family: str, now: int, *, session_started_at: int) -> str:
        token = secrets.token_urlsafe(32)
        ends = session_started_at + self.policy.absolute_s * 1000
        await self._refresh.insert(
            RefreshRecord(
                id=hash_refresh_token(token),
                family=family,
                user_id=user.id,
                generation=user.token_generation,
                issued_at=now,
                expires_at=min(now + self.policy.idle_s * 1000, ends),
                session_started_at=session_started_at,
                session_ends_at=ends,
            )
        )
        return token

    def _full(self, user: StaffUser, family: str, refresh: str, now: int, ends_at: int) -> dict[str, Any]:
        access, claims = self.tokens.issue(
            user.id,
            user.username,
            user.role,
            int(time.time()),
            session_id=family,
            generation=user.token_generation,
            not_after_s=ends_at // 1000,  # no access token outlives its session
        )
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": max(0, claims.expires_at - claims.issued_at),
            "refresh_token": refresh,
            "refresh_expires_in": max(0, min(self.policy.idle_s * 1000, ends_at - now) // 1000),
            "scope": Scope.FULL.value,
            "required_actions": [],
            "user": user_view(user),
        }
