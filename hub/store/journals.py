"""Agent journal events, stored idempotently on (pc, journal, seq), and the acknowledged prefix per
journal. A seq that arrives ahead of the prefix is a gap: kept, reported, and acknowledged only once
the events before it arrive. Events the hub refused are also kept apart, with their reason, in the
quarantine (``quarantined_events``) for staff to see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

Document = dict[str, Any]


@dataclass(frozen=True)
class JournalCursor:
    pc_id: str
    journal: str
    acked: int
    gap: tuple[int, int] | None  # missing seqs (from, to), if any


class JournalRepository:
    def __init__(
        self,
        events: AsyncCollection[Document],
        cursors: AsyncCollection[Document],
        quarantine: AsyncCollection[Document],
    ) -> None:
        self._events = events
        self._cursors = cursors
        self._quarantine = quarantine

    async def create_indexes(self) -> None:
        await self._events.create_index([("pc_id", ASCENDING), ("journal", ASCENDING), ("seq", ASCENDING)])
        await self._quarantine.create_index([("pc_id", ASCENDING), ("received_at", DESCENDING)])
        # Of their own (hub.store):
        for collection, field in (
            (self._events, "pc_id"),
            (self._events, "session_id"),
            (self._cursors, "pc_id"),
            (self._quarantine, "pc_id"),
        ):
            await collection.create_index([(field, ASCENDING)])

    async def insert(self, pc_id: str, journal: str, seq: int, event: Document) -> bool:
        """False for a redelivered event (already stored)."""
        try:
            await self._events.insert_one(
                {"_id": f"{pc_id}:{journal}:{seq}", "pc_id": pc_id, "journal": journal, "seq": seq, **event}
            )
        except DuplicateKeyError:
            return False
        return True

    async def stored(self, pc_id: str, journal: str, seq: int) -> Document | None:
        return await self._events.find_one({"_id": f"{pc_id}:{journal}:{seq}"})

    async def acked(self, pc_id: str, journal: str) -> int:
        """The acknowledged prefix of a journal (0 for one the hub has not seen)."""
        cursor = await self._cursors.find_one({"_id": f"{pc_id}:{journal}"}, {"acked": 1})
        return int(cursor["acked"]) if cursor else 0

    async def quarantine(self, pc_id: str, journal: str, seq: int, entry: Document) -> bool:
        """Keep a refused event with its reason, once per (pc, journal, seq); False if already kept."""
        try:
            await self._quarantine.insert_one(
                {"_id": f"{pc_id}:{journal}:{seq}", "pc_id": pc_id, "journal": journal, "seq": seq, **entry}
            )
        except DuplicateKeyError:
            return False
        return True

    async def quarantined(self, pc_id: str, *, limit: int = 50) -> list[Document]:
        """The PC's refused events, newest first."""
        cursor = self._quarantine.find({"pc_id": pc_id}, {"_id": 0}).sort("received_at", DESCENDING)
        return [doc async for doc in cursor.limit(limit)]

    async def advance(self, pc_id: str, journal: str, at: int) -> JournalCursor:
        """Move the acknowledged prefix over every contiguous stored event; safe with concurrent replicas."""
        key = f"{pc_id}:{journal}"
        await self._cursors.update_one(
            {"_id": key},
            {"$setOnInsert": {"pc_id": pc_id, "journal": journal, "acked": 0, "created_at": at}},
            upsert=True,
        )
        while True:
            cursor = await self._cursors.find_one({"_id": key})
            assert cursor is not None
            acked = int(cursor["acked"])
            following = self._events.find(
                {"pc_id": pc_id, "journal": journal, "seq": {"$gt": acked}}, {"seq": 1}
            ).sort("seq", ASCENDING)
            seqs = [int(doc["seq"]) async for doc in following.limit(10_000)]
            contiguous = acked
            for seq in seqs:
                if seq != contiguous + 1:
                    break
                contiguous = seq
            ahead = [seq for seq in seqs if seq > contiguous]
            gap = (contiguous + 1, ahead[0] - 1) if ahead else None
            update: Document = {"acked": contiguous, "gap": list(gap) if gap else None, "updated_at": at}
            # Compare-and-set on the old prefix: a replica that lost the race simply reads again.
            result = await self._cursors.update_one({"_id": key, "acked": acked}, {"$set": update})
            if result.modified_count == 1 or contiguous == acked:
                return JournalCursor(pc_id, journal, contiguous, gap)

    async def events(self, pc_id: str, journal: str | None = None, *, limit: int = 1000) -> list[Document]:
        query: Document = {"pc_id": pc_id, **({"journal": journal} if journal else {})}
        cursor = self._events.find(query, {"_id": 0}).sort([("journal", ASCENDING), ("seq", ASCENDING)])
        return [doc async for doc in cursor.limit(limit)]

    async def events_of_session(self, session_id: str) -> list[Document]:
        cursor = self._events.find({"session_id": session_id}, {"_id": 0}).sort("at", ASCENDING)
        return [doc async for doc in cursor]

    async def cursors(self, pc_id: str) -> list[JournalCursor]:
        return [
            JournalCursor(
                doc["pc_id"], doc["journal"], int(doc["acked"]), tuple(doc["gap"]) if doc.get("gap") else None
            )
            async for doc in self._cursors.find({"pc_id": pc_id})
        ]
