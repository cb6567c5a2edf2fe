"""Staff account operations, shared by the API (``/api/v1/users``, ``/api/v1/auth``) and the command line
(``icafe user ...``): create, disable, enable, change role, reset password, reset 2FA, change one's own
password, and TOTP enrolment.

Every change that must end the user's sessions bumps the user's token generation in the store, revokes
their refresh-token families and, when Redis is at hand, marks those sessions logged out and refreshes
the cached generation, so access tokens already issued stop working at once. Every change is audited.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass

from hub.auth import totp
from hub.auth.passwords import (
    WeakPassword,
    check_password_policy,
    generate_password,
    hash_password,
    verify_password,
)
from hub.auth.permissions import Role
from hub.auth.state import AuthState
from hub.clock import now_ms
from hub.security.audit import FAILURE, Actor, AuditLog
from hub.security.crypto import CipherError, FieldCipher, field_aad
from hub.store.tokens import RefreshTokenRepository
from hub.store.users import StaffUser, UserRepository

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
USERS = "staff_users"

CHANGE_PASSWORD = "change_password"  # noqa: S105 - an action name, not a password
ENROLL_2FA = "enroll_2fa"


class AccountError(Exception):
    """A refused account operation, with a stable code and an HTTP status for the API."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class Origin:
    """Who asks, and from where: what the audit entry records."""

    actor: Actor
    ip: str | None = None


@dataclass(frozen=True)
class TotpEnrolment:
    secret: str
    uri: str
    qr_svg: str


