"""Stocktakes: a count sheet per branch (who counted, when it was posted, what it found) and its count
lines, one document per product so that two people counting different shelves never overwrite each
other. A sheet is ``open`` while counts are entered, ``posting`` while its variances are posted as
movements (``hub.store.stock``, one per counted product, ids derived from the sheet's, so posting again
after an interruption finishes the job without doubling anything) and then ``posted``: a record."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from hub.store.counting import count_matching

Document = dict[str, Any]

OPEN = "open"
POSTING = "posting"
POSTED = "posted"


@dataclass(frozen=True)
class StocktakeRecord:
    id: str
    branch: str
    counted_by: str  # the counter's name, as they gave it
    created_by: str  # the staff member who opened the sheet
    created_at: int
    note: str = ""
    state: str = OPEN
    posted_by: str | None = None
    posted_at: int | None = None

    @classmethod
    def from_document(cls, doc: Document) -> StocktakeRecord:
        return cls(
            id=str(doc["_id"]),
            branch=str(doc["branch"]),
            counted_by=str(doc["counted_by"]),
            created_by=str(doc.get("created_by", "")),
            created_at=int(doc["created_at"]),
            note=str(doc.get("note", "")),
            state=str(doc.get("state", OPEN)),
            posted_by=doc.get("posted_by"),
            posted_at=doc.get("posted_at"),
        )

    def to_document(self) -> Document:
        return {
            "_id": self.id,
            "branch": self.branch,
            "counted_by": self.counted_by,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "note": self.note,
            "state": self.state,
        }


@dataclass(frozen=True)
class CountLine:
    product_id: str
    counted: int
    entered_by: str
    at: int


class StocktakeRepository:
    def __init__(self, sheets: AsyncCollection[Document], lines: AsyncCollection[Document]) -> None:
        self._sheets = sheets
        self._lines = lines

    async def create_indexes(self) -> None:
        for name in ("branch", "state"):
            await self._sheets.create_index([(name, ASCENDING)])
        await self._sheets.create_index([("created_at", DESCENDING)])
        await self._lines.create_index([("sheet", ASCENDING)])

    async def create(self, sheet: StocktakeRecord) -> None:
        await self._sheets.insert_one(sheet.to_document())

    async def get(self, sheet_id: str) -> StocktakeRecord | None:
        doc = await self._sheets.find_one({"_id": sheet_id})
        return StocktakeRecord.from_document(doc) if doc else None

    async def set_count(self, sheet_id: str, line: CountLine) -> None:
        """Enter (or correct) one product's count."""
        await self._lines.replace_one(
            {"_id": f"{sheet_id}:{line.product_id}"},
            {
                "sheet": sheet_id,
                "product_id": line.product_id,
                "counted": line.counted,
                "entered_by": line.entered_by,
                "at": line.at,
            },
            upsert=True,
        )

    async def counts(self, sheet_id: str) -> list[CountLine]:
        cursor = self._lines.find({"sheet": sheet_id}).sort("product_id", ASCENDING)
        return [
            CountLine(str(doc["product_id"]), int(doc["counted"]), str(doc["entered_by"]), int(doc["at"]))
            async for doc in cursor
        ]

    async def start_posting(self, sheet_id: str, *, by: str, at: int) -> StocktakeRecord | None:
        """Open -> posting (a sheet already posting stays so: its posting is resumed). None when there is
        no such sheet."""
        await self._sheets.update_one(
            {"_id": sheet_id, "state": OPEN},
            {"$set": {"state": POSTING, "posted_by": by, "posted_at": at}},
        )
        return await self.get(sheet_id)

    async def finish_posting(self, sheet_id: str) -> StocktakeRecord | None:
        await self._sheets.update_one({"_id": sheet_id, "state": POSTING}, {"$set": {"state": POSTED}})
        return await self.get(sheet_id)

    async def posting(self) -> list[StocktakeRecord]:
        """Sheets whose posting was interrupted (for the reconciler)."""
        cursor = self._sheets.find({"state": POSTING}).sort("created_at", ASCENDING)
        return [StocktakeRecord.from_document(doc) async for doc in cursor]

    async def page(
        self, *, branch: str | None = None, state: str | None = None, skip: int = 0, limit: int = 50
    ) -> tuple[list[StocktakeRecord], int]:
        query: Document = {}
        if branch is not None:
            query["branch"] = branch
        if state is not None:
            query["state"] = state
        total = await count_matching(self._sheets, query)
        cursor = (
            self._sheets.find(query)
            .sort([("created_at", DESCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return [StocktakeRecord.from_document(doc) async for doc in cursor], total
