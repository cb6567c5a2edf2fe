"""``edge_agent.outbox``: every unacknowledged entry goes out once per connection, in order, and a PC with
more unacknowledged entries than a batch waits for the hub instead of reading its journal again and again
(found by the soak: agents at a third of a core each while the hub was away)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import aiomqtt
import pytest

from edge_agent.journal import Journal, JournalEntry
from edge_agent.outbox import BATCH, Outbox
from protocol import Event, decode


class CountingJournal(Journal):
    reads = 0

    def pending(self, limit: int = 500, *, after: int = 0) -> list[JournalEntry]:
        self.reads += 1
        return super().pending(limit, after=after)


class Broker:
    """The client's port: what the outbox publishes."""

    def __init__(self) -> None:
        self.seqs: list[int] = []

    async def publish(self, topic: str, payload: bytes, qos: int = 0, **_: Any) -> None:
        self.seqs.append(decode(payload, Event).seq)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[CountingJournal]:
    journal = CountingJournal.open(tmp_path / "journal.db")
    assert isinstance(journal, CountingJournal)
    with journal:
        yield journal


async def test_more_than_a_batch_unacknowledged_goes_out_once_and_then_waits(
    journal: CountingJournal,
) -> None:
    for i in range(BATCH + 50):
        journal.append("tick", {"i": i}, 1_000 + i)
    broker = Broker()
    outbox = Outbox(journal)
    running = asyncio.create_task(outbox.run(cast(aiomqtt.Client, broker), "events"))
    try:
        await asyncio.sleep(0.5)  # the hub says nothing: no acknowledgement comes
        assert broker.seqs == list(range(1, BATCH + 51))
        # A batch, the rest, and one read that found nothing more: then it waits (before, it read the same
        # full batch again on every turn of the loop, thousands of times in half a second).
        assert journal.reads <= 4
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