class AccountService:
    def __init__(
        self,
        users: UserRepository,
        refresh_tokens: RefreshTokenRepository,
        cipher: FieldCipher | None,
        audit: AuditLog,
        state: AuthState | None,
        *,
        require_2fa_roles: frozenset[str],
        admin_2fa_optional: bool,
    ) -> None:
        self.users = users
        self._refresh = refresh_tokens
        # None for command-line use without ICAFE_ENCRYPTION_KEYS: then no operation that touches a TOTP
        # secret is possible (the administrative ones never need to).
        self._optional_cipher = cipher
        self._audit = audit
        self._state = state
        self.require_2fa_roles = require_2fa_roles
        self.admin_2fa_optional = admin_2fa_optional

    @property
    def _cipher(self) -> FieldCipher:
        if self._optional_cipher is None:
            raise AccountError("unavailable", "ICAFE_ENCRYPTION_KEYS is not configured", 503)
        return self._optional_cipher

    def _decrypt(self, value: str, field: str, user_id: str) -> str:
        try:
            return self._cipher.decrypt(value, field_aad(USERS, field, user_id))
        except CipherError as exc:
            # A missing old key after rotation, or a tampered store: an operator problem, not the user's.
            raise AccountError(
                "unavailable", f"cannot read the 2FA secret ({exc}); tell the owner", 503
            ) from None

    # ---- policy ------------------------------------------------------------------------------
    def totp_required(self, user: StaffUser) -> bool:
        if user.bootstrap and self.admin_2fa_optional:
            return False
        return user.role in self.require_2fa_roles

    def required_actions(self, user: StaffUser) -> list[str]:
        actions = []
        if user.must_change_password:
            actions.append(CHANGE_PASSWORD)
        if self.totp_required(user) and not user.has_totp:
            actions.append(ENROLL_2FA)
        return actions

    # ---- lookups -----------------------------------------------------------------------------
    async def get(self, user_id: str) -> StaffUser:
        user = await self.users.by_id(user_id)
        if user is None:
            raise AccountError("not_found", "no such user", 404)
        return user

    async def by_username(self, username: str) -> StaffUser:
        user = await self.users.by_username(username.strip().lower())
        if user is None:
            raise AccountError("not_found", f"no user {username!r}", 404)
        return user

    # ---- administration ----------------------------------------------------------------------
    async def create(
        self, username: str, role: str, password: str | None, origin: Origin, reason: str | None = None
    ) -> tuple[StaffUser, str | None]:
        """The new user and, when no password was given, the generated one-time password to hand over
        (the user must change it at first login)."""
        username = username.strip().lower()
        if not USERNAME.match(username):
            raise AccountError(
                "bad_username", "a username has 3 to 32 of a-z, 0-9, '.', '_', '-' and starts alnum", 400
            )
        role = _role(role)
        generated = None
        if password is None:
            generated = password = generate_password()
        else:
            _check_policy(password, username)
        password_hash = await asyncio.to_thread(hash_password, password)
        now = now_ms()
        user = StaffUser(
            id=uuid.uuid4().hex,
            username=username,
            role=role,
            password_hash=password_hash,
            disabled=False,
            created_at=now,
            must_change_password=generated is not None,
            updated_at=now,
        )
        if not await self.users.create(user):
            await self._record("user.create", origin, username, FAILURE, reason, {"error": "username taken"})
            raise AccountError("username_taken", f"the username {username!r} is taken")
        await self._record("user.create", origin, username, reason=reason, details={"role": role})
        return user, generated

    async def disable(self, user_id: str, origin: Origin, reason: str | None = None) -> StaffUser:
        user = await self.get(user_id)
        if origin.actor.id == user.id:
            raise AccountError("self_change", "you cannot disable your own account")
        await self._keep_an_owner(user, losing=True)
        after = await self._change(user, {"disabled": True})
        await self._record("user.disable", origin, user.username, reason=reason)
        return after

    async def enable(self, user_id: str, origin: Origin, reason: str | None = None) -> StaffUser:
        user = await self.get(user_id)
        after = await self._change(user, {"disabled": False}, end_sessions=False)
        await self._record("user.enable", origin, user.username, reason=reason)
        return after

    async def set_role(self, user_id: str, role: str, origin: Origin, reason: str | None = None) -> StaffUser:
        user = await self.get(user_id)
        role = _role(role)
        if origin.actor.id == user.id:
            raise AccountError("self_change", "you cannot change your own role")
        if role != Role.OWNER:
            await self._keep_an_owner(user, losing=True)
        after = await self._change(user, {"role": role})
        await self._record(
            "user.role", origin, user.username, reason=reason, details={"from": user.role, "to": role}
        )
        return after

    async def reset_password(self, user_id: str, origin: Origin, reason: str | None = None) -> str:
        """A new one-time password for the user (to hand over); their sessions end."""
        user = await self.get(user_id)
        password = generate_password()
        password_hash = await asyncio.to_thread(hash_password, password)
        await self._change(user, {"password_hash": password_hash, "must_change_password": True})
        await self._record("user.reset_password", origin, user.username, reason=reason)
        return password

    async def reset_2fa(self, user_id: str, origin: Origin, reason: str | None = None) -> StaffUser:
        """Remove the user's TOTP (a lost phone); they enrol again at next login if their role needs it."""
        user = await self.get(user_id)
        after = await self._change(user, {"totp_secret": None, "totp_pending": None, "recovery_codes": []})
        await self._record("user.reset_2fa", origin, user.username, reason=reason)
        return after

    # ---- self-service ------------------------------------------------------------------------
    async def change_password(self, user: StaffUser, current: str, new: str, origin: Origin) -> StaffUser:
        """Ends every session of the user, this one included: the caller issues a fresh one."""
        if not await asyncio.to_thread(verify_password, user.password_hash, current):
            await self._record("auth.password_change", origin, user.username, FAILURE)
            raise AccountError("invalid_credentials", "the current password is wrong", 403)
        _check_policy(new, user.username)
        if await asyncio.to_thread(verify_password, user.password_hash, new):
            raise AccountError("weak_password", "the new password must differ from the current one", 400)
        password_hash = await asyncio.to_thread(hash_password, new)
        after = await self._change(user, {"password_hash": password_hash, "must_change_password": False})
        await self._record("auth.password_change", origin, user.username)
        return after

    async def begin_totp(self, user: StaffUser, origin: Origin) -> TotpEnrolment:
        if user.has_totp:
            raise AccountError("totp_enrolled", "2FA is already on; turn it off first to enrol a new phone")
        secret = totp.new_secret()
        pending = self._cipher.encrypt(secret, field_aad(USERS, "totp_pending", user.id))
        await self.users.update(user.id, {"totp_pending": pending}, at_ms=now_ms(), end_sessions=False)
        uri = totp.provisioning_uri(secret, user.username)
        svg = await asyncio.to_thread(totp.qr_svg, uri)
        await self._record("auth.2fa_begin", origin, user.username)
        return TotpEnrolment(secret=secret, uri=uri, qr_svg=svg)

    async def activate_totp(self, user: StaffUser, code: str, origin: Origin) -> tuple[StaffUser, list[str]]:
        """Turn 2FA on with the first code from the phone; the recovery codes, shown once."""
        if user.has_totp:
            raise AccountError("totp_enrolled", "2FA is already on")
        if user.totp_pending is None:
            raise AccountError("totp_not_started", "start the enrolment first (POST /auth/2fa/setup)")
        secret = self._decrypt(user.totp_pending, "totp_pending", user.id)
        step = totp.matching_step(secret, code, time.time())
        if step is None or not await self._spend_step(user.id, step):
            await self._record("auth.2fa_activate", origin, user.username, FAILURE)
            raise AccountError("invalid_code", "the code is wrong or already used; try the next one", 400)
        codes = totp.new_recovery_codes()
        stored = self._cipher.encrypt(secret, field_aad(USERS, "totp_secret", user.id))
        after = await self._change(
            user,
            {
                "totp_secret": stored,
                "totp_pending": None,
                "recovery_codes": [totp.hash_recovery_code(c) for c in codes],
            },
            expect={"totp_pending": user.totp_pending},
        )
        await self._record("auth.2fa_activate", origin, user.username)
        return after, codes

    async def disable_totp(self, user: StaffUser, origin: Origin, reason: str | None = None) -> StaffUser:
        if self.totp_required(user):
            raise AccountError("totp_required", f"2FA is required for the role {user.role}; it stays on")
        after = await self._change(user, {"totp_secret": None, "totp_pending": None, "recovery_codes": []})
        await self._record("auth.2fa_disable", origin, user.username, reason=reason)
        return after

    async def new_recovery_codes(
        self, user: StaffUser, origin: Origin, reason: str | None = None
    ) -> list[str]:
        if not user.has_totp:
            raise AccountError("totp_not_enrolled", "2FA is off: there are no recovery codes")
        codes = totp.new_recovery_codes()
        hashes = [totp.hash_recovery_code(c) for c in codes]
        await self.users.update(user.id, {"recovery_codes": hashes}, at_ms=now_ms(), end_sessions=False)
        await self._record("auth.recovery_codes", origin, user.username, reason=reason)
        return codes

    # ---- second factor -----------------------------------------------------------------------
    async def check_totp(self, user: StaffUser, code: str) -> bool:
        """A current TOTP code, accepted once only."""
        if user.totp_secret is None:
            return False
        secret = self._decrypt(user.totp_secret, "totp_secret", user.id)
        step = totp.matching_step(secret, code, time.time())
        return step is not None and await self._spend_step(user.id, step)

    async def check_second_factor(self, user: StaffUser, code: str) -> str | None:
        """``"totp"`` or ``"recovery_code"`` if the code is good (a recovery code is used up), else None."""
        if totp.looks_like_recovery_code(code):
            used = await self.users.use_recovery_code(user.id, totp.hash_recovery_code(code))
            return "recovery_code" if used else None
        return "totp" if await self.check_totp(user, code) else None

    async def _spend_step(self, user_id: str, step: int) -> bool:
        if self._state is None:
            raise AccountError("unavailable", "Redis is needed to check a TOTP code once only", 503)
        return await self._state.use_totp_step(user_id, step)

    # ---- sessions ----------------------------------------------------------------------------
    async def end_sessions(self, user: StaffUser) -> None:
        """Revoke every refresh token and (through Redis) every access token of the user."""
        families = await self._refresh.revoke_user(user.id)
        if self._state is not None:
            await self._state.revoke_sessions(families)
            await self._state.end_user_sessions(user.id, user.token_generation)

    async def _change(
        self,
        user: StaffUser,
        changes: dict[str, object],
        *,
        end_sessions: bool = True,
        expect: dict[str, object] | None = None,
    ) -> StaffUser:
        after = await self.users.update(
            user.id, changes, at_ms=now_ms(), end_sessions=end_sessions, expect=expect
        )
        if after is None:
            raise AccountError("conflict", "the user changed meanwhile; try again")
        if end_sessions:
            await self.end_sessions(after)
        return after

    async def _keep_an_owner(self, user: StaffUser, *, losing: bool) -> None:
        active_owner = losing and user.role == Role.OWNER and not user.disabled
        if active_owner and await self.users.count_active(Role.OWNER.value) <= 1:
            raise AccountError("last_owner", "this is the last active owner; make another owner first")

    async def _record(
        self,
        action: str,
        origin: Origin,
        target: str,
        outcome: str = "success",
        reason: str | None = None,
        details: dict[str, object] | None = None,
    ) -> None:
        await self._audit.record(
            action,
            actor=origin.actor,
            ip=origin.ip,
            target=f"user:{target}",
            outcome=outcome,
            reason=reason,
            details=details,
        )


def _role(role: str) -> str:
    try:
        return Role(role).value
    except ValueError:
        raise AccountError("bad_role", f"role must be one of {[r.value for r in Role]}", 400) from None


def _check_policy(password: str, username: str) -> None:
    try:
        check_password_policy(password, username)
    except WeakPassword as exc:
        raise AccountError("weak_password", str(exc), 400) from None
