"""Long listings read in key-ordered pages (``hub.store.keyset``) on the real store: every row once, in the
order one long cursor gives, whatever the page size and however many rows share a timestamp across a page
boundary; a passing store error re-reads its page; and the pages that resume are served by an index."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from functools import partial
from typing import Any

import pytest
from pymongo.errors import AutoReconnect, OperationFailure

from hub.store import CommandRecord, MemberRecord, SessionRecord, Store, VoucherRecord, open_store
from hub.store.commands import CommandState
from hub.store.keyset import keyed_pages
from hub.store.ledger import HistoryFilter
from hub.store.sessions import SessionState
from icafe.stack import LocalStack
from protocol import SessionKind

from .test_store_plans import MEMBER, Recorder, drain, filters, scans, tx

PAGES = (1, 2, 3, 5, 8, 500)


def shuffled_ids(rng: random.Random, count: int) -> list[str]:
    ids = [uuid.UUID(int=rng.getrandbits(128)).hex[:12] for _ in range(count)]
    rng.shuffle(ids)
    return ids


async def one_cursor(collection: Any, query: dict[str, Any], keys: tuple[str, ...]) -> list[Any]:
    """What a single cursor reads: the order the pages must reproduce."""
    return [doc["_id"] async for doc in collection.find(query).sort([(key, 1) for key in keys])]


async def test_pages_resume_exactly_across_equal_timestamps(store: Store) -> None:
    """40 sessions on 6 distinct times (runs of equal times longer than a page), inserted in random order:
    each page size gives the sessions, by pc or all, exactly as one cursor sorted by (created_at, _id)."""
    rng = random.Random(13)
    for i, session_id in enumerate(shuffled_ids(rng, 40)):
        await store.sessions.insert(
            SessionRecord(
                id=session_id,
                pc_id="pc-a" if i % 3 else "pc-b",
                kind=SessionKind.POSTPAID,
                state=SessionState.ENDED,
                created_at=1_000 + rng.choice([0, 0, 0, 1, 5, 5, 5, 5, 9, 12, 12]),
                tariff_id="t",
            )
        )
    sessions = store.db["sessions"]
    for listed in ({}, {"pc_id": "pc-a"}):
        expected = await one_cursor(sessions, listed, ("created_at", "_id"))
        assert len(expected) == (40 if not listed else 26)
        for page in PAGES:
            got = [s.id for s in await drain(store.sessions.iterate(filters=listed, page=page))]
            assert got == expected, (listed, page)


async def test_pages_narrow_the_listings_own_range(store: Store) -> None:
    """The resume condition merges into the listing's filter on the same field (a period of time)."""
    rng = random.Random(7)
    probe = store.db["keyset_probe"]
    await probe.insert_many(
        [
            {"_id": doc_id, "kind": "sale" if i % 4 else "return", "at": rng.choice([2, 3, 3, 3, 4, 6, 6, 7])}
            for i, doc_id in enumerate(shuffled_ids(rng, 30))
        ]
    )
    for query in ({}, {"kind": "sale", "at": {"$gte": 3, "$lt": 7}}):
        expected = await one_cursor(probe, query, ("at", "_id"))
        for page in PAGES:
            got = [d["_id"] async for d in keyed_pages(probe, query, ("at", "_id"), page=page)]
            assert got == expected, (query, page)

    # A document without its key cannot be resumed after (nx-27017 matches null unlike MongoDB): the
    # listing fails saying so rather than lose rows.
    await probe.insert_one({"_id": "no-time", "kind": "sale"})
    with pytest.raises(ValueError, match="without its key"):
        await drain(keyed_pages(probe, {}, ("at", "_id"), page=1))


def audit_entry(seq: int, prev: str, *, at: int) -> dict[str, Any]:
    return {"seq": seq, "hash": prev, "at": at}


class Flaky:
    """The collection, whose reads listed in ``fail`` (by their number, from 0) raise ``error`` first."""

    def __init__(self, collection: Any, fail: set[int], error: Exception) -> None:
        self._collection, self._fail, self._error, self.reads = collection, fail, error, 0

    def find(self, query: Any) -> Any:
        self.reads += 1
        if self.reads - 1 in self._fail:
            raise self._error
        return self._collection.find(query)


