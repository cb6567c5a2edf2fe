"""Branches (sites): the cafe's name, address and tax id for receipts, its currency, language and
timezone, and which payment methods its cashiers may take."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

Document = dict[str, Any]


@dataclass(frozen=True)
class BranchRecord:
    id: str
    name: str
    address: str = ""
    tax_id: str = ""
    phone: str = ""
    currency: str = "UZS"
    language: str = "en"
    timezone: str = "UTC"
    payment_methods: tuple[str, ...] = field(default=("cash", "card", "balance", "voucher"))
    # The logo the PCs' lock screens show: base64 of a small PNG ("" for none).
    logo_png: str = ""

    @classmethod
    def from_document(cls, doc: Document) -> BranchRecord:
        fields = {k: v for k, v in doc.items() if k in cls.__dataclass_fields__ and k != "id"}
        fields["payment_methods"] = tuple(fields.get("payment_methods", ()))
        return cls(id=doc["_id"], **fields)

    def to_document(self) -> Document:
        doc = asdict(self)
        doc["payment_methods"] = list(self.payment_methods)
        return doc | {"_id": doc.pop("id")}


class BranchRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._branches = collection

    async def create_indexes(self) -> None:
        """Only ``_id`` is queried."""

    async def get(self, branch_id: str) -> BranchRecord | None:
        doc = await self._branches.find_one({"_id": branch_id})
        return BranchRecord.from_document(doc) if doc else None

    async def all(self) -> list[BranchRecord]:
        return [BranchRecord.from_document(doc) async for doc in self._branches.find({}).sort("_id", 1)]

    async def save(self, branch: BranchRecord) -> None:
        # update_one with $set: the embedded store's replace_one(upsert=True) ignores the filter's _id.
        doc = branch.to_document()
        doc.pop("_id")
        await self._branches.update_one({"_id": branch.id}, {"$set": doc}, upsert=True)

    async def create_if_missing(self, branch: BranchRecord) -> bool:
        doc = branch.to_document()
        doc.pop("_id")
        result = await self._branches.update_one({"_id": branch.id}, {"$setOnInsert": doc}, upsert=True)
        return result.upserted_id is not None
