"""The bridge's intake: what the broker delivers, sorted into two lanes so that telemetry can never delay
what matters (journal events, commands' acknowledgements, logins, presence, hellos).

- **control**: every message other than telemetry, handled in order per PC (a PC's status, events and
  acks keep their order) and concurrently across PCs, up to ``parallel`` PCs at once. Never dropped: these
  are QoS 1 and each is either handled or, for an event, resent by its PC until acknowledged.
- **telemetry**: a queue of at most ``telemetry_cap`` messages, handled by one worker that yields to the
  event loop every ``TELEMETRY_SLICE`` messages. When the hub cannot keep up, the oldest telemetry is shed
  and counted (``icafe_mqtt_messages_dropped_total{reason="shed"}``): a reading is replaced by the next one
  anyway.

Sorting a message costs a string comparison; decoding and handling happen in the lanes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from hub.metrics import HubMetrics
from protocol import TopicKind

log = logging.getLogger(__name__)

Dispatch = Callable[[str, Any], Awaitable[None]]

TELEMETRY_SUFFIX = f"/{TopicKind.TELEMETRY.value}"
# Telemetry handled between two yields to the event loop: small enough that a control message waits a
# couple of milliseconds at most, large enough that yielding costs little.
TELEMETRY_SLICE = 64
SHED = "shed"


def pc_of(raw_topic: str) -> str:
    """The PC a topic is about (``icafe/v1/<site>/pc/<pc>/<kind>``), or "" for any other topic."""
    parts = raw_topic.split("/", 5)
    return parts[4] if len(parts) == 6 and parts[3] == "pc" else ""


class Intake:
    def __init__(self, dispatch: Dispatch, metrics: HubMetrics, *, telemetry_cap: int, parallel: int) -> None:
        self._dispatch = dispatch
        self._metrics = metrics
        self._cap = telemetry_cap
        self._telemetry: deque[tuple[str, Any]] = deque()
        self._telemetry_ready = asyncio.Event()
        self._per_pc: dict[str, deque[tuple[str, Any]]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._parallel = asyncio.Semaphore(parallel)
        self._telemetry_worker: asyncio.Task[None] | None = None
        metrics.intake_backlog.labels("telemetry").set_function(lambda: len(self._telemetry))
        metrics.intake_backlog.labels("control").set_function(
            lambda: sum(len(queue) for queue in self._per_pc.values())
        )

    def put(self, raw_topic: str, payload: Any) -> None:
        """Sort one delivered message into its lane (no I/O, no decoding)."""
        if raw_topic.endswith(TELEMETRY_SUFFIX):
            if len(self._telemetry) >= self._cap:
                self._telemetry.popleft()
                self._metrics.dropped.labels(SHED).inc()
            self._telemetry.append((raw_topic, payload))
            self._telemetry_ready.set()
            return
        key = pc_of(raw_topic)
        queue = self._per_pc.get(key)
        if queue is None:
            queue = self._per_pc[key] = deque()
            worker = asyncio.create_task(self._drain(key, queue), name=f"mqtt-{key or 'other'}")
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        queue.append((raw_topic, payload))

    def start(self) -> None:
        if self._telemetry_worker is None or self._telemetry_worker.done():
            self._telemetry_worker = asyncio.create_task(self._drain_telemetry(), name="mqtt-telemetry")

    async def stop(self) -> None:
        tasks = [*self._workers, *([self._telemetry_worker] if self._telemetry_worker else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _handle(self, raw_topic: str, payload: Any) -> None:
        try:
            await self._dispatch(raw_topic, payload)
        except Exception:  # e.g. the store failed while refusing a message: never the end of a lane
            log.exception("handling a message on %s failed", raw_topic[:200])

    async def _drain(self, key: str, queue: deque[tuple[str, Any]]) -> None:
        """One PC's control messages, in order; the PC's lane closes when it is empty."""
        try:
            while queue:
                raw_topic, payload = queue[0]
                async with self._parallel:
                    await self._handle(raw_topic, payload)
                queue.popleft()
        finally:
            # No await between the last check and here: a message put meanwhile would have been seen.
            if self._per_pc.get(key) is queue:
                del self._per_pc[key]

    async def _drain_telemetry(self) -> None:
        while True:
            await self._telemetry_ready.wait()
            for _ in range(min(TELEMETRY_SLICE, len(self._telemetry))):
                raw_topic, payload = self._telemetry.popleft()
                await self._handle(raw_topic, payload)
            if not self._telemetry:
                self._telemetry_ready.clear()
            await asyncio.sleep(0)  # let the control lane and the HTTP requests in
