"""Publishing the journal: every entry goes out in order and is resent until the hub acknowledges it.

The hub acknowledges the contiguous prefix it holds; entries after a gap stay here and are resent, so a
lost message heals itself. Nothing leaves the journal before its acknowledgement.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiomqtt

from edge_agent.journal import Journal, JournalEntry, JournalError
from protocol import Event, EventsAck, encode

log = logging.getLogger(__name__)

RESEND_AFTER_S = 5.0
BATCH = 200


class Outbox:
    """Every journal read and write runs in a worker thread (SQLite blocks), never on the event loop."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self._wake = asyncio.Event()
        self._sent_up_to = 0
        self._last_progress = time.monotonic()

    def notify(self, entry: JournalEntry | None = None) -> None:
        """A new entry was journaled: publish soon."""
        self._wake.set()

    async def _resend_all(self) -> None:
        """Send again everything after the acknowledged prefix."""
        self._sent_up_to = await asyncio.to_thread(lambda: self.journal.acknowledged_seq)
        self._last_progress = time.monotonic()

    async def run(self, client: aiomqtt.Client, topic: str) -> None:
        """Publish over one connection; a new connection (a new call) sends everything unacknowledged."""
        await self._resend_all()
        self._wake.set()
        while True:
            # asyncio.timeout, not wait_for: Python 3.11's wait_for loses a cancellation that arrives as the
            # event is set (an entry journaled at shutdown), and the agent never stops.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RESEND_AFTER_S):
                    await self._wake.wait()
            self._wake.clear()
            if time.monotonic() - self._last_progress > RESEND_AFTER_S:
                # No acknowledgement for a while: something was lost on the way; resend from the prefix.
                await self._resend_all()
            # Only what was not sent yet: reading the sent and unacknowledged ones again made a PC with a
            # full batch of them waiting (the hub away) spin on its journal.
            pending = await asyncio.to_thread(self.journal.pending, BATCH, after=self._sent_up_to)
            for entry in pending:
                event = Event(
                    journal=self.journal.journal_id,
                    seq=entry.seq,
                    type=entry.type,
                    data=entry.data,
                    at=entry.at,
                )
                await client.publish(topic, encode(event), qos=1)
                self._sent_up_to = entry.seq
            if len(pending) == BATCH:
                self._wake.set()

    async def acknowledged(self, ack: EventsAck) -> None:
        if ack.journal != self.journal.journal_id:
            return  # an ack for a journal this PC no longer uses (quarantined)
        try:
            pruned = await asyncio.to_thread(self.journal.acknowledge, ack.up_to_seq)
        except JournalError as exc:
            log.warning("ignoring an acknowledgement: %s", exc)
            return
        if pruned:
            self._last_progress = time.monotonic()
