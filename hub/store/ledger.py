"""The append-only ledger: one document per transaction (a payment, a refund, a session charge, an
adjustment), holding its balanced lines and what caused it (``hub.store.transactions``). Documents are
inserted, never updated.

Concurrency without transactions (the embedded store has none; MongoDB needs none for this): every
invariant is a *sequence* that one single-document insert extends, and each claim of a sequence number is
a unique field (``<sequence>#<n>``), so two inserts racing for the same number cannot both succeed.

- Every transaction that touches a member's balance or a voucher claims the next number of that account's
  sequence and records the balance after it (``member_after``): the balance is the head of the sequence,
  one indexed read, and a spend is checked against exactly the balance it follows.
- A refund claims the next number of its payment's refund sequence, which carries the running total (a
  capped sequence: the refunds never exceed what was paid; a postpaid session's payments never exceed its
  cost).
- A payment or refund claims the next receipt number of its branch.

The reads that decide whether a transaction is allowed are the heads of its sequences; if the insert
succeeds, nothing else entered those sequences meanwhile, so what it was checked against still holds. A
loser re-reads and tries again; within one hub process, writers of the same sequence queue on a lock
first, so they do not race at all (replicas still race, safely), and the heads this process wrote last are
remembered (:class:`HeadCache`): a post reads a sequence's head only when it has not written it itself, so
a payment's section under the lock is its one insert. A remembered head is never ahead of the store (it is
kept only once its insert succeeded); if another replica extended the sequence since, the claim of the next
number collides on its unique field, and the head is read again. Receipt numbers have no gaps because a
number exists only once its transaction does. The idempotency key is one more unique field: a retried
request finds the first transaction and moves no money twice.

Each head read filters on its sequence's key alone, which has an index of its own: the embedded store
uses an index only for a field that has one of its own, and scans the whole ledger otherwise
(``tests/integration/test_store_plans.py`` holds every query to an index).
"""

from __future__ import annotations

import asyncio
import random
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, replace
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from billing.ledger import (
    GUARDED,
    AccountKind,
    LedgerError,
    balance_of,
    branch_account,
    check_cap,
    check_spend,
    kind_of,
    member_account,
    transfer,
)
from hub.errors import HubError
from hub.store.counting import count_matching
from hub.store.keyset import PAGE_ROWS, keyed_pages
from hub.store.locks import KeyedLocks
from hub.store.transactions import (
    SLOT_FIELDS,
    LedgerTransaction,
    Position,
    Slot,
    TxKind,
    position_fields,
    positions_of,
)

Document = dict[str, Any]

MAX_ATTEMPTS = 400
HEADS_KEPT = 20_000  # sequences whose head a process remembers (members, vouchers, caps, branches)
_UNCLAIMED = "-"  # prefix of a claim field that claims nothing (the fields are unique, so never empty)


def _claim_field(slot: Slot) -> str:
    return f"{slot.value}_claim"


class LedgerBusy(HubError):
    """Too many concurrent writers on one sequence; the caller may retry with the same key."""


@dataclass(frozen=True)
class PostResult:
    transaction: LedgerTransaction
    created: bool  # False: the idempotency key was already posted; ``transaction`` is the first one


@dataclass(frozen=True)
class CapClaim:
    """A capped sequence: the amounts of the transactions in ``key`` never sum above ``limit`` (the
    refunds of a payment never exceed what it took; the payments of a session never exceed its cost)."""

    key: str
    limit: int
    amount: int  # this transaction's share


@dataclass(frozen=True)
class HistoryFilter:
    branch: str | None = None
    kind: str | None = None
    method: str | None = None
    purpose: str | None = None
    staff: str | None = None
    member_id: str | None = None
    shift_id: str | None = None
    session_id: str | None = None
    since: int | None = None
    until: int | None = None
    kinds: tuple[str, ...] | None = None  # when ``kind`` is not given
    moving_goods: bool = False  # only transactions that move goods in or out of stock

    def query(self) -> Document:
        query: Document = {}
        if self.moving_goods:
            query["stock"] = {"$exists": True}  # stored only when it lists goods
        if self.kind is None and self.kinds is not None:
            query["kind"] = {"$in": list(self.kinds)}
        for name in ("branch", "kind", "method", "purpose", "staff", "member_id", "shift_id", "session_id"):
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


