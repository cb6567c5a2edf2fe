"""Export jobs: who asked for what, how far it got, and where its file is.

A job moves ``queued -> running -> done`` (or ``failed``), then ``expired`` once its file is deleted; every
move is a conditional update on the state (and on the attempt), so a late writer of an older attempt, or
a second replica, cannot move it back. A failed job that may be run again (``retryable``) goes back to
``queued`` with the next attempt number. The hub running a job refreshes ``beat_at`` while it lives; a job
whose hub stopped beating is failed as retryable by any replica (``hub.exports.jobs``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection

from hub.store.counting import count_matching

Document = dict[str, Any]


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"


UNFINISHED = (JobState.QUEUED, JobState.RUNNING)


@dataclass(frozen=True)
class ExportRecord:
    id: str
    user_id: str
    username: str
    kind: str
    format: str
    filters: dict[str, Any]
    created_at: int
    runner: str
    beat_at: int
    state: JobState = JobState.QUEUED
    attempt: int = 1
    rows: int = 0
    total: int = 0
    error: str | None = None
    retryable: bool = False
    file: str | None = None
    size: int | None = None
    started_at: int | None = None
    finished_at: int | None = None
    expires_at: int | None = None

    @classmethod
    def from_document(cls, doc: Document) -> ExportRecord:
        fields = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__ and k != "id"}
        fields["state"] = JobState(doc["state"])
        return cls(id=doc["_id"], **fields)

    def to_document(self) -> Document:
        doc = asdict(self)
        doc["_id"] = doc.pop("id")
        doc["state"] = self.state.value
        return doc


class ExportRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._jobs = collection

    async def create_indexes(self) -> None:
        # Each of its own (hub.store): the owner's list, the sweeps by state, a restarted hub's orphans.
        for name in ("user_id", "state", "runner"):
            await self._jobs.create_index([(name, ASCENDING)])
        await self._jobs.create_index([("user_id", ASCENDING), ("created_at", DESCENDING)])

    async def insert(self, record: ExportRecord) -> None:
        await self._jobs.insert_one(record.to_document())

    async def get(self, job_id: str) -> ExportRecord | None:
        doc = await self._jobs.find_one({"_id": job_id})
        return ExportRecord.from_document(doc) if doc else None

    async def page(
        self, user_id: str | None, *, skip: int = 0, limit: int = 50
    ) -> tuple[list[ExportRecord], int]:
        """A user's jobs (everyone's when ``user_id`` is None), newest first."""
        query: Document = {"user_id": user_id} if user_id is not None else {}
        total = await count_matching(self._jobs, query)
        cursor = self._jobs.find(query).sort("created_at", DESCENDING).skip(skip).limit(limit)
        return [ExportRecord.from_document(doc) async for doc in cursor], total

    async def unfinished_of(self, user_id: str) -> int:
        """How many of a user's jobs are queued or running."""
        counts = [
            await count_matching(self._jobs, {"user_id": user_id, "state": s.value}) for s in UNFINISHED
        ]
        return sum(counts)

    async def start(self, job_id: str, attempt: int, *, runner: str, at: int) -> bool:
        """queued -> running, for this attempt only."""
        result = await self._jobs.update_one(
            {"_id": job_id, "state": JobState.QUEUED.value, "attempt": attempt},
            {"$set": {"state": JobState.RUNNING.value, "started_at": at, "beat_at": at, "runner": runner}},
        )
        return result.modified_count == 1

    async def progress(self, job_id: str, attempt: int, *, rows: int, total: int, at: int) -> None:
        await self._jobs.update_one(
            {"_id": job_id, "state": JobState.RUNNING.value, "attempt": attempt},
            {"$set": {"rows": rows, "total": total, "beat_at": at}},
        )

    async def beat(self, job_ids: list[str], at: int) -> None:
        """The running hub is alive: refresh ``beat_at`` of its jobs (queued or running)."""
        if job_ids:
            await self._jobs.update_many({"_id": {"$in": job_ids}}, {"$set": {"beat_at": at}})

    async def finish(
        self, job_id: str, attempt: int, *, file: str, size: int, rows: int, at: int, expires_at: int
    ) -> bool:
        """running -> done, with the file."""
        result = await self._jobs.update_one(
            {"_id": job_id, "state": JobState.RUNNING.value, "attempt": attempt},
            {
                "$set": {
                    "state": JobState.DONE.value,
                    "file": file,
                    "size": size,
                    "rows": rows,
                    "total": rows,
                    "finished_at": at,
                    "expires_at": expires_at,
                }
            },
        )
        return result.modified_count == 1

    async def fail(self, job_id: str, attempt: int, *, error: str, retryable: bool, at: int) -> bool:
        """queued or running -> failed (this attempt only)."""
        changed = False
        for state in UNFINISHED:
            result = await self._jobs.update_one(
                {"_id": job_id, "state": state.value, "attempt": attempt},
                {"$set": _failed(error, retryable, at)},
            )
            changed = changed or result.modified_count == 1
        return changed

    async def fail_orphans(
        self, *, runner: str | None = None, beat_before: int | None = None, error: str, at: int
    ) -> int:
        """Fail, as retryable, every unfinished job of ``runner`` (a restarted hub's own), or whose hub
        stopped beating before ``beat_before``; how many."""
        failed = 0
        for state in UNFINISHED:
            query: Document = {"state": state.value}
            if runner is not None:
                query["runner"] = runner
            if beat_before is not None:
                query["beat_at"] = {"$lt": beat_before}
            result = await self._jobs.update_many(query, {"$set": _failed(error, True, at)})
            failed += result.modified_count
        return failed

    async def requeue(self, job_id: str, *, runner: str, at: int) -> ExportRecord | None:
        """A failed, retryable job queued again as its next attempt; None if it is not one."""
        doc = await self._jobs.find_one_and_update(
            {"_id": job_id, "state": JobState.FAILED.value, "retryable": True},
            {
                "$set": {
                    "state": JobState.QUEUED.value,
                    "error": None,
                    "retryable": False,
                    "rows": 0,
                    "runner": runner,
                    "beat_at": at,
                    "started_at": None,
                    "finished_at": None,
                },
                "$inc": {"attempt": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        return ExportRecord.from_document(doc) if doc else None

    async def expired(self, now: int, *, limit: int = 500) -> list[ExportRecord]:
        """Done jobs whose file is past its expiry."""
        query = {"state": JobState.DONE.value, "expires_at": {"$lt": now}}
        return [ExportRecord.from_document(doc) async for doc in self._jobs.find(query).limit(limit)]

    async def expire(self, job_id: str, at: int) -> bool:
        result = await self._jobs.update_one(
            {"_id": job_id, "state": JobState.DONE.value},
            {"$set": {"state": JobState.EXPIRED.value, "file": None, "expired_at": at}},
        )
        return result.modified_count == 1

    async def states(self, job_ids: list[str]) -> dict[str, JobState]:
        """The state of each of ``job_ids`` that exists."""
        if not job_ids:
            return {}
        cursor = self._jobs.find({"_id": {"$in": job_ids}}, {"state": 1})
        return {doc["_id"]: JobState(doc["state"]) async for doc in cursor}


def _failed(error: str, retryable: bool, at: int) -> Document:
    return {"state": JobState.FAILED.value, "error": error, "retryable": retryable, "finished_at": at}
