"""Agent releases uploaded to the hub and their rollouts to the PCs (README "Fleet updates").

A release's file is under ``<data_dir>/agent-releases``; the record holds its SHA-256, computed by the hub.
A rollout names the PCs it sent the ``update`` command to and that command's id: each PC's state is
derived when read, from the command's outcome and what the PC reported since (``hub.fleet``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub.store.counting import count_matching

Document = dict[str, Any]


@dataclass(frozen=True)
class AgentRelease:
    version: str
    sha256: str
    size: int
    file: str
    uploaded_by: str
    uploaded_at: int

    @classmethod
    def from_document(cls, doc: Document) -> AgentRelease:
        fields = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__ and k != "version"}
        return cls(version=doc["_id"], **fields)

    def to_document(self) -> Document:
        doc = asdict(self)
        doc["_id"] = doc.pop("version")
        return doc


@dataclass(frozen=True)
class RolloutTarget:
    pc_id: str
    command_id: str


@dataclass(frozen=True)
class RolloutRecord:
    id: str
    version: str
    ring: str
    created_by: str
    created_at: int
    targets: list[RolloutTarget]
    # PCs the ring would have taken but that were offline: a later rollout reaches them.
    left_out: list[str] = field(default_factory=list)

    @classmethod
    def from_document(cls, doc: Document) -> RolloutRecord:
        return cls(
            id=doc["_id"],
            version=doc["version"],
            ring=doc["ring"],
            created_by=doc["created_by"],
            created_at=int(doc["created_at"]),
            targets=[RolloutTarget(**target) for target in doc.get("targets", [])],
            left_out=list(doc.get("left_out", [])),
        )

    def to_document(self) -> Document:
        doc = asdict(self)
        doc["_id"] = doc.pop("id")
        return doc


class AgentReleaseRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._releases = collection

    async def create_indexes(self) -> None:
        await self._releases.create_index([("uploaded_at", DESCENDING)])

    async def insert(self, release: AgentRelease) -> bool:
        """False when that version was uploaded already (a version names one package for ever)."""
        try:
            await self._releases.insert_one(release.to_document())
        except DuplicateKeyError:
            return False
        return True

    async def get(self, version: str) -> AgentRelease | None:
        doc = await self._releases.find_one({"_id": version})
        return AgentRelease.from_document(doc) if doc else None

    async def page(self, *, skip: int = 0, limit: int = 50) -> tuple[list[AgentRelease], int]:
        cursor = self._releases.find({}).sort("uploaded_at", DESCENDING).skip(skip).limit(limit)
        items = [AgentRelease.from_document(doc) async for doc in cursor]
        return items, await count_matching(self._releases, {})


class RolloutRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._rollouts = collection

    async def create_indexes(self) -> None:
        await self._rollouts.create_index([("created_at", DESCENDING)])

    async def insert(self, rollout: RolloutRecord) -> None:
        await self._rollouts.insert_one(rollout.to_document())

    async def get(self, rollout_id: str) -> RolloutRecord | None:
        doc = await self._rollouts.find_one({"_id": rollout_id})
        return RolloutRecord.from_document(doc) if doc else None

    async def page(self, *, skip: int = 0, limit: int = 20) -> tuple[list[RolloutRecord], int]:
        cursor = self._rollouts.find({}).sort("created_at", DESCENDING).skip(skip).limit(limit)
        items = [RolloutRecord.from_document(doc) async for doc in cursor]
        return items, await count_matching(self._rollouts, {})
