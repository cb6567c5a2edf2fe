"""Member balances as an append-only list of signed entries, each with an idempotency key.

A balance is the sum of its entries; inserting an entry whose key exists is a no-op, so a charge or a
credit retried after any failure moves money exactly once. (The money issue grows this into the full
ledger.)
"""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]


class BalanceRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._entries = collection

    async def create_indexes(self) -> None:
        await self._entries.create_index([("member_id", ASCENDING), ("at", ASCENDING)])

    async def post(self, key: str, member_id: str, amount: int, *, reason: str, ref: str, at: int) -> bool:
        """Record a credit (> 0) or charge (< 0) once; False if ``key`` was already posted."""
        try:
            await self._entries.insert_one(
                {"_id": key, "member_id": member_id, "amount": amount, "reason": reason, "ref": ref, "at": at}
            )
        except DuplicateKeyError:
            return False
        return True

    async def balances(self, member_ids: list[str]) -> dict[str, int]:
        if not member_ids:
            return {}
        pipeline: list[Document] = [
            {"$match": {"member_id": {"$in": member_ids}}},
            {"$group": {"_id": "$member_id", "balance": {"$sum": "$amount"}}},
        ]
        sums = {doc["_id"]: int(doc["balance"]) async for doc in await self._entries.aggregate(pipeline)}
        return {member_id: sums.get(member_id, 0) for member_id in member_ids}

    async def balance(self, member_id: str) -> int:
        return (await self.balances([member_id]))[member_id]

    async def entries(self, member_id: str, *, limit: int = 100) -> list[Document]:
        cursor = self._entries.find({"member_id": member_id}).sort("at", ASCENDING).limit(limit)
        return [doc async for doc in cursor]
