"""Staff users (owner, manager, cashier, technician)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]


@dataclass(frozen=True)
class StaffUser:
    id: str
    username: str
    role: str
    password_hash: str
    disabled: bool
    created_at: int


class UserRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._users = collection

    async def create_indexes(self) -> None:
        await self._users.create_index("username", unique=True)

    async def count(self) -> int:
        return await self._users.count_documents({})

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

    async def set_password_hash(self, user_id: str, password_hash: str) -> None:
        await self._users.update_one({"_id": user_id}, {"$set": {"password_hash": password_hash}})

    @staticmethod
    def _user(doc: Document) -> StaffUser:
        return StaffUser(
            id=doc["_id"],
            username=doc["username"],
            role=doc["role"],
            password_hash=doc["password_hash"],
            disabled=bool(doc.get("disabled", False)),
            created_at=int(doc["created_at"]),
        )
