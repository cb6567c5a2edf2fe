"""Cashier shifts: opened with a counted float, closed with a blind count. One open shift per cashier and
branch, enforced by a unique ``open_key`` that a closed shift gives up."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub.store.counting import count_matching
from hub.store.keyset import PAGE_ROWS, keyed_pages

Document = dict[str, Any]

OPEN = "open"
CLOSED = "closed"


@dataclass(frozen=True)
class ShiftRecord:
    id: str
    branch: str
    cashier_id: str
    cashier: str
    opened_at: int
    opening_float: int
    state: str = OPEN
    closed_at: int | None = None
    closed_by: str = ""
    counted: dict[str, int] = field(default_factory=dict)
    expected: dict[str, int] = field(default_factory=dict)
    note: str = ""

    @classmethod
    def from_document(cls, doc: Document) -> ShiftRecord:
        return cls(
            id=doc["_id"],
            branch=doc["branch"],
            cashier_id=doc["cashier_id"],
            cashier=doc["cashier"],
            opened_at=int(doc["opened_at"]),
            opening_float=int(doc["opening_float"]),
            state=doc["state"],
            closed_at=doc.get("closed_at"),
            closed_by=doc.get("closed_by", ""),
            counted={k: int(v) for k, v in (doc.get("counted") or {}).items()},
            expected={k: int(v) for k, v in (doc.get("expected") or {}).items()},
            note=doc.get("note", ""),
        )


def _open_key(branch: str, cashier_id: str) -> str:
    return f"{branch}:{cashier_id}"


def _listed(branch: str | None, state: str | None) -> Document:
    """The list's filters (``GET /shifts``), as a query."""
    query: Document = {}
    if branch is not None:
        query["branch"] = branch
    if state is not None:
        query["state"] = state
    return query


class ShiftRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._shifts = collection

    async def create_indexes(self) -> None:
        await self._shifts.create_index("open_key", unique=True)
        await self._shifts.create_index([("branch", ASCENDING), ("opened_at", DESCENDING)])
        await self._shifts.create_index([("branch", ASCENDING)])  # of its own (hub.store)
        await self._shifts.create_index([("opened_at", ASCENDING)])  # an export's pages resume by it

    async def open(self, shift: ShiftRecord) -> bool:
        """False when the cashier already has an open shift at the branch."""
        try:
            await self._shifts.insert_one(
                {
                    "_id": shift.id,
                    "open_key": _open_key(shift.branch, shift.cashier_id),
                    "branch": shift.branch,
                    "cashier_id": shift.cashier_id,
                    "cashier": shift.cashier,
                    "opened_at": shift.opened_at,
                    "opening_float": shift.opening_float,
                    "state": OPEN,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def current(self, branch: str, cashier_id: str) -> ShiftRecord | None:
        doc = await self._shifts.find_one({"open_key": _open_key(branch, cashier_id)})
        return ShiftRecord.from_document(doc) if doc else None

    async def get(self, shift_id: str) -> ShiftRecord | None:
        doc = await self._shifts.find_one({"_id": shift_id})
        return ShiftRecord.from_document(doc) if doc else None

    async def close(
        self, shift_id: str, *, counted: dict[str, int], expected: dict[str, int], at: int, by: str, note: str
    ) -> bool:
        """Close once: False when the shift was not open (a second close changes nothing)."""
        result = await self._shifts.update_one(
            {"_id": shift_id, "state": OPEN},
            {
                "$set": {
                    "state": CLOSED,
                    "open_key": f"closed:{shift_id}",
                    "closed_at": at,
                    "closed_by": by,
                    "counted": counted,
                    "expected": expected,
                    "note": note,
                }
            },
        )
        return result.modified_count == 1

    async def page(
        self, *, branch: str | None = None, state: str | None = None, skip: int = 0, limit: int = 50
    ) -> tuple[list[ShiftRecord], int]:
        query = _listed(branch, state)
        total = await count_matching(self._shifts, query)
        cursor = self._shifts.find(query).sort("opened_at", DESCENDING).skip(skip).limit(limit)
        return [ShiftRecord.from_document(doc) async for doc in cursor], total

    async def iterate(
        self, *, branch: str | None = None, state: str | None = None, page: int = PAGE_ROWS
    ) -> AsyncIterator[ShiftRecord]:
        """The shifts ``page`` finds, oldest first, a page at a time (exports)."""
        async for doc in keyed_pages(self._shifts, _listed(branch, state), ("opened_at", "_id"), page=page):
            yield ShiftRecord.from_document(doc)
