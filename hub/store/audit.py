"""The audit log's storage: an append-only chain, one document per entry, keyed by its sequence number.

Hub replicas append concurrently without forking the chain: each writer builds the next entries on the
head (sequence + 1, the head's hash as ``prev``) and inserts them; ``_id`` is unique, so of two writers
racing for the same sequence number one gets a duplicate-key error, re-reads the head and tries again. A
writer remembers the head it left, so it reads the head only after another writer appended.

``_id`` is the sequence number zero-padded to 12 digits (``seq`` holds the integer): nx-27017 sorts
integer ``_id`` values as text, so "10" would come before "9"; padded strings sort the same everywhere.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from hub.errors import HubError
from hub.store.counting import count_matching
from hub.store.keyset import PAGE_ROWS, keyed_pages

Document = dict[str, Any]

GENESIS_HASH = "0" * 64
MAX_ATTEMPTS = 100
DUPLICATE_KEY = 11000

# Builds an entry from its sequence number and the previous entry's hash (hub.security.audit).
Build = Callable[[int, str], Document]
# The chain's head: its sequence number and hash.
Head = tuple[int, str]


def entry_key(seq: int) -> str:
    return f"{seq:012d}"


class AuditContention(HubError):
    """Could not append after many attempts: too many writers at once."""


def _audit_query(
    actor: str | None, action: str | None, outcome: str | None, since_ms: int | None, until_ms: int | None
) -> Document:
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
    return query


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

    async def append(self, builds: Sequence[Build], head: Head | None = None) -> tuple[list[Document], Head]:
        """Insert ``build(seq, prev_hash)`` of each of ``builds`` as the next entries, in order, each linked
        to the one before; the stored entries and the chain's new head.

        One round trip when ``head`` (the head as this writer last left it) is still the head; if another
        writer appended meanwhile, the first insert fails on its sequence number, and the head is read
        and what is not stored yet is built again on top of it."""
        stored: list[Document] = []
        pending = list(builds)
        for attempt in range(MAX_ATTEMPTS):
            if head is None:
                last = await self.head()
                head = (int(last["seq"]), str(last["hash"])) if last else (0, GENESIS_HASH)
            seq, prev = head
            docs: list[Document] = []
            for build in pending:
                seq += 1
                doc = build(seq, prev)
                doc["_id"] = entry_key(seq)
                prev = str(doc["hash"])
                docs.append(doc)
            try:
                await self._entries.insert_many(docs, ordered=True)
            except BulkWriteError as exc:
                if any(error.get("code") != DUPLICATE_KEY for error in exc.details.get("writeErrors", [])):
                    raise
                inserted = int(exc.details.get("nInserted", 0))
                stored += docs[:inserted]
                pending = pending[inserted:]
                head = None
                # Jitter so racing replicas do not collide again in lockstep.
                await asyncio.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                continue
            stored += docs
            return stored, (int(docs[-1]["seq"]), str(docs[-1]["hash"]))
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
        query = _audit_query(actor, action, outcome, since_ms, until_ms)
        total = await count_matching(self._entries, query)
        cursor = self._entries.find(query).sort("_id", DESCENDING).skip(skip).limit(limit)
        return [doc async for doc in cursor], total

    async def iterate(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        outcome: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        page: int = PAGE_ROWS,
    ) -> AsyncIterator[Document]:
        """The entries ``page`` finds, oldest first (by ``seq``, the order of ``_id``), a page at a time
        (exports)."""
        query = _audit_query(actor, action, outcome, since_ms, until_ms)
        async for doc in keyed_pages(self._entries, query, ("seq",), page=page):
            yield doc

    async def entries(self, after_seq: int = 0) -> AsyncIterator[Document]:
        """Every entry in sequence order (for verification)."""
        async for doc in self._entries.find({"seq": {"$gt": after_seq}}).sort("seq", ASCENDING):
            yield doc

    async def count(self) -> int:
        return await count_matching(self._entries, {})
