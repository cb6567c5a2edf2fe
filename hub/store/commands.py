"""Remote commands sent to PCs and their outcomes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from hub.store.counting import count_matching
from hub.store.keyset import PAGE_ROWS, keyed_pages
from protocol import CommandOutcome

Document = dict[str, Any]


class CommandState(StrEnum):
    SENT = "sent"  # published, no answer yet
    TIMEOUT = "timeout"  # no acknowledgement in time (a late one still replaces it)
    UNDELIVERED = "undelivered"  # the broker was unreachable
    # The agent's outcomes (protocol.CommandOutcome):
    DONE = "done"
    FAILED = "failed"
    REJECTED = "rejected"

    @classmethod
    def of(cls, outcome: CommandOutcome) -> CommandState:
        return cls(outcome.value)


@dataclass(frozen=True)
class CommandRecord:
    id: str
    pc_id: str
    type: str
    text: str | None
    issued_by: str
    issued_at: int
    expires_at: int
    state: CommandState
    detail: str = ""
    done_at: int | None = None

    @classmethod
    def from_document(cls, doc: Document) -> CommandRecord:
        fields = {k: v for k, v in doc.items() if k not in ("_id", "state")}
        return cls(id=doc["_id"], state=CommandState(doc["state"]), **fields)

    def to_document(self) -> Document:
        doc = asdict(self)
        doc["_id"] = doc.pop("id")
        doc["state"] = self.state.value
        return doc


class CommandRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._commands = collection

    async def create_indexes(self) -> None:
        await self._commands.create_index([("pc_id", ASCENDING), ("issued_at", DESCENDING)])
        await self._commands.create_index([("pc_id", ASCENDING)])  # of its own (hub.store)
        await self._commands.create_index([("issued_at", ASCENDING)])  # an export's pages resume by it

    async def insert(self, record: CommandRecord) -> None:
        await self._commands.insert_one(record.to_document())

    async def record_outcome(
        self, command_id: str, pc_id: str, outcome: CommandOutcome, detail: str, done_at: int
    ) -> bool:
        """Store the agent's outcome, in one round trip; only for a command sent to ``pc_id`` (a PC
        acknowledges its own commands only), and an ack arriving after a timeout still replaces
        ``timeout``. False when nothing changed: not that PC's command, or already answered."""
        result = await self._commands.update_one(
            {
                "_id": command_id,
                "pc_id": pc_id,
                "state": {"$in": [CommandState.SENT, CommandState.TIMEOUT]},
            },
            {"$set": {"state": CommandState.of(outcome).value, "detail": detail, "done_at": done_at}},
        )
        return result.modified_count == 1

    async def mark_unanswered(self, command_id: str, state: CommandState = CommandState.TIMEOUT) -> None:
        """``timeout`` (no ack in time) or ``undelivered`` (the broker was unreachable)."""
        await self._commands.update_one(
            {"_id": command_id, "state": CommandState.SENT}, {"$set": {"state": state.value}}
        )

    async def get(self, command_id: str) -> CommandRecord | None:
        doc = await self._commands.find_one({"_id": command_id})
        return CommandRecord.from_document(doc) if doc else None

    async def by_ids(self, command_ids: list[str]) -> dict[str, CommandRecord]:
        """The commands of these ids that exist (an agent update's rollout reads its PCs' commands)."""
        cursor = self._commands.find({"_id": {"$in": command_ids}})
        return {doc["_id"]: CommandRecord.from_document(doc) async for doc in cursor}

    async def for_pc(self, pc_id: str, *, skip: int = 0, limit: int = 50) -> tuple[list[CommandRecord], int]:
        query = {"pc_id": pc_id}
        total = await count_matching(self._commands, query)
        cursor = self._commands.find(query).sort("issued_at", DESCENDING).skip(skip).limit(limit)
        return [CommandRecord.from_document(doc) async for doc in cursor], total

    async def iterate(
        self, pc_id: str | None = None, *, page: int = PAGE_ROWS
    ) -> AsyncIterator[CommandRecord]:
        """A PC's commands (every PC's when ``pc_id`` is None), oldest first, a page at a time (exports)."""
        query = {"pc_id": pc_id} if pc_id is not None else {}
        async for doc in keyed_pages(self._commands, query, ("issued_at", "_id"), page=page):
            yield CommandRecord.from_document(doc)

    async def count(self, pc_id: str | None = None) -> int:
        return await count_matching(self._commands, {"pc_id": pc_id} if pc_id is not None else {})
