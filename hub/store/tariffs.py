"""Tariffs (stored as their wire form, ``protocol.TariffSpec``) and PC groups (zones) that use them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from protocol import TariffSpec

Document = dict[str, Any]

DEFAULT_GROUP = "standard"


@dataclass(frozen=True)
class PcGroup:
    id: str
    name: str
    tariff_id: str


class TariffRepository:
    def __init__(self, tariffs: AsyncCollection[Document], groups: AsyncCollection[Document]) -> None:
        self._tariffs = tariffs
        self._groups = groups

    async def create_indexes(self) -> None:
        await self._groups.create_index([("tariff_id", ASCENDING)])

    # ---- tariffs -----------------------------------------------------------------------------
    @staticmethod
    def _spec(doc: Document) -> TariffSpec:
        fields = {k: v for k, v in doc.items() if k not in ("_id", "updated_at")}
        return TariffSpec.model_validate({"id": doc["_id"], **fields})

    async def save(self, tariff: TariffSpec, at: int) -> None:
        # update_one with $set, not replace_one: nx-27017 0.8 ignores the filter's _id on a replace upsert.
        fields = tariff.model_dump(exclude={"id"})
        await self._tariffs.update_one(
            {"_id": tariff.id}, {"$set": {**fields, "updated_at": at}}, upsert=True
        )

    async def create(self, tariff: TariffSpec, at: int) -> bool:
        try:
            await self._tariffs.insert_one(
                {"_id": tariff.id, **tariff.model_dump(exclude={"id"}), "updated_at": at}
            )
        except DuplicateKeyError:
            return False
        return True

    async def get(self, tariff_id: str) -> TariffSpec | None:
        doc = await self._tariffs.find_one({"_id": tariff_id})
        return self._spec(doc) if doc else None

    async def all(self) -> list[TariffSpec]:
        return [self._spec(doc) async for doc in self._tariffs.find({}).sort("_id", ASCENDING)]

    # ---- groups ------------------------------------------------------------------------------
    async def save_group(self, group: PcGroup) -> None:
        await self._groups.update_one(
            {"_id": group.id}, {"$set": {"name": group.name, "tariff_id": group.tariff_id}}, upsert=True
        )

    async def group(self, group_id: str) -> PcGroup | None:
        doc = await self._groups.find_one({"_id": group_id})
        return PcGroup(doc["_id"], doc["name"], doc["tariff_id"]) if doc else None

    async def groups(self) -> list[PcGroup]:
        return [
            PcGroup(d["_id"], d["name"], d["tariff_id"]) async for d in self._groups.find({}).sort("_id", 1)
        ]
