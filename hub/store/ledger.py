"""The append-only ledger: one document per transaction (a payment, a refund, a session charge, an
adjustment), holding its balanced lines and what caused it. Documents are inserted, never updated.

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
first, so they do not race at all (replicas still race, safely). Receipt numbers have no gaps because a
number exists only once its transaction does. The idempotency key is one more unique field: a retried
request finds the first transaction and moves no money twice.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from billing.ledger import (
    GUARDED,
    AccountKind,
    Posting,
    balance_of,
    branch_account,
    check_cap,
    check_spend,
    kind_of,
    member_account,
    transfer,
)
from hub.errors import HubError
from hub.store.locks import KeyedLocks

Document = dict[str, Any]

MAX_ATTEMPTS = 400
# One sequence slot per guarded account kind: a posting touches at most one account of each.
GUARDED_SLOTS = tuple(sorted(kind.value for kind in GUARDED))
_HEAD_FIELDS = [f"{slot}_{part}" for slot in GUARDED_SLOTS for part in ("seq", "after")] + [
    "cap_seq",
    "cap_total",
    "receipt_no",
]
_UNCLAIMED = "-"  # prefix of a claim field that claims nothing (the fields are unique, so never empty)


class LedgerBusy(HubError):
    """Too many concurrent writers on one sequence; the caller may retry with the same key."""


@dataclass(frozen=True)
class PostResult:
    document: Document
    created: bool  # False: the idempotency key was already posted; ``document`` is the first result


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

    def query(self) -> Document:
        query: Document = {}
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


class LedgerRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._tx = collection
        self._locks = KeyedLocks()

    async def create_indexes(self) -> None:
        claims = [f"{kind}_claim" for kind in GUARDED_SLOTS] + ["cap_claim", "receipt_claim"]
        for field in ("idem", *claims):
            await self._tx.create_index([(field, ASCENDING)], unique=True)
        for kind in GUARDED_SLOTS:
            await self._tx.create_index([(f"{kind}_account", ASCENDING), (f"{kind}_seq", DESCENDING)])
        await self._tx.create_index([("cap_key", ASCENDING), ("cap_seq", DESCENDING)])
        await self._tx.create_index([("receipt_branch", ASCENDING), ("receipt_no", DESCENDING)])
        await self._tx.create_index([("lines.account", ASCENDING)])
        await self._tx.create_index([("branch", ASCENDING), ("at", DESCENDING)])
        for field in ("member_id", "shift_id", "session_id", "refund_of"):
            await self._tx.create_index([(field, ASCENDING)])

    # ---- writing ------------------------------------------------------------------------------------

    async def post(
        self,
        document: Document,
        posting: Posting,
        *,
        receipt_branch: str | None = None,
        cap: CapClaim | None = None,
        enforce: bool = True,
    ) -> PostResult:
        """Insert ``document`` (which must carry ``_id`` and ``idem``) with ``posting``'s lines, once.

        Raises :class:`billing.ledger.InsufficientFunds` or :class:`billing.ledger.CapExceeded` when the
        posting would break an invariant; nothing is written then. ``enforce=False`` only for importing
        history that was already accepted elsewhere."""
        changes = posting.guarded_changes()
        sequences = sorted(
            [
                *changes,
                *([f"cap:{cap.key}"] if cap else []),
                *([f"receipt:{receipt_branch}"] if receipt_branch else []),
            ]
        )
        async with self._locks.hold(sequences):
            for attempt in range(MAX_ATTEMPTS):
                first = await self.by_key(document["idem"])
                if first is not None:
                    return PostResult(first, created=False)
                claims = await self._claims(document["_id"], changes, cap, receipt_branch, enforce=enforce)
                row = {**document, **claims, "lines": posting.to_documents()}
                try:
                    await self._tx.insert_one(row)
                except DuplicateKeyError:
                    # Another replica took a number, or the same key was posted meanwhile: look again.
                    await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))
                    continue
                return PostResult(row, created=True)
        raise LedgerBusy(f"ledger busy: gave up after {MAX_ATTEMPTS} attempts; retry with the same key")

    async def _claims(
        self,
        tx_id: str,
        changes: dict[str, int],
        cap: CapClaim | None,
        receipt_branch: str | None,
        *,
        enforce: bool,
    ) -> Document:
        unclaimed = f"{_UNCLAIMED}{tx_id}"
        claims: Document = {f"{kind}_claim": unclaimed for kind in GUARDED_SLOTS}
        claims |= {"cap_claim": unclaimed, "receipt_claim": unclaimed}
        for account, change in changes.items():
            slot = kind_of(account).value
            head = await self._head(f"{slot}_account", account, f"{slot}_seq")
            before = int(head[f"{slot}_after"]) if head else 0
            if enforce and change < 0:
                check_spend(account, before, -change)
            seq = int(head[f"{slot}_seq"]) + 1 if head else 1
            claims |= {
                f"{slot}_claim": f"{account}#{seq}",
                f"{slot}_account": account,
                f"{slot}_seq": seq,
                f"{slot}_after": before + change,
            }
        if cap is not None:
            head = await self._head("cap_key", cap.key, "cap_seq")
            used = int(head["cap_total"]) if head else 0
            check_cap(cap.limit, used, cap.amount)
            seq = int(head["cap_seq"]) + 1 if head else 1
            claims |= {
                "cap_claim": f"{cap.key}#{seq}",
                "cap_key": cap.key,
                "cap_seq": seq,
                "cap_total": used + cap.amount,
            }
        if receipt_branch is not None:
            head = await self._head("receipt_branch", receipt_branch, "receipt_no")
            number = int(head["receipt_no"]) + 1 if head else 1
            claims |= {
                "receipt_claim": f"{receipt_branch}#{number}",
                "receipt_branch": receipt_branch,
                "receipt_no": number,
            }
        return claims

    async def _head(self, field: str, value: str, seq_field: str) -> Document | None:
        """The newest transaction of a sequence: only its sequence fields, not its lines."""
        return await self._tx.find_one(
            {field: value}, sort=[(seq_field, DESCENDING)], projection=_HEAD_FIELDS
        )

    # ---- reading ------------------------------------------------------------------------------------

    async def by_key(self, idem: str) -> Document | None:
        return await self._tx.find_one({"idem": idem})

    async def get(self, tx_id: str) -> Document | None:
        return await self._tx.find_one({"_id": tx_id})

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
            head = await self._head(f"{kind.value}_account", account, f"{kind.value}_seq")
            return int(head[f"{kind.value}_after"]) if head else 0
        return balance_of(account, await self.line_sum(account))

    async def balances(self, accounts: list[str]) -> dict[str, int]:
        values = await asyncio.gather(*(self.balance(account) for account in accounts))
        return dict(zip(accounts, values, strict=True))

    async def capped_sum(self, key: str) -> int:
        head = await self._head("cap_key", key, "cap_seq")
        return int(head["cap_total"]) if head else 0

    async def refunds_of(self, payment_id: str) -> list[Document]:
        return [doc async for doc in self._tx.find({"refund_of": payment_id}).sort("at", ASCENDING)]

    async def page(
        self, where: HistoryFilter, *, skip: int = 0, limit: int = 50
    ) -> tuple[list[Document], int]:
        query = where.query()
        total = await self._tx.count_documents(query)
        cursor = self._tx.find(query).sort([("at", DESCENDING), ("_id", ASCENDING)]).skip(skip).limit(limit)
        return [doc async for doc in cursor], total

    async def find(self, where: HistoryFilter) -> list[Document]:
        return [doc async for doc in self.iterate(where)]

    async def iterate(self, where: HistoryFilter) -> AsyncIterator[Document]:
        """Matching transactions, oldest first, streamed (exports of any size)."""
        async for doc in self._tx.find(where.query()).sort([("at", ASCENDING), ("_id", ASCENDING)]):
            yield doc

    async def account_entries(self, account: str, *, limit: int = 100) -> list[Document]:
        # $elemMatch: the embedded store misses a plain match on a path inside an array of documents.
        cursor = (
            self._tx.find({"lines": {"$elemMatch": {"account": account}}}).sort("at", DESCENDING).limit(limit)
        )
        return [doc async for doc in cursor]

    async def scan(self) -> AsyncIterator[Document]:
        """Every transaction, for ``icafe ledger verify``."""
        async for doc in self._tx.find({}).sort("at", ASCENDING):
            yield doc

    async def import_once(self, documents: list[Document], posting_of: Callable[[Document], Posting]) -> int:
        """Post history accepted elsewhere (opening balances), once each, in order; returns how many were
        new. Not checked against balances: it already happened."""
        inserted = 0
        for doc in documents:
            result = await self.post(doc, posting_of(doc), enforce=False)
            inserted += result.created
        return inserted


async def import_legacy_balances(
    entries: AsyncCollection[Document], ledger: LedgerRepository, currency: str
) -> int:
    """Data from before the ledger kept member balances as signed entries; bring each into the ledger
    once, against the adjustments account, so a store upgraded in place keeps every balance."""
    adjustments = branch_account(AccountKind.ADJUSTMENTS, "legacy")

    def posting_of(doc: Document) -> Posting:
        member, amount = member_account(doc["member_id"]), int(doc["amount"])
        return (
            transfer(adjustments, member, amount)
            if doc["direction"] == "credit"
            else transfer(member, adjustments, amount)
        )

    documents = [
        {
            "_id": f"legacy:{entry['_id']}",
            "idem": f"legacy:{entry['_id']}",
            "kind": "adjustment",
            "purpose": "import",
            "amount": abs(int(entry["amount"])),
            "currency": currency,
            "direction": "credit" if int(entry["amount"]) > 0 else "debit",
            "branch": "legacy",
            "member_id": entry["member_id"],
            "reason": f"imported balance entry ({entry.get('reason', '')})",
            "at": int(entry.get("at", 0)),
        }
        async for entry in entries.find({"amount": {"$ne": 0}}).sort(
            [("at", ASCENDING), ("amount", DESCENDING)]
        )
    ]
    return await ledger.import_once(documents, posting_of) if documents else 0
