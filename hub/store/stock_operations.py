"""The back office's stock operations as records: a delivery received, goods written off, a transfer to
another branch. Each is stored once per idempotency key (a unique ``idem``) before its movements are
posted, so a retry or the reconciler can finish an operation interrupted half way, and the movements
(``hub.store.stock``, ids derived from the operation's) are posted exactly once."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub.store.counting import count_matching

Document = dict[str, Any]

POSTING = "posting"  # stored, movements being posted
DONE = "done"
REFUSED = "refused"  # not enough stock: what it had taken out was put back


@dataclass(frozen=True)
class OperationLine:
    product_id: str
    quantity: int  # > 0
    unit_cost: int | None = None  # a receipt's, minor units

    def to_document(self) -> Document:
        doc: Document = {"product_id": self.product_id, "quantity": self.quantity}
        if self.unit_cost is not None:
            doc["unit_cost"] = self.unit_cost
        return doc


@dataclass(frozen=True)
class StockOperation:
    id: str
    idem: str
    kind: str  # receive, write_off, transfer
    branch: str
    lines: tuple[OperationLine, ...]
    at: int
    staff: str
    staff_id: str
    fingerprint: str
    to_branch: str | None = None  # a transfer's destination
    reason: str | None = None  # a write-off's
    note: str | None = None  # a supplier's invoice, a transfer's box
    state: str = POSTING
    refusal: str | None = None

    @classmethod
    def from_document(cls, doc: Document) -> StockOperation:
        return cls(
            id=str(doc["_id"]),
            idem=str(doc["idem"]),
            kind=str(doc["kind"]),
            branch=str(doc["branch"]),
            lines=tuple(
                OperationLine(str(line["product_id"]), int(line["quantity"]), line.get("unit_cost"))
                for line in doc.get("lines") or ()
            ),
            at=int(doc["at"]),
            staff=str(doc.get("staff", "")),
            staff_id=str(doc.get("staff_id", "")),
            fingerprint=str(doc.get("fingerprint", "")),
            to_branch=doc.get("to_branch"),
            reason=doc.get("reason"),
            note=doc.get("note"),
            state=str(doc.get("state", POSTING)),
            refusal=doc.get("refusal"),
        )

    def to_document(self) -> Document:
        doc: Document = {
            "_id": self.id,
            "idem": self.idem,
            "kind": self.kind,
            "branch": self.branch,
            "lines": [line.to_document() for line in self.lines],
            "at": self.at,
            "staff": self.staff,
            "staff_id": self.staff_id,
            "fingerprint": self.fingerprint,
            "state": self.state,
        }
        for name in ("to_branch", "reason", "note", "refusal"):
            value = getattr(self, name)
            if value is not None:
                doc[name] = value
        return doc


class StockOperationRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._ops = collection

    async def create_indexes(self) -> None:
        await self._ops.create_index([("idem", ASCENDING)], unique=True)
        for name in ("state", "branch", "kind"):
            await self._ops.create_index([(name, ASCENDING)])
        await self._ops.create_index([("at", DESCENDING)])

    async def create(self, operation: StockOperation) -> tuple[StockOperation, bool]:
        """Store ``operation`` once per ``idem``: (the stored one, whether it is new)."""
        try:
            await self._ops.insert_one(operation.to_document())
        except DuplicateKeyError:
            first = await self._ops.find_one({"idem": operation.idem})
            if first is None:  # the id itself was taken: ids are fresh, so this is a bug upstream
                raise
            return StockOperation.from_document(first), False
        return operation, True

    async def get(self, operation_id: str) -> StockOperation | None:
        doc = await self._ops.find_one({"_id": operation_id})
        return StockOperation.from_document(doc) if doc else None

    async def finish(
        self, operation: StockOperation, state: str, refusal: str | None = None
    ) -> StockOperation:
        """Mark it done or refused, once: a finished operation keeps its first outcome."""
        fields: Document = {"state": state} | ({"refusal": refusal} if refusal else {})
        await self._ops.update_one({"_id": operation.id, "state": POSTING}, {"$set": fields})
        found = await self.get(operation.id)
        return found or replace(operation, state=state, refusal=refusal)

    async def unfinished(self, *, limit: int = 500) -> list[StockOperation]:
        """Operations interrupted before all their movements were posted (for the reconciler)."""
        cursor = self._ops.find({"state": POSTING}).sort("at", ASCENDING).limit(limit)
        return [StockOperation.from_document(doc) async for doc in cursor]

    async def page(
        self, *, branch: str | None = None, kind: str | None = None, skip: int = 0, limit: int = 50
    ) -> tuple[list[StockOperation], int]:
        query: Document = {}
        if branch is not None:
            query["branch"] = branch
        if kind is not None:
            query["kind"] = kind
        total = await count_matching(self._ops, query)
        cursor = self._ops.find(query).sort([("at", DESCENDING), ("_id", ASCENDING)]).skip(skip).limit(limit)
        return [StockOperation.from_document(doc) async for doc in cursor], total
