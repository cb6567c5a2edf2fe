"""The audit log's storage: an append-only chain, one document per entry, keyed by its sequence number.

Hub replicas append concurrently without forking the chain: each writer reads the head, builds the next
entry (sequence + 1, the head's hash as ``prev``) and inserts it; ``_id`` is unique, so of two writers
racing for the same sequence number one gets a duplicate-key error, re-reads the head and tries again.

``_id`` is the sequence number zero-padded to 12 digits (``seq`` holds the integer): nx-27017 sorts
integer ``_id`` values as text, so "10" would come before "9"; padded strings sort the same everywhere.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub.errors import HubError
from hub.store.counting import count_matching

Document = dict[str, Any]

GENESIS_HASH = "0" * 64
MAX_ATTEMPTS = 100


def entry_key(seq: int) -> str:
    return f"{seq:012d}"


class AuditContention(HubError):
    """Could not append after many attempts: too many writers at once."""


class AuditRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._entries = collection

    async def create_indexes(self) -> None:
        await self._entries.create_index([("at", DESCENDING)])
        await self._entries.create_index([("actor", ASCENDING), ("at", DESCENDING)])
        await self._entries.create_index([("action", ASCENDING), ("at", DESCENDING)])
        for field in ("seq", "actor", "action"):  # of their own (hub.store)
            await self._entries.create_index([(field, ASCENDING)])

    async def head(self) -> Document | None:
        async for doc in self._entries.find({}).sort("_id", DESCENDING).limit(1):
            return doc
        return None

    async def append(self, build: Callable[[int, str], Document]) -> Document:
        """Insert ``build(seq, prev_hash)`` as the next entry; retried if another writer got there first."""
        for attempt in range(MAX_ATTEMPTS):
            head = await self.head()
            seq, prev = (int(head["seq"]) + 1, str(head["hash"])) if head else (1, GENESIS_HASH)
            doc = build(seq, prev)
            doc["_id"] = entry_key(seq)
            try:
                await self._entries.insert_one(doc)
            except DuplicateKeyError:
                # Jitter so racing replicas do not collide again in lockstep.
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                continue
            return doc
        raise AuditContention(f"could not append to the audit log after {MAX_ATTEMPTS} attempts")

    async def page(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        outcome: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        skip: int = 0,
        limit: int = 100,
    ) -> tuple[list[Document], int]:
        query: Document = {}
        if actor:
            query["actor"] = actor
        if action:
            query["action"] = action
        if outcome:
            query["outcome"] = outcome
        if since_ms is not None or until_ms is not None:
            at: Document = {}
            if since_ms is not None:
                at["$gte"] = since_ms
            if until_ms is not None:
                at["$lte"] = until_ms
            query["at"] = at
        total = await count_matching(self._entries, query)
        cursor = self._entries.find(query).sort("_id", DESCENDING).skip(skip).limit(limit)
        return [doc async for doc in cursor], total

    async def entries(self, after_seq: int = 0) -> AsyncIterator[Document]:
        """Every entry in sequence order (for verification)."""
        async for doc in self._entries.find({"seq": {"$gt": after_seq}}).sort("seq", ASCENDING):
            yield doc

    async def count(self) -> int:
        return await count_matching(self._entries, {})