class HeadCache:
    """The heads of the sequences this process extended last, the least recently used forgotten first.

    Read and written only under the sequences' locks (``LedgerRepository.post``)."""

    def __init__(self, size: int = HEADS_KEPT) -> None:
        self._size = size
        self._heads: OrderedDict[tuple[Slot, str], Position] = OrderedDict()

    def get(self, slot: Slot, key: str) -> Position | None:
        head = self._heads.get((slot, key))
        if head is not None:
            self._heads.move_to_end((slot, key))
        return head

    def keep(self, positions: dict[Slot, Position]) -> None:
        for slot, position in positions.items():
            self._heads[(slot, position.key)] = position
            self._heads.move_to_end((slot, position.key))
        while len(self._heads) > self._size:
            self._heads.popitem(last=False)

    def knows(self, sequences: Iterable[tuple[Slot, str]]) -> bool:
        return any(sequence in self._heads for sequence in sequences)

    def forget(self, sequences: Iterable[tuple[Slot, str]]) -> None:
        for sequence in sequences:
            self._heads.pop(sequence, None)

    def __len__(self) -> int:
        return len(self._heads)


class LedgerRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._tx = collection
        self._locks = KeyedLocks()
        self._heads = HeadCache()

    async def create_indexes(self) -> None:
        for field in ("idem", *(_claim_field(slot) for slot in Slot)):
            await self._tx.create_index([(field, ASCENDING)], unique=True)
        for key, number, _ in SLOT_FIELDS.values():
            # The head read filters on the key alone and sorts on the number: an index of the key's own
            # (see the module's notes), and the pair for a server that can walk it to the head.
            await self._tx.create_index([(key, ASCENDING)])
            await self._tx.create_index([(key, ASCENDING), (number, DESCENDING)])
        await self._tx.create_index([("lines.account", ASCENDING)])
        await self._tx.create_index([("branch", ASCENDING), ("at", DESCENDING)])
        for field in ("branch", "at", "staff", "member_id", "shift_id", "session_id", "refund_of"):
            await self._tx.create_index([(field, ASCENDING)])

    # ---- writing ------------------------------------------------------------------------------------

    async def post(
        self,
        tx: LedgerTransaction,
        *,
        receipt_branch: str | None = None,
        cap: CapClaim | None = None,
        enforce: bool = True,
        key_checked: bool = False,
    ) -> PostResult:
        """Insert ``tx`` with its place in each sequence it extends, once per idempotency key.

        Raises :class:`billing.ledger.InsufficientFunds` or :class:`billing.ledger.CapExceeded` when the
        posting would break an invariant; nothing is written then. ``enforce=False`` only for importing
        history that was already accepted elsewhere. ``key_checked``: the first attempt does not read
        ``tx.idem`` (the caller has just looked it up, or leaves it to this; one round trip less per
        payment): a transaction already under it is caught by the key's unique index on insert, or, when
        its posting is what makes this one break a rule, by the look at the key before refusing."""
        changes = tx.posting.guarded_changes()
        sequences = _sequences_of(changes, cap, receipt_branch)
        async with self._locks.hold(f"{slot.value}:{key}" for slot, key in sequences):
            for attempt in range(MAX_ATTEMPTS):
                if attempt or not key_checked:
                    first = await self.by_key(tx.idem)
                    if first is not None:
                        return PostResult(first, created=False)
                try:
                    positions = await self._positions(
                        changes, cap, receipt_branch, enforce=enforce, remembered=not attempt
                    )
                except LedgerError:
                    if not attempt and self._heads.knows(sequences):
                        # Judged on remembered heads, which another replica may have moved: read them.
                        self._heads.forget(sequences)
                        continue
                    # A copy of this request posted meanwhile (its spend is what breaks the rule) gets the
                    # first answer, not a refusal.
                    first = await self.by_key(tx.idem)
                    if first is not None:
                        return PostResult(first, created=False)
                    raise
                try:
                    await self._tx.insert_one(self._row(tx, positions))
                except DuplicateKeyError:
                    # Another replica took a number, or the same key was posted meanwhile: look again.
                    await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))
                    continue
                except BaseException:
                    # The insert may have been stored or not: read these heads again next time.
                    self._heads.forget(sequences)
                    raise
                self._heads.keep(positions)
                return PostResult(replace(tx, positions=positions), created=True)
        raise LedgerBusy(f"ledger busy: gave up after {MAX_ATTEMPTS} attempts; retry with the same key")

    @staticmethod
    def _row(tx: LedgerTransaction, positions: dict[Slot, Position]) -> Document:
        row = tx.to_document()
        for slot in Slot:
            position = positions.get(slot)
            claim = f"{position.key}#{position.number}" if position else f"{_UNCLAIMED}{tx.id}"
            row[_claim_field(slot)] = claim
            if position is not None:
                row |= position_fields(slot, position)
        return row

    async def _positions(
        self,
        changes: dict[str, int],
        cap: CapClaim | None,
        receipt_branch: str | None,
        *,
        enforce: bool,
        remembered: bool,
    ) -> dict[Slot, Position]:
        """The next position in each sequence, from the heads this process remembers when ``remembered``
        (a first attempt), else from the store."""

        async def head_of(slot: Slot, key: str) -> Position | None:
            known = self._heads.get(slot, key) if remembered else None
            return known if known is not None else await self._head(slot, key)

        positions: dict[Slot, Position] = {}
        for account, change in changes.items():
            slot = Slot(kind_of(account).value)
            head = await head_of(slot, account)
            before = _running(head)
            if enforce and change < 0:
                check_spend(account, before, -change)
            positions[slot] = Position(account, _next(head), before + change)
        if cap is not None:
            head = await head_of(Slot.CAP, cap.key)
            used = _running(head)
            check_cap(cap.limit, used, cap.amount)
            positions[Slot.CAP] = Position(cap.key, _next(head), used + cap.amount)
        if receipt_branch is not None:
            head = await head_of(Slot.RECEIPT, receipt_branch)
            positions[Slot.RECEIPT] = Position(receipt_branch, _next(head))
        return positions

    async def _head(self, slot: Slot, key: str) -> Position | None:
        """The newest position in a sequence: only the sequence's fields, not the transaction."""
        key_field, number, running = SLOT_FIELDS[slot]
        fields = [key_field, number] + ([running] if running else [])
        doc = await self._tx.find_one({key_field: key}, sort=[(number, DESCENDING)], projection=fields)
        return positions_of(doc).get(slot) if doc else None

    # ---- reading ------------------------------------------------------------------------------------

    async def by_key(self, idem: str) -> LedgerTransaction | None:
        doc = await self._tx.find_one({"idem": idem})
        return LedgerTransaction.from_document(doc) if doc else None

    async def get(self, tx_id: str) -> LedgerTransaction | None:
        doc = await self._tx.find_one({"_id": tx_id})
        return LedgerTransaction.from_document(doc) if doc else None

    async def line_sum(self, account: str) -> int:
        # Match then project before grouping: the embedded store cannot group on a path inside an array.
        pipeline: list[Document] = [
            {"$match": {"lines.account": account}},
            {"$unwind": "$lines"},
            {"$project": {"account": "$lines.account", "amount": "$lines.amount"}},
            {"$match": {"account": account}},
            {"$group": {"_id": None, "sum": {"$sum": "$amount"}}},
        ]
        docs = [doc async for doc in await self._tx.aggregate(pipeline)]
        return int(docs[0]["sum"]) if docs else 0

    async def balance(self, account: str) -> int:
        """A member's or voucher's balance is the head of its sequence; any other account's is summed."""
        kind = kind_of(account)
        if kind in GUARDED:
            head = await self._head(Slot(kind.value), account)
            return _running(head)
        return balance_of(account, await self.line_sum(account))

    async def balances(self, accounts: list[str]) -> dict[str, int]:
        values = await asyncio.gather(*(self.balance(account) for account in accounts))
        return dict(zip(accounts, values, strict=True))

    async def capped_sum(self, key: str) -> int:
        head = await self._head(Slot.CAP, key)
        return _running(head)

    async def refunds_of(self, payment_id: str) -> list[LedgerTransaction]:
        cursor = self._tx.find({"refund_of": payment_id}).sort("at", ASCENDING)
        return [LedgerTransaction.from_document(doc) async for doc in cursor]

    async def page(
        self, where: HistoryFilter, *, skip: int = 0, limit: int = 50
    ) -> tuple[list[LedgerTransaction], int]:
        query = where.query()
        total = await count_matching(self._tx, query)
        cursor = self._tx.find(query).sort([("at", DESCENDING), ("_id", ASCENDING)]).skip(skip).limit(limit)
        return [LedgerTransaction.from_document(doc) async for doc in cursor], total

    async def find(self, where: HistoryFilter) -> list[LedgerTransaction]:
        return [tx async for tx in self.iterate(where)]

    async def iterate(
        self, where: HistoryFilter, *, page: int = PAGE_ROWS
    ) -> AsyncIterator[LedgerTransaction]:
        """Matching transactions, oldest first, a page at a time (exports of any size)."""
        async for doc in keyed_pages(self._tx, where.query(), ("at", "_id"), page=page):
            yield LedgerTransaction.from_document(doc)

    async def account_entries(self, account: str, *, limit: int = 100) -> list[LedgerTransaction]:
        """A member's or voucher's transactions, newest first: its sequence, read from the head."""
        key, number, _ = SLOT_FIELDS[Slot(kind_of(account).value)]
        cursor = self._tx.find({key: account}).sort(number, DESCENDING).limit(limit)
        return [LedgerTransaction.from_document(doc) async for doc in cursor]

    async def scan(self) -> AsyncIterator[Document]:
        """Every transaction as stored, however damaged, for ``icafe ledger verify`` to judge."""
        async for doc in self._tx.find({}).sort("at", ASCENDING):
            yield doc

    async def import_once(self, transactions: list[LedgerTransaction]) -> int:
        """Post history accepted elsewhere (opening balances), once each, in order; returns how many were
        new. Not checked against balances: it already happened."""
        inserted = 0
        for tx in transactions:
            inserted += (await self.post(tx, enforce=False)).created
        return inserted


