"""``telemetry``: every reading reaches the live feed; the store keeps a bounded history
(``hub.mqtt.telemetry_plan`` says how much).

Receiving a reading does no I/O: it is offered to the plan. Every ``flush_s`` a flush writes the due samples
in one insert and the PCs' records in one bulk write, then publishes the newest reading of every PC in one
live message (``LiveState.publish_telemetry``). A store or Redis outage costs a flush, never the consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from redis.exceptions import RedisError

from hub.clock import now_ms
from hub.live import LiveState
from hub.metrics import HubMetrics
from hub.mqtt.telemetry_plan import Reading, TelemetryPlan
from hub.store import PcRepository, TelemetryRepository
from protocol import Telemetry, Topic

log = logging.getLogger(__name__)

# At most this many samples per flush (4 flushes a second by default: 2,000 store writes a second at most).
MAX_SAMPLES_PER_FLUSH = 500


class TelemetryIngest:
    def __init__(
        self,
        samples: TelemetryRepository,
        pcs: PcRepository,
        live: LiveState,
        metrics: HubMetrics,
        flush_s: float,
        sample_s: float,
        clock: Callable[[], int] = now_ms,
    ) -> None:
        self._samples = samples
        self._pcs = pcs
        self._live = live
        self._metrics = metrics
        self._flush_s = flush_s
        self._clock = clock
        self._plan = TelemetryPlan(int(sample_s * 1000), MAX_SAMPLES_PER_FLUSH)
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, topic: Topic, telemetry: Telemetry) -> None:
        values = telemetry.model_dump(exclude={"v"})
        self._plan.offer(Reading(topic.pc_id, topic.site, values, telemetry.sent_at, self._clock()))
        self._metrics.telemetry_ingested.inc()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telemetry-flush")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        try:
            await self.flush()
        except Exception as exc:  # stopping during an outage: what was not written is lost (telemetry only)
            log.warning("last telemetry flush failed: %s", str(exc)[:300])

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._flush_s)
            try:
                await self.flush()
            except Exception as exc:  # an outage of the store or Redis: the next flush tries again
                log.warning("telemetry flush failed, will retry: %s", str(exc)[:300])

    async def flush(self) -> None:
        flush = self._plan.take()
        if flush.live:
            # First, and whatever the store does: the consoles' view does not wait for (or on) the store.
            try:
                await self._live.publish_telemetry(
                    [{"pc_id": r.pc_id, "telemetry": r.values} for r in flush.live]
                )
            except (RedisError, OSError) as exc:
                log.warning("telemetry not published live: %s", str(exc)[:300])
        if flush.samples:
            await self._write(flush.samples)

    async def _write(self, samples: list[Reading]) -> None:
        # A deterministic id makes a retried sample idempotent.
        documents = [
            {
                "_id": f"{r.pc_id}:{r.sent_at}",
                "pc_id": r.pc_id,
                "at": r.received_at,
                "received_at": r.received_at,
                **r.values,
            }
            for r in samples
        ]
        try:
            await self._samples.insert_many(documents)
            # The latest reading per PC is an overwrite, so repeating it after a failure is harmless.
            await self._pcs.record_telemetry([(r.pc_id, r.site, r.received_at, r.values) for r in samples])
        except Exception:
            self._plan.restore(samples)
            raise
        self._metrics.telemetry_persisted.inc(len(samples))
