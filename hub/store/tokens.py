"""Refresh tokens, stored by their SHA-256 (never the token itself), grouped in families.

A family is one login session: every refresh rotates the token (the old one is marked used, a new one
joins the family). Presenting a used or revoked token again means it leaked: the whole family is revoked.
Each token expires at the earlier of the idle timeout after its issue and the session's absolute end.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]


@dataclass(frozen=True)
class RefreshRecord:
    id: str  # sha256 of the token
    family: str  # the login session id (``sid`` in access tokens)
    user_id: str
    generation: int  # the user's token generation when issued
    issued_at: int
    expires_at: int
    session_started_at: int
    session_ends_at: int  # absolute timeout of the whole family
    used_at: int | None = None
    revoked: bool = False

    @classmethod
    def from_document(cls, doc: Document) -> RefreshRecord:
        fields = {k: v for k, v in doc.items() if k != "_id" and k in cls.__dataclass_fields__}
        return cls(id=doc["_id"], **fields)

    def to_document(self) -> Document:
        doc = asdict(self)
        doc["_id"] = doc.pop("id")
        return doc


class RefreshTokenRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._tokens = collection

    async def create_indexes(self) -> None:
        await self._tokens.create_index([("family", ASCENDING)])
        await self._tokens.create_index([("user_id", ASCENDING)])
        await self._tokens.create_index([("expires_at", ASCENDING)])

    async def insert(self, record: RefreshRecord) -> None:
        await self._tokens.insert_one(record.to_document())

    async def claim(self, token_hash: str, now_ms: int) -> RefreshRecord | None:
        """Mark an unused, unrevoked token used, atomically: only one caller wins a given token."""
        doc = await self._tokens.find_one_and_update(
            {"_id": token_hash, "used_at": None, "revoked": False}, {"$set": {"used_at": now_ms}}
        )
        return RefreshRecord.from_document(doc) if doc else None

    async def get(self, token_hash: str) -> RefreshRecord | None:
        doc = await self._tokens.find_one({"_id": token_hash})
        return RefreshRecord.from_document(doc) if doc else None

    async def revoke_family(self, family: str) -> int:
        result = await self._tokens.update_many({"family": family}, {"$set": {"revoked": True}})
        return result.modified_count

    async def revoke_user(self, user_id: str) -> list[str]:
        """Revoke every session of a user; the families that were still live."""
        cursor = self._tokens.find({"user_id": user_id, "revoked": False}, {"family": 1})
        live = {str(doc["family"]) async for doc in cursor}
        await self._tokens.update_many({"user_id": user_id}, {"$set": {"revoked": True}})
        return sorted(live)

    async def family_live(self, family: str) -> bool:
        doc = await self._tokens.find_one({"family": family, "revoked": False}, {"_id": 1})
        return doc is not None

    async def prune(self, older_than_ms: int) -> int:
        result = await self._tokens.delete_many({"expires_at": {"$lt": older_than_ms}})
        return result.deleted_count
