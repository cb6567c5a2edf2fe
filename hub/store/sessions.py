"""Sessions as the hub knows them: ordered from the API or started offline at a PC, projected from the
agent's journal events, priced by the hub with ``billing`` and compared with the agent's figure."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub.store.counting import count_matching
from hub.store.keyset import PAGE_ROWS, keyed_pages
from protocol import SessionKind

Document = dict[str, Any]


class SessionState(StrEnum):
    PENDING = "pending"  # ordered, the PC has not started it yet
    ACTIVE = "active"
    ENDED = "ended"
    EXPIRED = "expired"  # ordered, never started (the order expired undelivered)
    REJECTED = "rejected"  # the PC refused the order


GUEST_KINDS = (SessionKind.PREPAID, SessionKind.POSTPAID)  # paid at the desk, not from a balance


@dataclass(frozen=True)
class SessionRecord:
    id: str
    pc_id: str
    kind: SessionKind
    state: SessionState
    created_at: int
    tariff_id: str
    member_id: str | None = None
    prepaid_minutes: int | None = None
    budget: int | None = None
    started_by: str | None = None
    started_at: int | None = None
    ends_at: int | None = None
    ended_at: int | None = None
    end_reason: str | None = None
    used_ms: int = 0
    agent_cost: int | None = None
    cost: int | None = None
    flags: list[str] = field(default_factory=list)
    # Extensions the hub ordered, recorded before the order is sent: {"budget", "prepaid_minutes"}.
    ordered_limits: list[dict[str, int | None]] = field(default_factory=list)
    # An offline session without a valid proof charges nothing until staff decide: pending, charged, waived.
    review: str | None = None

    @classmethod
    def from_document(cls, doc: Document) -> SessionRecord:
        known = set(cls.__dataclass_fields__)
        fields = {k: v for k, v in doc.items() if k in known and k not in ("id", "kind", "state")}
        fields["ordered_limits"] = _limits(doc.get("ordered_limits"))
        return cls(id=doc["_id"], kind=SessionKind(doc["kind"]), state=SessionState(doc["state"]), **fields)

    def to_document(self) -> Document:
        doc = asdict(self)
        doc["_id"] = doc.pop("id")
        doc["kind"], doc["state"] = self.kind.value, self.state.value
        return doc


def _listed(filters: dict[str, str]) -> Document:
    """The list's filters (``GET /sessions``), as a query."""
    return {k: v for k, v in filters.items() if k in ("pc_id", "member_id", "state", "kind")}


class SessionRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._sessions = collection

    async def create_indexes(self) -> None:
        await self._sessions.create_index([("pc_id", ASCENDING), ("state", ASCENDING)])
        await self._sessions.create_index([("member_id", ASCENDING), ("created_at", DESCENDING)])
        await self._sessions.create_index([("created_at", DESCENDING)])
        # A PC's sessions in pages: each page a range of this index, not a sort of all the PC's sessions.
        await self._sessions.create_index([("pc_id", ASCENDING), ("created_at", ASCENDING)])
        for name in ("pc_id", "member_id"):  # of their own (hub.store)
            await self._sessions.create_index([(name, ASCENDING)])

    async def insert(self, record: SessionRecord) -> None:
        await self._sessions.insert_one(record.to_document())

    async def insert_if_absent(self, record: SessionRecord) -> bool:
        """False when a session with this id exists already (a redelivered offline start)."""
        try:
            await self._sessions.insert_one(record.to_document())
        except DuplicateKeyError:
            return False
        return True

    async def get(self, session_id: str) -> SessionRecord | None:
        doc = await self._sessions.find_one({"_id": session_id})
        return SessionRecord.from_document(doc) if doc else None

    async def open_for_pc(self, pc_id: str) -> SessionRecord | None:
        doc = await self._sessions.find_one(
            {"pc_id": pc_id, "state": {"$in": [SessionState.PENDING, SessionState.ACTIVE]}}
        )
        return SessionRecord.from_document(doc) if doc else None

    async def page(
        self, *, filters: dict[str, str], skip: int = 0, limit: int = 100
    ) -> tuple[list[SessionRecord], int]:
        query = _listed(filters)
        total = await count_matching(self._sessions, query)
        cursor = self._sessions.find(query).sort("created_at", DESCENDING).skip(skip).limit(limit)
        return [SessionRecord.from_document(doc) async for doc in cursor], total

    async def iterate(
        self, *, filters: dict[str, str], page: int = PAGE_ROWS
    ) -> AsyncIterator[SessionRecord]:
        """The sessions ``page`` finds, oldest first, a page at a time (exports)."""
        async for doc in keyed_pages(self._sessions, _listed(filters), ("created_at", "_id"), page=page):
            yield SessionRecord.from_document(doc)

    async def guests_started_by(self, staff: str, since: int, until: int | None) -> list[SessionRecord]:
        """Guest sessions ``staff`` ordered in [since, until), that reached a PC (not expired or refused)."""
        created: Document = {"$gte": since} | ({"$lt": until} if until is not None else {})
        query: Document = {
            "started_by": staff,
            "created_at": created,
            "kind": {"$in": [kind.value for kind in GUEST_KINDS]},
            "state": {"$in": [SessionState.ACTIVE, SessionState.ENDED]},
        }
        return [
            SessionRecord.from_document(doc)
            async for doc in self._sessions.find(query).sort([("created_at", 1), ("_id", 1)])
        ]

    async def set_state(self, session_id: str, state: SessionState, *, only_from: list[SessionState]) -> bool:
        result = await self._sessions.update_one(
            {"_id": session_id, "state": {"$in": only_from}}, {"$set": {"state": state}}
        )
        return result.modified_count == 1

    async def record_started(self, session_id: str, started: Document) -> bool:
        """The PC started the session: fill in its start (once; a later claim never moves it). True the
        first time, when the start was filled in."""
        first = await self._sessions.update_one({"_id": session_id, "started_at": None}, {"$set": started})
        await self.set_state(
            session_id, SessionState.ACTIVE, only_from=[SessionState.PENDING, SessionState.EXPIRED]
        )
        return first.modified_count == 1

    async def order_extension(self, session_id: str, budget: int | None, prepaid_minutes: int | None) -> None:
        """Recorded before the extension is sent, so the PC's confirmation can be checked against it.

        Appended by compare-and-set on the list's length, not with ``$push``: nx-27017 0.8 stores a
        document pushed onto an array as a JSON string."""
        limit = {"budget": budget, "prepaid_minutes": prepaid_minutes}
        while True:
            doc = await self._sessions.find_one({"_id": session_id}, {"ordered_limits": 1})
            if doc is None:
                return
            stored = doc.get("ordered_limits")
            now: Document = {"$size": len(stored)} if isinstance(stored, list) else {"$exists": False}
            result = await self._sessions.update_one(
                {"_id": session_id, "ordered_limits": now},
                {"$set": {"ordered_limits": [*_limits(stored), limit]}},
            )
            if result.matched_count == 1:
                return  # else another extension was ordered meanwhile: append after it

    async def set_ends_at(self, session_id: str, ends_at: int | None) -> None:
        await self._sessions.update_one(
            {"_id": session_id, "state": {"$ne": SessionState.ENDED}}, {"$set": {"ends_at": ends_at}}
        )

    async def set_review(self, session_id: str, decision: str, *, by: str, at: int) -> bool:
        """Staff's decision on an unverified session, once (False if it was decided already)."""
        result = await self._sessions.update_one(
            {"_id": session_id, "review": "pending"},
            {"$set": {"review": decision, "reviewed_by": by, "reviewed_at": at}},
        )
        return result.modified_count == 1

    async def record_progress(self, session_id: str, used_ms: int, agent_cost: int) -> None:
        # Checkpoints may arrive out of order: keep the furthest.
        await self._sessions.update_one(
            {"_id": session_id, "state": {"$ne": SessionState.ENDED}, "used_ms": {"$lt": used_ms}},
            {"$set": {"used_ms": used_ms, "agent_cost": agent_cost}},
        )

    async def record_extended(self, session_id: str, budget: int | None, prepaid_minutes: int | None) -> None:
        """The PC took the extension: its limits are the session's now (its end follows the PC's
        confirmation, ``set_ends_at``)."""
        await self._sessions.update_one(
            {"_id": session_id}, {"$set": {"budget": budget, "prepaid_minutes": prepaid_minutes}}
        )

    async def record_ended(self, session_id: str, ended: Document) -> bool:
        """True the first time the end is recorded."""
        result = await self._sessions.update_one(
            {"_id": session_id, "state": {"$ne": SessionState.ENDED}},
            {"$set": {**ended, "state": SessionState.ENDED}},
        )
        return result.modified_count == 1

    async def add_flag(self, session_id: str, flag: str) -> None:
        # $nin + $push rather than $addToSet, which nx-27017 0.8 ignores when the array is missing.
        await self._sessions.update_one(
            {"_id": session_id, "flags": {"$nin": [flag]}}, {"$push": {"flags": flag}}
        )

    async def pending_older_than(self, created_before: int) -> list[SessionRecord]:
        cursor = self._sessions.find({"state": SessionState.PENDING, "created_at": {"$lt": created_before}})
        return [SessionRecord.from_document(doc) async for doc in cursor]


def _limits(stored: Any) -> list[dict[str, int | None]]:
    """Ordered limits as stored; those an older hub pushed onto nx-27017 are JSON strings."""
    return [json.loads(limit) if isinstance(limit, str) else limit for limit in stored or []]
