"""Stock movements: an append-only record, one document per movement, inserted and never edited.

Concurrency without transactions, as the ledger does it (``hub.store.ledger``): each product's movements
at a branch form one *sequence* (``<branch>/<product>``), and each movement claims the next number of it
with a unique field (``claim``), carrying the level after it (on hand, value, running totals:
``billing.stock.Level``). The quantity on hand is the head of the sequence, one indexed read; a movement
that takes goods out is checked against exactly the level it follows, so two racing sales of the last
item cannot both succeed: the loser's insert finds the number taken, re-reads and is refused. A return
with a refund also claims the next number of its sale's return sequence (``<payment>:<product>``), which
carries the running quantity returned, never more than the sale took.

A movement's id is derived from what caused it (the sale's ledger transaction, a receipt's operation, a
stocktake), so posting it again finds the first: a retried request or a reconciliation moves nothing
twice. Within one hub process, writers of a sequence queue on a lock first; replicas race, safely.

Each movement's time is strictly later than its predecessor's in the sequence, so the level at any moment
is one indexed read (the last movement before it) and a period's activity is the difference of two.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from billing.stock import Change, Level, StockKind, check_return, counted_change, move
from hub.clock import now_ms
from hub.errors import HubError
from hub.store.counting import count_matching
from hub.store.keyset import PAGE_ROWS, keyed_pages
from hub.store.locks import KeyedLocks

Document = dict[str, Any]

MAX_ATTEMPTS = 400
_UNCLAIMED = "-"  # prefix of a claim that claims nothing (the field is unique, so never empty)


class StockBusy(HubError):
    """Too many concurrent writers on one product's stock; the caller may retry."""


def sequence_key(branch: str, product_id: str) -> str:
    return f"{branch}/{product_id}"


@dataclass(frozen=True)
class ReturnCap:
    """A sale's return sequence: goods of one product returned with its refunds, never more than
    ``sold``."""

    key: str  # <payment>:<product>
    sold: int


