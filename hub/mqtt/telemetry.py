"""``telemetry``: buffered and written in batches (one insert and one bulk update per flush)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from pymongo.errors import PyMongoError

from hub.clock import now_ms
from hub.live import LiveState
from hub.metrics import HubMetrics
from hub.store import PcRepository, TelemetryRepository
from protocol import Telemetry, Topic

log = logging.getLogger(__name__)

MAX_BUFFER = 50_000


class TelemetryIngest:
    def __init__(
        self,
        samples: TelemetryRepository,
        pcs: PcRepository,
        live: LiveState,
        metrics: HubMetrics,
        flush_s: float,
    ) -> None:
        self._samples = samples
        self._pcs = pcs
        self._live = live
        self._metrics = metrics
        self._flush_s = flush_s
        self._buffer: list[tuple[Topic, Telemetry, int]] = []
        self._task: asyncio.Task[None] | None = None

    async def __call__(self, topic: Topic, telemetry: Telemetry) -> None:
        if len(self._buffer) >= MAX_BUFFER:
            # The store is not keeping up: shed the oldest samples rather than grow without bound.
            del self._buffer[: MAX_BUFFER // 10]
            self._metrics.dropped.labels("backpressure").inc(MAX_BUFFER // 10)
        self._buffer.append((topic, telemetry, now_ms()))

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="telemetry-flush")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._flush_s)
            try:
                await self.flush()
            except PyMongoError as exc:
                log.warning("telemetry flush failed, will retry: %s", str(exc)[:300])

    async def flush(self) -> None:
        batch, self._buffer = self._buffer, []
        if not batch:
            return
        samples: list[dict[str, Any]] = []
        latest: dict[str, tuple[str, str, int, dict[str, Any]]] = {}
        for topic, telemetry, received in batch:
            doc = telemetry.model_dump(exclude={"v"})
            doc["received_at"] = received
            # A deterministic id makes a retried flush idempotent.
            sample_id = f"{topic.pc_id}:{telemetry.sent_at}"
            samples.append({"_id": sample_id, "pc_id": topic.pc_id, "at": received, **doc})
            latest[topic.pc_id] = (topic.pc_id, topic.site, received, doc)
        try:
            await self._samples.insert_many(samples)
        except PyMongoError:
            self._buffer[:0] = batch  # nothing was written (or only part): retry the batch next flush
            raise
        self._metrics.telemetry_persisted.inc(len(samples))
        # The latest reading per PC is an overwrite, so a failure here is simply repaired by the next.
        await self._pcs.record_telemetry(list(latest.values()))
        await self._live.publish_many(
            [{"type": "pc.telemetry", "pc_id": pc, "telemetry": doc} for pc, _, _, doc in latest.values()]
        )
