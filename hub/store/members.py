"""Members: customers with a login, a hashed PIN or password, and a balance held in ``balances``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]


@dataclass(frozen=True)
class MemberRecord:
    id: str
    login: str
    name: str
    secret_hash: str
    created_at: int
    active_session: str | None = None

    @classmethod
    def from_document(cls, doc: Document) -> MemberRecord:
        return cls(
            id=doc["_id"],
            login=doc["login"],
            name=doc.get("name", ""),
            secret_hash=doc["secret_hash"],
            created_at=int(doc["created_at"]),
            active_session=doc.get("active_session"),
        )


class MemberRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._members = collection

    async def create_indexes(self) -> None:
        await self._members.create_index("login", unique=True)

    async def create(self, member: MemberRecord) -> bool:
        """False when the login is taken."""
        try:
            await self._members.insert_one(
                {
                    "_id": member.id,
                    "login": member.login,
                    "name": member.name,
                    "secret_hash": member.secret_hash,
                    "created_at": member.created_at,
                    "active_session": None,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def get(self, member_id: str) -> MemberRecord | None:
        doc = await self._members.find_one({"_id": member_id})
        return MemberRecord.from_document(doc) if doc else None

    async def by_login(self, login: str) -> MemberRecord | None:
        doc = await self._members.find_one({"login": login})
        return MemberRecord.from_document(doc) if doc else None

    async def page(self, *, skip: int = 0, limit: int = 100) -> tuple[list[MemberRecord], int]:
        total = await self._members.count_documents({})
        cursor = self._members.find({}).sort("login", ASCENDING).skip(skip).limit(limit)
        return [MemberRecord.from_document(doc) async for doc in cursor], total

    async def claim_session(self, member_id: str, session_id: str) -> bool:
        """One session at a time per member, so a balance is never spent twice in parallel."""
        result = await self._members.update_one(
            {"_id": member_id, "active_session": None}, {"$set": {"active_session": session_id}}
        )
        return result.modified_count == 1

    async def release_session(self, member_id: str, session_id: str) -> None:
        await self._members.update_one(
            {"_id": member_id, "active_session": session_id}, {"$set": {"active_session": None}}
        )