@dataclass(frozen=True)
class Details:
    """Who moved the goods, why, and what caused it."""

    ref: str | None = None  # the ledger transaction, operation or stocktake behind it
    staff: str | None = None
    staff_id: str | None = None
    reason: str | None = None  # a write-off's
    counted_by: str | None = None  # a stocktake's counter
    counterpart: str | None = None  # a transfer's other branch
    unit_cost: int | None = None  # a receipt's
    voided: str | None = None  # the movement a void undoes

    def to_document(self) -> Document:
        return {name: value for name, value in vars(self).items() if value is not None}

    @classmethod
    def from_document(cls, doc: Document) -> Details:
        return cls(**{name: doc.get(name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class NewMovement:
    """A movement to post: ``change``, or with ``counted`` the stocktake's count it sets the level to."""

    id: str
    branch: str
    product_id: str
    change: Change | None = None
    counted: int | None = None
    details: Details = field(default_factory=Details)
    allow_negative: bool = False  # also: a sale already paid, recorded whatever the level
    return_cap: ReturnCap | None = None


@dataclass(frozen=True)
class StockMovement:
    id: str
    branch: str
    product_id: str
    kind: StockKind
    quantity: int
    value: int  # booked at cost: + in, - out
    revenue: int  # a sale's takings for these goods
    at: int
    seq: int
    level: Level  # after it
    details: Details
    voids: StockKind | None = None
    returned_total: int | None = None  # a return: its sale's goods returned so far, this one included

    @classmethod
    def from_document(cls, doc: Document) -> StockMovement:
        return cls(
            id=str(doc["_id"]),
            branch=str(doc["branch"]),
            product_id=str(doc["product_id"]),
            kind=StockKind(doc["kind"]),
            quantity=int(doc["quantity"]),
            value=int(doc.get("value", 0)),
            revenue=int(doc.get("revenue", 0)),
            at=int(doc["at"]),
            seq=int(doc["seq"]),
            level=level_of(doc),
            details=Details.from_document(doc),
            voids=StockKind(doc["voids"]) if doc.get("voids") else None,
            returned_total=doc.get("cap_total"),
        )


def level_of(doc: Document) -> Level:
    level = doc["level"]
    return Level(
        on_hand=int(level["on_hand"]),
        value=int(level["value"]),
        last_cost=int(level["last_cost"]),
        at=int(doc["at"]),
        totals=MappingProxyType({str(k): int(v) for k, v in (level.get("totals") or {}).items()}),
    )


@dataclass(frozen=True)
class StockPost:
    movement: StockMovement
    created: bool  # False: it was posted before; ``movement`` is the first


@dataclass(frozen=True)
class MovementFilter:
    branch: str | None = None
    product_id: str | None = None
    kind: str | None = None
    staff: str | None = None
    ref: str | None = None
    since: int | None = None
    until: int | None = None

    def query(self) -> Document:
        query: Document = {}
        for name in ("branch", "product_id", "kind", "staff", "ref"):
            value = getattr(self, name)
            if value is not None:
                query[name] = value
        if self.since is not None or self.until is not None:
            at: Document = {}
            if self.since is not None:
                at["$gte"] = self.since
            if self.until is not None:
                at["$lt"] = self.until
            query["at"] = at
        return query


class StockRepository:
    def __init__(self, collection: AsyncCollection[Document], state: AsyncCollection[Document]) -> None:
        self._moves = collection
        self._state = state  # the reconciler's progress (``hub.inventory.reconcile``)
        self._locks = KeyedLocks()

    async def create_indexes(self) -> None:
        for name in ("claim", "cap_claim"):
            await self._moves.create_index([(name, ASCENDING)], unique=True)
        # Each head read filters on its sequence alone (an index of its own: hub.store) and sorts on the
        # number; the level at a moment filters on the sequence and a time range.
        for key, number in (("seq_key", "seq"), ("cap_key", "cap_seq")):
            await self._moves.create_index([(key, ASCENDING)])
            await self._moves.create_index([(key, ASCENDING), (number, DESCENDING)])
        await self._moves.create_index([("seq_key", ASCENDING), ("at", ASCENDING)])
        # A product's movements in pages (an export): each page a range of this index.
        await self._moves.create_index([("product_id", ASCENDING), ("at", ASCENDING)])
        for name in ("branch", "product_id", "kind", "staff", "ref", "at"):
            await self._moves.create_index([(name, ASCENDING)])

    # ---- writing ------------------------------------------------------------------------------------

    async def post(self, new: NewMovement) -> StockPost:
        """Insert ``new`` as the next movement of its sequence, once per id.

        Raises :class:`billing.stock.OutOfStock` when it takes more than is on hand (unless
        ``allow_negative``) and :class:`billing.stock.ReturnExceedsSale` when a return passes its sale;
        nothing is written then."""
        key = sequence_key(new.branch, new.product_id)
        held = [key, *([f"return:{new.return_cap.key}"] if new.return_cap else [])]
        async with self._locks.hold(held):
            for attempt in range(MAX_ATTEMPTS):
                first = await self.get(new.id)
                if first is not None:
                    return StockPost(first, created=False)
                row = await self._row(new, key)
                try:
                    await self._moves.insert_one(row)
                except DuplicateKeyError:
                    # Another replica took the number, or the same movement was posted meanwhile.
                    await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))
                    continue
                return StockPost(StockMovement.from_document(row), created=True)
        raise StockBusy(f"stock busy: gave up after {MAX_ATTEMPTS} attempts; retry")

    async def _row(self, new: NewMovement, key: str) -> Document:
        head = await self._head(key)
        before = level_of(head) if head else Level()
        if new.change is not None:
            change = new.change
        elif new.counted is not None:
            change = counted_change(before, new.counted)
        else:
            raise ValueError("a movement needs a change or a count")
        moved = move(before, change, at=now_ms(), allow_negative=new.allow_negative)
        level = moved.level
        number = int(head["seq"]) + 1 if head else 1
        row: Document = {
            "_id": new.id,
            "branch": new.branch,
            "product_id": new.product_id,
            "kind": change.kind.value,
            "quantity": change.quantity,
            "value": moved.value,
            "revenue": change.revenue,
            "at": level.at,
            "seq_key": key,
            "seq": number,
            "claim": f"{key}#{number}",
            "level": {
                "on_hand": level.on_hand,
                "value": level.value,
                "last_cost": level.last_cost,
                "totals": dict(level.totals),
            },
            "cap_claim": f"{_UNCLAIMED}{new.id}",
            **new.details.to_document(),
        }
        if change.voids is not None:
            row["voids"] = change.voids.value
        if new.return_cap is not None:
            cap = await self._cap_head(new.return_cap.key)
            returned = int(cap["cap_total"]) if cap else 0
            check_return(new.return_cap.sold, returned, change.quantity)
            cap_number = int(cap["cap_seq"]) + 1 if cap else 1
            row |= {
                "cap_key": new.return_cap.key,
                "cap_seq": cap_number,
                "cap_total": returned + change.quantity,
                "cap_claim": f"{new.return_cap.key}#{cap_number}",
            }
        return row

    async def _head(self, key: str) -> Document | None:
        return await self._moves.find_one(
            {"seq_key": key}, sort=[("seq", DESCENDING)], projection=["seq", "at", "level"]
        )

    async def _cap_head(self, key: str) -> Document | None:
        return await self._moves.find_one(
            {"cap_key": key}, sort=[("cap_seq", DESCENDING)], projection=["cap_seq", "cap_total"]
        )

    # ---- reading ------------------------------------------------------------------------------------

    async def get(self, movement_id: str) -> StockMovement | None:
        doc = await self._moves.find_one({"_id": movement_id})
        return StockMovement.from_document(doc) if doc else None

    async def level(self, branch: str, product_id: str) -> Level:
        """The product's stock at the branch now: the head of its sequence."""
        head = await self._head(sequence_key(branch, product_id))
        return level_of(head) if head else Level()

    async def level_at(self, branch: str, product_id: str, at: int) -> Level:
        """The product's stock at the branch just before ``at``."""
        doc = await self._moves.find_one(
            {"seq_key": sequence_key(branch, product_id), "at": {"$lt": at}},
            sort=[("at", DESCENDING)],
            projection=["seq", "at", "level"],
        )
        return level_of(doc) if doc else Level()

    async def returned(self, payment_id: str, product_id: str) -> int:
        """Goods of ``product_id`` returned so far with refunds of the sale ``payment_id``."""
        cap = await self._cap_head(return_key(payment_id, product_id))
        return int(cap["cap_total"]) if cap else 0

    async def by_ref(self, ref: str) -> list[StockMovement]:
        """The movements an operation or a ledger transaction caused, in order."""
        cursor = self._moves.find({"ref": ref}).sort([("at", ASCENDING), ("_id", ASCENDING)])
        return [StockMovement.from_document(doc) async for doc in cursor]

    async def page(
        self, where: MovementFilter, *, skip: int = 0, limit: int = 50
    ) -> tuple[list[StockMovement], int]:
        query = where.query()
        total = await count_matching(self._moves, query)
        cursor = (
            self._moves.find(query).sort([("at", DESCENDING), ("_id", ASCENDING)]).skip(skip).limit(limit)
        )
        return [StockMovement.from_document(doc) async for doc in cursor], total

    async def iterate(self, where: MovementFilter, *, page: int = PAGE_ROWS) -> AsyncIterator[StockMovement]:
        """Matching movements, oldest first, a page at a time (exports, the reconciler)."""
        async for doc in keyed_pages(self._moves, where.query(), ("at", "_id"), page=page):
            yield StockMovement.from_document(doc)

    async def watermark(self) -> int | None:
        """Where the reconciler's next run starts (epoch ms); None before its first."""
        doc = await self._state.find_one({"_id": _WATERMARK})
        return int(doc["at"]) if doc else None

    async def set_watermark(self, at: int) -> None:
        await self._state.replace_one({"_id": _WATERMARK}, {"at": at}, upsert=True)


_WATERMARK = "reconciled_until"


def return_key(payment_id: str, product_id: str) -> str:
    return f"{payment_id}:{product_id}"
