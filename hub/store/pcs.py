"""PCs as the hub knows them: identity, hardware, lock hardening, first and last seen, latest telemetry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection

from hub.store.counting import count_matching

Document = dict[str, Any]


@dataclass(frozen=True)
class PcRecord:
    id: str
    site: str
    first_seen: int
    last_seen: int
    hostname: str | None
    agent_version: str | None
    os: str | None
    hardware: dict[str, Any]
    telemetry: dict[str, Any] | None
    group: str | None = None
    # The agent's self-test of its lock screen from its last hello (protocol.Hardening as JSON), if any.
    hardening: dict[str, Any] | None = None
    # The agent's last update that was rolled back, from its last hello (protocol.UpdateReport), if any.
    update: dict[str, Any] | None = None

    @classmethod
    def from_document(cls, doc: Document) -> PcRecord:
        return cls(
            id=doc["_id"],
            site=doc["site"],
            first_seen=int(doc["first_seen"]),
            last_seen=int(doc.get("last_seen") or doc["first_seen"]),
            hostname=doc.get("hostname"),
            agent_version=doc.get("agent_version"),
            os=doc.get("os"),
            hardware=doc.get("hardware") or {},
            telemetry=doc.get("telemetry"),
            group=doc.get("group"),
            hardening=doc.get("hardening"),
            update=doc.get("update"),
        )


class PcRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._pcs = collection

    async def create_indexes(self) -> None:
        await self._pcs.create_index([("site", ASCENDING)])

    @staticmethod
    def _seen(pc_id: str, site: str, at_ms: int, fields: Document) -> UpdateOne:
        # The site is the one of the PC's first message, never moved by a later one (a PC is hostile: the
        # bridge drops what it sends under another site).
        return UpdateOne(
            {"_id": pc_id},
            {"$set": {"last_seen": at_ms, **fields}, "$setOnInsert": {"first_seen": at_ms, "site": site}},
            upsert=True,
        )

    async def site_of(self, pc_id: str) -> str | None:
        doc = await self._pcs.find_one({"_id": pc_id}, {"site": 1})
        return str(doc["site"]) if doc and doc.get("site") else None

    async def record_hello(self, pc_id: str, site: str, at_ms: int, details: Document) -> None:
        await self._pcs.bulk_write([self._seen(pc_id, site, at_ms, details)])

    async def record_seen(self, pc_id: str, site: str, at_ms: int) -> None:
        await self._pcs.bulk_write([self._seen(pc_id, site, at_ms, {})])

    async def record_telemetry(self, latest: list[tuple[str, str, int, Document]]) -> None:
        """Latest telemetry of many PCs in one round trip: (pc_id, site, at_ms, telemetry)."""
        if latest:
            ops = [self._seen(pc, site, at, {"telemetry": doc}) for pc, site, at, doc in latest]
            await self._pcs.bulk_write(ops, ordered=False)

    async def set_group(self, pc_id: str, group_id: str) -> bool:
        result = await self._pcs.update_one({"_id": pc_id}, {"$set": {"group": group_id}})
        return result.matched_count == 1

    async def get(self, pc_id: str) -> PcRecord | None:
        doc = await self._pcs.find_one({"_id": pc_id})
        return PcRecord.from_document(doc) if doc else None

    async def page(
        self, *, site: str | None = None, skip: int = 0, limit: int = 100
    ) -> tuple[list[PcRecord], int]:
        query: Document = {"site": site} if site else {}
        total = await count_matching(self._pcs, query)
        cursor = self._pcs.find(query).sort("_id", ASCENDING).skip(skip).limit(limit)
        return [PcRecord.from_document(doc) async for doc in cursor], total

    async def ids(self, *, site: str | None = None) -> list[str]:
        query: Document = {"site": site} if site else {}
        return [doc["_id"] async for doc in self._pcs.find(query, {"_id": 1}).sort("_id", ASCENDING)]

    async def by_ids(self, pc_ids: list[str]) -> list[PcRecord]:
        docs = {doc["_id"]: doc async for doc in self._pcs.find({"_id": {"$in": pc_ids}})}
        return [PcRecord.from_document(docs[pc_id]) for pc_id in pc_ids if pc_id in docs]
