"""Telemetry history with bounded retention."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from hub.store.counting import count_matching

Document = dict[str, Any]

DUPLICATE_KEY = 11000


class TelemetryRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._samples = collection

    async def create_indexes(self) -> None:
        await self._samples.create_index([("pc_id", ASCENDING), ("at", DESCENDING)])
        await self._samples.create_index([("pc_id", ASCENDING)])  # of its own (hub.store)
        await self._samples.create_index([("at", ASCENDING)])

    async def insert_many(self, samples: list[Document]) -> int:
        """Insert samples that carry a deterministic ``_id``; a retried batch skips what is stored."""
        if not samples:
            return 0
        try:
            result = await self._samples.insert_many(samples, ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(error.get("code") != DUPLICATE_KEY for error in errors):
                raise
            return int(exc.details.get("nInserted", 0))
        return len(result.inserted_ids)

    async def recent(self, pc_id: str, limit: int = 60) -> list[Document]:
        cursor = self._samples.find({"pc_id": pc_id}, {"_id": 0}).sort("at", DESCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def count(self, pc_id: str | None = None) -> int:
        return await count_matching(self._samples, {"pc_id": pc_id} if pc_id else {})

    async def prune(self, older_than_ms: int) -> int:
        result = await self._samples.delete_many({"at": {"$lt": older_than_ms}})
        return result.deleted_count
