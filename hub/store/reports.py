"""The reports' reads and their per-day rollups (``hub.reports``).

``report_days`` holds one document per branch and closed local day: the day's folded facts
(``hub.reports.facts``), each section a field of its own (``r_<section>``) holding its rows packed as one
JSON string (a list of rows, since keys may hold characters a field name cannot). ``report_months`` holds
the same per closed calendar month: the sum of its closed days, so a year is about twelve documents
instead of 365. A day is a pure function of its records, rebuilt whole, never incremented, so writing it
twice is harmless; a month's sections are written as reports first need them. A month's document also
holds, once every day up to its end is closed, the branch's running total (``c_<section>``: the sum of
every day from the branch's first activity, ``c_since``, to the month's end) of the sections balances
sum (``hub.reports.facts.RUNNING_SECTIONS``), so a balance at any moment reads one month and the days
after it.

Why so: the embedded store spends most of a read on each document and each value in it, whatever their
size. Rows are only ever read whole, and it reads one string about five times faster than the thousands
of values it holds (a year of a busy branch's members: 55 ms as values, 10 ms packed); and every section
of a day in one document makes a report's read of a range one query, not one per section.

The range reads a day is folded from are the day's own: the ledger by branch and time, sessions by
creation time, shifts by branch and opening time, audit entries by action and time, members by when they
joined; each served by an index (``tests/integration/test_store_plans.py``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from hub.store.sessions import SessionRecord
from hub.store.shifts import ShiftRecord
from hub.store.transactions import LedgerTransaction

Document = dict[str, Any]


def _month(day: dt.date) -> str:
    return day.strftime("%Y-%m")


class ReportRepository:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._days = db["report_days"]
        self._months = db["report_months"]
        self._ledger = db["ledger"]
        self._sessions = db["sessions"]
        self._shifts = db["shifts"]
        self._audit = db["audit_log"]
        self._members = db["members"]

    async def create_indexes(self) -> None:
        await self._days.create_index([("key", ASCENDING), ("day", ASCENDING)])
        await self._months.create_index([("key", ASCENDING), ("month", ASCENDING)])
        for field in ("key", "branch"):  # of their own (hub.store)
            await self._days.create_index([(field, ASCENDING)])
            await self._months.create_index([(field, ASCENDING)])
        # New members by when they joined; the other collections' ranges have their indexes already.
        await self._members.create_index([("created_at", ASCENDING)])

    # ---- rollups: one document per branch, section and day ------------------------------------------

    async def days(
        self, branch: str, first: dt.date, last: dt.date, sections: Iterable[str]
    ) -> dict[dt.date, Document]:
        """The stored days of ``branch`` from ``first`` to ``last`` that hold every one of ``sections``:
        {day: {section: rows}}."""
        return await self._read(self._days, "day", branch, first.isoformat(), last.isoformat(), sections)

    async def months(
        self, branch: str, first: dt.date, last: dt.date, sections: Iterable[str]
    ) -> dict[dt.date, Document]:
        """The stored months of ``branch`` from the month of ``first`` to that of ``last`` that hold every
        one of ``sections``: {first day of the month: {section: rows}}."""
        found = await self._read(self._months, "month", branch, _month(first), _month(last), sections)
        return {day.replace(day=1): doc for day, doc in found.items()}

    async def running(
        self, branch: str, since: dt.date, through: dt.date, sections: Iterable[str]
    ) -> tuple[dt.date, Document] | None:
        """The latest running total of ``branch`` from ``since`` stored for a month up to that of
        ``through``, holding every one of ``sections``: (first day of its month, {section: rows})."""
        wanted = {section: f"c_{section}" for section in sections}
        doc = await self._months.find_one(
            {"key": branch, "month": {"$gte": _month(since), "$lte": _month(through)}, "c_since": str(since)},
            {"month": 1, **dict.fromkeys(wanted.values(), 1)},
            sort=[("month", DESCENDING)],
        )
        if doc is None or not all(name in doc for name in wanted.values()):
            return None
        month = dt.date.fromisoformat(f"{doc['month']}-01")
        return month, {section: json.loads(doc[name]) for section, name in wanted.items()}

    async def _read(
        self,
        collection: AsyncCollection[Document],
        field: str,
        branch: str,
        first: str,
        last: str,
        sections: Iterable[str],
    ) -> dict[dt.date, Document]:
        wanted = {section: f"r_{section}" for section in sections}
        cursor = collection.find(
            {"key": branch, field: {"$gte": first, "$lte": last}},
            {field: 1, **dict.fromkeys(wanted.values(), 1)},
        ).batch_size(10_000)
        found: dict[dt.date, Document] = {}
        async for doc in cursor:
            if all(name in doc for name in wanted.values()):
                moment = doc[field] if field == "day" else f"{doc[field]}-01"
                found[dt.date.fromisoformat(moment)] = {
                    section: json.loads(doc[name]) for section, name in wanted.items()
                }
        return found

    async def save_day(self, branch: str, day: dt.date, sections: Document, built_at: int) -> None:
        """Store a day's folded ``sections`` ({section: rows}, ``hub.reports.facts.Facts.to_document``),
        replacing any, in one round trip."""
        await self._save(self._days, "day", day.isoformat(), branch, sections, built_at)

    async def save_month(self, branch: str, month: dt.date, sections: Document, built_at: int) -> None:
        """Store the sum of a closed month's days (``sections`` as for a day), replacing those sections."""
        await self._save(self._months, "month", _month(month), branch, sections, built_at)

    async def save_running(
        self, branch: str, month: dt.date, since: dt.date, sections: Document, built_at: int
    ) -> None:
        """Store ``branch``'s running total (``sections`` as for a day) of every day from ``since`` to the
        end of ``month``, replacing any."""
        await self._save(
            self._months, "month", _month(month), branch, sections, built_at, "c_", {"c_since": str(since)}
        )

    async def _save(
        self,
        collection: AsyncCollection[Document],
        field: str,
        moment: str,
        branch: str,
        sections: Document,
        built_at: int,
        prefix: str = "r_",
        extra: Document | None = None,
    ) -> None:
        packed = {
            f"{prefix}{section}": json.dumps(rows, separators=(",", ":"))
            for section, rows in sections.items()
        }
        fields = {"key": branch, "branch": branch, field: moment, "built_at": built_at, **packed}
        await collection.update_one(
            {"_id": f"{branch}|{moment}"}, {"$set": fields | (extra or {})}, upsert=True
        )

    async def drop_days(self, branch: str) -> int:
        """Drop ``branch``'s stored days and months (their running totals with them); how many documents."""
        dropped = (await self._months.delete_many({"branch": branch})).deleted_count
        return dropped + (await self._days.delete_many({"branch": branch})).deleted_count

    # ---- the records days are folded from ----------------------------------------------------------

    async def transactions(self, branch: str, start: int, end: int) -> AsyncIterator[LedgerTransaction]:
        """``branch``'s transactions posted in [start, end)."""
        cursor = self._ledger.find({"branch": branch, "at": {"$gte": start, "$lt": end}}).batch_size(2000)
        async for doc in cursor:
            yield LedgerTransaction.from_document(doc)

    async def sessions(self, start: int, end: int) -> AsyncIterator[SessionRecord]:
        """Sessions created in [start, end), any branch (a session names its PC, the PC its branch)."""
        cursor = self._sessions.find({"created_at": {"$gte": start, "$lt": end}}).batch_size(2000)
        async for doc in cursor:
            yield SessionRecord.from_document(doc)

    async def first_activity(self, branch: str) -> int | None:
        """When ``branch``'s first transaction was posted (None for a branch without any)."""
        # With a bound on ``at``, the (branch, at) index is walked from its start rather than every one of
        # the branch's transactions sorted.
        doc = await self._ledger.find_one(
            {"branch": branch, "at": {"$gte": 0}}, {"at": 1}, sort=[("at", ASCENDING)]
        )
        return int(doc["at"]) if doc else None

    async def first_session(self) -> int | None:
        doc = await self._sessions.find_one(
            {"created_at": {"$gte": 0}}, {"created_at": 1}, sort=[("created_at", ASCENDING)]
        )
        return int(doc["created_at"]) if doc else None

    async def shifts(self, branch: str, start: int, end: int) -> list[ShiftRecord]:
        """``branch``'s shifts opened in [start, end)."""
        cursor = self._shifts.find({"branch": branch, "opened_at": {"$gte": start, "$lt": end}})
        return [ShiftRecord.from_document(doc) async for doc in cursor]

    async def audit_actions(self, action: str, start: int, end: int) -> list[Document]:
        """Audit entries of ``action`` in [start, end): who, when, the details."""
        cursor = self._audit.find(
            {"action": action, "at": {"$gte": start, "$lt": end}},
            {"actor": 1, "at": 1, "target": 1, "details": 1, "outcome": 1},
        )
        return [doc async for doc in cursor]

    async def members_joined(self, start: int, end: int) -> list[int]:
        """When each member who joined in [start, end) did."""
        cursor = self._members.find({"created_at": {"$gte": start, "$lt": end}}, {"created_at": 1})
        return [int(doc["created_at"]) async for doc in cursor]

    async def member_logins(self, member_ids: list[str]) -> dict[str, str]:
        cursor = self._members.find({"_id": {"$in": member_ids}}, {"login": 1})
        return {str(doc["_id"]): str(doc.get("login") or "") async for doc in cursor}
