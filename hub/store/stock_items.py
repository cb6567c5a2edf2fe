"""A product's stock settings, the same at every branch: whether its stock is counted, the level that
raises a low-stock alert, whether it may be sold below zero, and the unit cost a receipt without one uses.
Kept beside the catalogue (``hub.store.products``) rather than in it: the front desk's catalogue needs
none of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]


@dataclass(frozen=True)
class StockItem:
    product_id: str
    track: bool = False  # False: sold without counting (a service, or not set up yet)
    low_stock: int | None = None  # alert when on hand falls to this or below; None: never
    allow_negative: bool = False  # sell when the record says none are left (counted later)
    unit_cost: int = 0  # minor units: what a receipt without a cost is valued at
    updated_at: int = 0
    updated_by: str = ""

    @classmethod
    def from_document(cls, doc: Document) -> StockItem:
        low = doc.get("low_stock")
        return cls(
            product_id=str(doc["_id"]),
            track=bool(doc.get("track", False)),
            low_stock=int(low) if low is not None else None,
            allow_negative=bool(doc.get("allow_negative", False)),
            unit_cost=int(doc.get("unit_cost", 0)),
            updated_at=int(doc.get("updated_at", 0)),
            updated_by=str(doc.get("updated_by", "")),
        )

    def to_document(self) -> Document:
        return {
            "_id": self.product_id,
            "track": self.track,
            "low_stock": self.low_stock,
            "allow_negative": self.allow_negative,
            "unit_cost": self.unit_cost,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
        }

    def is_low(self, on_hand: int) -> bool:
        return self.track and self.low_stock is not None and on_hand <= self.low_stock


class StockItemRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._items = collection

    async def create_indexes(self) -> None:
        await self._items.create_index([("track", ASCENDING)])

    async def get(self, product_id: str) -> StockItem:
        """The product's settings; a product never set up is not tracked."""
        doc = await self._items.find_one({"_id": product_id})
        return StockItem.from_document(doc) if doc else StockItem(product_id)

    async def save(self, item: StockItem) -> None:
        await self._items.replace_one({"_id": item.product_id}, item.to_document(), upsert=True)

    async def tracked(self) -> list[StockItem]:
        """Every product whose stock is counted (a catalogue's worth: tens to hundreds)."""
        return [StockItem.from_document(doc) async for doc in self._items.find({"track": True})]
