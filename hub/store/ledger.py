"""The append-only ledger: one document per transaction (a payment, a refund, a session charge, an
adjustment), holding its balanced lines and what caused it. Documents are inserted, never updated.

Concurrency without transactions (the embedded store has none; MongoDB needs none for this): every
invariant is a *sequence* that one single-document insert extends. A transaction that spends from a
member's balance or a voucher claims the next number of that account's spend sequence; a refund claims the
next number of its payment's refund sequence (a capped sequence: the refunds' sum stays within what was
paid); a receipt claims the next number of its branch's receipt sequence. Each claim is a unique field
(``<sequence>#<n>``), so two inserts racing for the same number cannot both succeed. The reads that
decide whether a transaction is allowed (the head of each sequence first, then the balance) happen
before the insert; if the insert succeeds, nothing else was inserted into
those sequences in between, so the balance it was checked against is still the balance. A loser re-reads
and tries again. Receipt numbers come out without gaps because a number exists only once its
transaction does.

The idempotency key is one more unique field: a retried request finds the first transaction and moves no
money twice.
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
    AccountKind,
    Posting,
    balance_of,
    branch_account,
    check_cap,
    check_spend,
    member_account,
    transfer,
)
from hub.errors import HubError

Document = dict[str, Any]

MAX_ATTEMPTS = 400
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

    async def create_indexes(self) -> None:
        for field in ("idem", "spend_claim", "cap_claim", "receipt_claim"):
            await self._tx.create_index([(field, ASCENDING)], unique=True)
        await self._tx.create_index([("spend_account", ASCENDING), ("spend_seq", DESCENDING)])
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
    ) -> PostResult:
        """Insert ``document`` (which must carry ``_id`` and ``idem``) with ``posting``'s lines, once.

        Raises :class:`billing.ledger.InsufficientFunds` or :class:`billing.ledger.CapExceeded` when the
        posting would break an invariant; nothing is written then."""
        spends = posting.guarded_spends()
        for attempt in range(MAX_ATTEMPTS):
            first = await self.by_key(document["idem"])
            if first is not None:
                return PostResult(first, created=False)
            claims = await self._claims(document["_id"], spends, cap, receipt_branch)
            try:
                await self._tx.insert_one({**document, **claims, "lines": posting.to_documents()})
            except DuplicateKeyError:
                # Lost a race for a sequence number, or the same key was posted meanwhile: look again.
                await asyncio.sleep(random.uniform(0, min(0.05, 0.002 * (attempt + 1))))
                continue
            return PostResult({**document, **claims, "lines": posting.to_documents()}, created=True)
        raise LedgerBusy(f"ledger busy: gave up after {MAX_ATTEMPTS} attempts; retry with the same key")

    async def _claims(
        self, tx_id: str, spends: dict[str, int], cap: CapClaim | None, receipt_branch: str | None
    ) -> Document:
        # Heads first, balances after: see the module's docstring for why this order is safe.
        unclaimed = f"{_UNCLAIMED}{tx_id}"
        claims: Document = {"spend_claim": unclaimed, "cap_claim": unclaimed, "receipt_claim": unclaimed}
        spend = next(iter(spends.items()), None)
        if spend is not None:
            account, amount = spend
            seq = await self._head("spend_account", account, "spend_seq") + 1
        if cap is not None:
            cap_seq = await self._head("cap_key", cap.key, "cap_seq") + 1
        if receipt_branch is not None:
            receipt_no = await self._head("receipt_branch", receipt_branch, "receipt_no") + 1
            claims |= {
                "receipt_claim": f"{receipt_branch}#{receipt_no}",
                "receipt_branch": receipt_branch,
                "receipt_no": receipt_no,
            }
        if spend is not None:
            balance = await self.balance(account)
            check_spend(account, balance, amount)
            claims |= {
                "spend_claim": f"{account}#{seq}",
                "spend_account": account,
                "spend_seq": seq,
                "spend_balance_after": balance - amount,
            }
        if cap is not None:
            check_cap(cap.limit, await self.capped_sum(cap.key), cap.amount)
            claims |= {"cap_claim": f"{cap.key}#{cap_seq}", "cap_key": cap.key, "cap_seq": cap_seq}
        return claims

    async def _head(self, field: str, value: str, seq_field: str) -> int:
        doc = await self._tx.find_one(
            {field: value}, sort=[(seq_field, DESCENDING)], projection={seq_field: 1}
        )
        return int(doc[seq_field]) if doc else 0

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
        return balance_of(account, await self.line_sum(account))

    async def balances(self, accounts: list[str]) -> dict[str, int]:
        values = await asyncio.gather(*(self.balance(account) for account in accounts))
        return dict(zip(accounts, values, strict=True))

    async def capped_sum(self, key: str) -> int:
        pipeline: list[Document] = [
            {"$match": {"cap_key": key}},
            {"$group": {"_id": None, "sum": {"$sum": "$amount"}}},
        ]
        docs = [doc async for doc in await self._tx.aggregate(pipeline)]
        return int(docs[0]["sum"]) if docs else 0

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
        return [doc async for doc in self._tx.find(where.query()).sort("at", ASCENDING)]

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
        """Insert documents that carry no claim (imports of opening balances); returns how many were new."""
        inserted = 0
        for doc in documents:
            unclaimed = f"{_UNCLAIMED}{doc['_id']}"
            row = {
                **doc,
                "spend_claim": unclaimed,
                "cap_claim": unclaimed,
                "receipt_claim": unclaimed,
                "lines": posting_of(doc).to_documents(),
            }
            try:
                await self._tx.insert_one(row)
            except DuplicateKeyError:
                continue
            inserted += 1
        return inserted


async def import_legacy_balances(entries: AsyncCollection[Document], ledger: LedgerRepository) -> int:
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
            "direction": "credit" if int(entry["amount"]) > 0 else "debit",
            "branch": "legacy",
            "member_id": entry["member_id"],
            "reason": f"imported balance entry ({entry.get('reason', '')})",
            "at": int(entry.get("at", 0)),
        }
        async for entry in entries.find({"amount": {"$ne": 0}})
    ]
    return await ledger.import_once(documents, posting_of) if documents else 0
