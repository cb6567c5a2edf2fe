"""The product catalogue the front desk sells from: drinks, snacks, accessories. Stock comes later."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub.store.counting import count_matching
from hub.store.keyset import PAGE_ROWS, keyed_pages

Document = dict[str, Any]


@dataclass(frozen=True)
class ProductRecord:
    id: str
    name: str
    price: int  # minor units of the branch currency
    category: str = ""
    active: bool = True
    created_at: int = 0

    @classmethod
    def from_document(cls, doc: Document) -> ProductRecord:
        return cls(
            id=doc["_id"],
            name=doc["name"],
            price=int(doc["price"]),
            category=doc.get("category", ""),
            active=bool(doc.get("active", True)),
            created_at=int(doc.get("created_at", 0)),
        )


class ProductRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._products = collection

    async def create_indexes(self) -> None:
        await self._products.create_index("name", unique=True)

    async def create(self, product: ProductRecord) -> bool:
        """False when the name is taken."""
        try:
            await self._products.insert_one(
                {
                    "_id": product.id,
                    "name": product.name,
                    "price": product.price,
                    "category": product.category,
                    "active": product.active,
                    "created_at": product.created_at,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def update(self, product_id: str, changes: dict[str, Any]) -> ProductRecord | None:
        """None when there is no such product; a taken name raises ``DuplicateKeyError`` as ValueError."""
        if changes:
            try:
                await self._products.update_one({"_id": product_id}, {"$set": changes})
            except DuplicateKeyError:
                raise ValueError("name taken") from None
        return await self.get(product_id)

    async def get(self, product_id: str) -> ProductRecord | None:
        doc = await self._products.find_one({"_id": product_id})
        return ProductRecord.from_document(doc) if doc else None

    async def by_ids(self, product_ids: list[str]) -> dict[str, ProductRecord]:
        found: dict[str, ProductRecord] = {}
        for product_id in set(product_ids):  # one lookup each: ``$in`` on _id is not needed elsewhere
            product = await self.get(product_id)
            if product is not None:
                found[product_id] = product
        return found

    async def page(
        self, *, active_only: bool, skip: int = 0, limit: int = 100
    ) -> tuple[list[ProductRecord], int]:
        query: Document = {"active": True} if active_only else {}
        total = await count_matching(self._products, query)
        cursor = (
            self._products.find(query)
            .sort([("category", ASCENDING), ("name", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return [ProductRecord.from_document(doc) async for doc in cursor], total

    async def iterate(self, *, active_only: bool, page: int = PAGE_ROWS) -> AsyncIterator[ProductRecord]:
        """The products ``page`` finds, in its order (the name is unique), a page at a time (exports)."""
        query: Document = {"active": True} if active_only else {}
        async for doc in keyed_pages(self._products, query, ("category", "name"), page=page):
            yield ProductRecord.from_document(doc)
