"""First start: create the owner ``admin`` when the store has no staff user yet."""

from __future__ import annotations

import asyncio
import logging
import uuid

from hub.auth.passwords import hash_password
from hub.auth.permissions import Role
from hub.clock import now_ms
from hub.store import StaffUser, UserRepository

log = logging.getLogger(__name__)

BOOTSTRAP_USERNAME = "admin"


async def ensure_owner(users: UserRepository, password: str | None) -> None:
    if await users.count() > 0:
        return
    if not password:
        log.warning(
            "no staff user exists: set ICAFE_ADMIN_PASSWORD to create the owner %r", BOOTSTRAP_USERNAME
        )
        return
    password_hash = await asyncio.to_thread(hash_password, password)
    owner = StaffUser(
        id=uuid.uuid4().hex,
        username=BOOTSTRAP_USERNAME,
        role=Role.OWNER.value,
        password_hash=password_hash,
        disabled=False,
        created_at=now_ms(),
    )
    if await users.create(owner):
        log.info("created the owner %r", BOOTSTRAP_USERNAME)
