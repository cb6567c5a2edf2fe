"""Staff users (owner, manager, cashier, technician).

``token_generation`` is bumped by every change that must end the user's sessions at once (disable, role
change, password change or reset, 2FA change): access tokens carry the generation they were issued
under, and the guard refuses a stale one. TOTP secrets are stored encrypted (``FieldCipher``), recovery
codes as SHA-256 hashes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub.store.counting import count_matching

Document = dict[str, Any]


@dataclass(frozen=True)
class StaffUser:
    id: str
    username: str
    role: str
    password_hash: str
    disabled: bool
    created_at: int
    token_generation: int = 0
    # Encrypted (FieldCipher); None when 2FA is not enrolled / no enrolment is in progress.
    totp_secret: str | None = None
    totp_pending: str | None = None
    recovery_codes: tuple[str, ...] = field(default=())
    must_change_password: bool = False
    # The owner created at first start (ICAFE_ADMIN_PASSWORD); ICAFE_ADMIN_2FA_OPTIONAL applies to it.
    bootstrap: bool = False
    updated_at: int = 0

    @property
    def has_totp(self) -> bool:
        return self.totp_secret is not None


class UserRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._users = collection

    async def create_indexes(self) -> None:
        await self._users.create_index("username", unique=True)
        await self._users.create_index([("role", ASCENDING)])

    async def count(self) -> int:
        return await count_matching(self._users, {})

    async def create(self, user: StaffUser) -> bool:
        """False when the username is taken."""
        try:
            await self._users.insert_one(
                {
                    "_id": user.id,
                    "username": user.username,
                    "role": user.role,
                    "password_hash": user.password_hash,
                    "disabled": user.disabled,
                    "created_at": user.created_at,
                    "updated_at": user.updated_at or user.created_at,
                    "token_generation": user.token_generation,
                    "totp_secret": user.totp_secret,
                    "totp_pending": user.totp_pending,
                    "recovery_codes": list(user.recovery_codes),
                    "must_change_password": user.must_change_password,
                    "bootstrap": user.bootstrap,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def by_username(self, username: str) -> StaffUser | None:
        doc = await self._users.find_one({"username": username})
        return self._user(doc) if doc else None

    async def by_id(self, user_id: str) -> StaffUser | None:
        doc = await self._users.find_one({"_id": user_id})
        return self._user(doc) if doc else None

    async def page(self, *, skip: int = 0, limit: int = 100) -> tuple[list[StaffUser], int]:
        total = await count_matching(self._users, {})
        cursor = self._users.find({}).sort("username", ASCENDING).skip(skip).limit(limit)
        return [self._user(doc) async for doc in cursor], total

    async def count_active(self, role: str) -> int:
        return await count_matching(self._users, {"role": role, "disabled": False})

    async def generation(self, user_id: str) -> int | None:
        doc = await self._users.find_one({"_id": user_id}, {"token_generation": 1})
        return int(doc.get("token_generation", 0)) if doc else None

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await self.update(user_id, {"password_hash": password_hash}, at_ms=None)

    async def update(
        self,
        user_id: str,
        changes: Document,
        *,
        at_ms: int | None,
        end_sessions: bool = True,
        expect: Document | None = None,
    ) -> StaffUser | None:
        """Apply ``changes`` (and bump the token generation, unless told not to); the user after, or None
        if it does not exist or does not match ``expect`` (a compare-and-set)."""
        update: Document = {"$set": dict(changes)}
        if at_ms is not None:
            update["$set"]["updated_at"] = at_ms
        if end_sessions:
            update["$inc"] = {"token_generation": 1}
        doc = await self._users.find_one_and_update(
            {"_id": user_id, **(expect or {})}, update, return_document=ReturnDocument.AFTER
        )
        return self._user(doc) if doc else None

    async def use_recovery_code(self, user_id: str, code_hash: str) -> bool:
        """Remove one recovery code; True only for the one caller that removed it."""
        result = await self._users.update_one(
            {"_id": user_id, "recovery_codes": code_hash}, {"$pull": {"recovery_codes": code_hash}}
        )
        return result.modified_count == 1

    @staticmethod
    def _user(doc: Document) -> StaffUser:
        return StaffUser(
            id=doc["_id"],
            username=doc["username"],
            role=doc["role"],
            password_hash=doc["password_hash"],
            disabled=bool(doc.get("disabled", False)),
            created_at=int(doc["created_at"]),
            token_generation=int(doc.get("token_generation") or 0),
            totp_secret=doc.get("totp_secret"),
            totp_pending=doc.get("totp_pending"),
            recovery_codes=tuple(doc.get("recovery_codes") or ()),
            must_change_password=bool(doc.get("must_change_password", False)),
            bootstrap=bool(doc.get("bootstrap", False)),
            updated_at=int(doc.get("updated_at") or doc["created_at"]),
        )