async def test_a_page_that_meets_a_passing_store_error_is_read_again(store: Store) -> None:
    probe = store.db["keyset_retry"]
    await probe.insert_many([{"_id": f"r{i:02d}", "at": i // 2} for i in range(10)])
    expected = [f"r{i:02d}" for i in range(10)]

    async def read(collection: Any) -> list[str]:
        pages: AsyncIterator[dict[str, Any]] = keyed_pages(
            collection, {}, ("at", "_id"), page=3, pauses=(0, 0)
        )
        return [d["_id"] async for d in pages]

    lost = AutoReconnect("connection reset")
    flaky = Flaky(probe, {1, 3, 4}, lost)  # the second page once, the third twice
    assert await read(flaky) == expected
    assert flaky.reads == 5 + 3  # five pages (two of them a tie's rest) and the three failures

    with pytest.raises(AutoReconnect):  # failing on every try: the job fails (as retryable)
        await read(Flaky(probe, {1, 2, 3}, lost))
    refused = Flaky(probe, {1}, OperationFailure("bad query", code=2))
    with pytest.raises(OperationFailure):  # not a passing error: not tried again
        await read(refused)
    assert refused.reads == 2


async def test_resuming_pages_are_served_by_an_index(stack: LocalStack) -> None:
    """Distinct times (no tie straddles a page): every page an export reads, the first and the resuming
    ones, is answered from an index, the store's plan says, for the listings that grow without bound."""
    recorder = Recorder()
    opened = await open_store(stack.mongo_url, f"icafe_pages_{uuid.uuid4().hex[:8]}", listeners=[recorder])
    try:
        for i in range(5):
            at = 1_000 + i
            await opened.sessions.insert(
                SessionRecord(
                    id=f"s{i}",
                    pc_id="pc-1",
                    kind=SessionKind.POSTPAID,
                    state=SessionState.ENDED,
                    created_at=at,
                    tariff_id="t",
                )
            )
            await opened.commands.insert(
                CommandRecord(f"c{i}", "pc-1", "lock", None, "admin", at, at + 1, CommandState.SENT)
            )
            await opened.vouchers.create(VoucherRecord(f"v{i}", f"h{i}", "ABCD", "main", 1, at, f"p{i}"))
            await opened.members.create(MemberRecord(f"m{i}", f"login{i}", "N", "h", at))
            await opened.audit.append([partial(audit_entry, at=at)])
            await opened.ledger.post(replace(tx(f"l{i}", MEMBER), at=at), enforce=False)
        listings: dict[str, Callable[[], Awaitable[list[Any]]]] = {
            "payments": lambda: drain(
                opened.ledger.iterate(HistoryFilter(kinds=("payment", "refund")), page=2)
            ),
            "sessions": lambda: drain(opened.sessions.iterate(filters={"pc_id": "pc-1"}, page=2)),
            "all sessions": lambda: drain(opened.sessions.iterate(filters={}, page=2)),
            "commands": lambda: drain(opened.commands.iterate(page=2)),
            "vouchers": lambda: drain(opened.vouchers.iterate(page=2)),
            "members": lambda: drain(opened.members.iterate(page=2)),
            "audit": lambda: drain(opened.audit.iterate(page=2)),
        }
        scanned: list[str] = []
        for label, listing in listings.items():
            del recorder.commands[:]
            assert len(await listing()) == 5
            reads = [read for name, command in recorder.commands for read in filters(name, command)]
            assert len(reads) == 3, (label, reads)  # pages of 2, 2 and 1
            for collection, where in reads[1:]:  # an unfiltered listing's first page reads from the start
                plan = await opened.db.command({"explain": {"find": collection, "filter": where}})
                if scans(plan, collection):
                    scanned.append(f"{label}: {where}")
        assert not scanned, scanned
    finally:
        await opened.client.drop_database(opened.db.name)
        await opened.close()
