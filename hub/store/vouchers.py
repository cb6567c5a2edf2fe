"""Prepaid vouchers: a code sold at the desk whose value is spent like a balance. Only a hash of the code
is stored, so the codes cannot be read back from the database; the value lives in the ledger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub.store.counting import count_matching
from hub.store.keyset import PAGE_ROWS, keyed_pages

Document = dict[str, Any]


@dataclass(frozen=True)
class VoucherRecord:
    id: str
    code_hash: str
    last4: str
    branch: str
    value: int  # what it was sold for
    created_at: int
    payment_id: str

    @classmethod
    def from_document(cls, doc: Document) -> VoucherRecord:
        return cls(
            id=doc["_id"],
            code_hash=doc["code_hash"],
            last4=doc["last4"],
            branch=doc["branch"],
            value=int(doc["value"]),
            created_at=int(doc["created_at"]),
            payment_id=doc["payment_id"],
        )


class VoucherRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._vouchers = collection

    async def create_indexes(self) -> None:
        await self._vouchers.create_index("code_hash", unique=True)
        await self._vouchers.create_index("payment_id", unique=True)
        await self._vouchers.create_index("created_at")  # an export's pages resume by it

    async def create(self, voucher: VoucherRecord) -> bool:
        try:
            await self._vouchers.insert_one(
                {
                    "_id": voucher.id,
                    "code_hash": voucher.code_hash,
                    "last4": voucher.last4,
                    "branch": voucher.branch,
                    "value": voucher.value,
                    "created_at": voucher.created_at,
                    "payment_id": voucher.payment_id,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    async def by_code_hash(self, code_hash: str) -> VoucherRecord | None:
        doc = await self._vouchers.find_one({"code_hash": code_hash})
        return VoucherRecord.from_document(doc) if doc else None

    async def by_payment(self, payment_id: str) -> VoucherRecord | None:
        doc = await self._vouchers.find_one({"payment_id": payment_id})
        return VoucherRecord.from_document(doc) if doc else None

    async def page(self, *, skip: int = 0, limit: int = 100) -> tuple[list[VoucherRecord], int]:
        total = await count_matching(self._vouchers, {})
        cursor = (
            self._vouchers.find({})
            .sort([("created_at", DESCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return [VoucherRecord.from_document(doc) async for doc in cursor], total

    async def iterate(self, *, page: int = PAGE_ROWS) -> AsyncIterator[VoucherRecord]:
        """Every voucher, oldest first, a page at a time (exports)."""
        async for doc in keyed_pages(self._vouchers, {}, ("created_at", "_id"), page=page):
            yield VoucherRecord.from_document(doc)
