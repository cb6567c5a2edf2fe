"""First start: create the owner ``admin`` when the store has no staff user yet.

The owner is marked ``bootstrap``: ``ICAFE_ADMIN_2FA_OPTIONAL`` (the local demo) exempts this one user
from enrolling 2FA; everywhere else an owner must enrol at first login.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

from hub.auth.passwords import WeakPassword, check_password_policy, hash_password
from hub.auth.permissions import Role
from hub.clock import now_ms
from hub.security.audit import SYSTEM, AuditLog
from hub.store import StaffUser, UserRepository

log = logging.getLogger(__name__)

BOOTSTRAP_USERNAME = "admin"


async def ensure_owner(users: UserRepository, password: str | None, audit: AuditLog | None = None) -> None:
    if await users.count() > 0:
        return
    if not password:
        log.warning(
            "no staff user exists: set ICAFE_ADMIN_PASSWORD to create the owner %r", BOOTSTRAP_USERNAME
        )
        return
    try:
        check_password_policy(password, BOOTSTRAP_USERNAME)
    except WeakPassword as exc:
        # The operator chose it; say so loudly, but do not lock them out of their own hub.
        log.warning("ICAFE_ADMIN_PASSWORD is weak (%s): change it after the first login", exc)
    password_hash = await asyncio.to_thread(hash_password, password)
    now = now_ms()
    owner = StaffUser(
        id=uuid.uuid4().hex,
        username=BOOTSTRAP_USERNAME,
        role=Role.OWNER.value,
        password_hash=password_hash,
        disabled=False,
        created_at=now,
        updated_at=now,
        bootstrap=True,
    )
    if await users.create(owner):
        log.info("created the owner %r", BOOTSTRAP_USERNAME)
        if audit is not None:
            await audit.record(
                "user.create", actor=SYSTEM, target=f"user:{BOOTSTRAP_USERNAME}", details={"role": "owner"}
            )