def _sequences_of(
    changes: dict[str, int], cap: CapClaim | None, receipt_branch: str | None
) -> list[tuple[Slot, str]]:
    sequences = [(Slot(kind_of(account).value), account) for account in changes]
    if cap is not None:
        sequences.append((Slot.CAP, cap.key))
    if receipt_branch is not None:
        sequences.append((Slot.RECEIPT, receipt_branch))
    return sequences


def _next(head: Position | None) -> int:
    return head.number + 1 if head else 1


def _running(head: Position | None) -> int:
    return head.running or 0 if head is not None else 0


async def import_legacy_balances(
    entries: AsyncCollection[Document], ledger: LedgerRepository, currency: str
) -> int:
    """Data from before the ledger kept member balances as signed entries; bring each into the ledger
    once, against the adjustments account, so a store upgraded in place keeps every balance."""
    adjustments = branch_account(AccountKind.ADJUSTMENTS, "legacy")

    def legacy(entry: Document) -> LedgerTransaction:
        member, amount = member_account(entry["member_id"]), int(entry["amount"])
        credit = amount > 0
        posting = transfer(adjustments, member, amount) if credit else transfer(member, adjustments, -amount)
        return LedgerTransaction(
            id=f"legacy:{entry['_id']}",
            idem=f"legacy:{entry['_id']}",
            kind=TxKind.ADJUSTMENT,
            purpose="import",
            amount=abs(amount),
            currency=currency,
            branch="legacy",
            at=int(entry.get("at", 0)),
            posting=posting,
            direction="credit" if credit else "debit",
            member_id=entry["member_id"],
            reason=f"imported balance entry ({entry.get('reason', '')})",
        )

    transactions = [
        legacy(entry)
        async for entry in entries.find({"amount": {"$ne": 0}}).sort(
            [("at", ASCENDING), ("amount", DESCENDING)]
        )
    ]
    return await ledger.import_once(transactions) if transactions else 0
