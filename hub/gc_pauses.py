"""The garbage collector in a hub process: its pauses measured, and fewer and shorter of them.

A pause stops the event loop, so every request in flight waits for it: at 2,000 PCs the full collections
(which walk every object alive, most of them made at start-up and kept for the process's life: modules,
classes, the app, its routes and models) were the tail of the command round trip (bench/commands.py).

- ``gc.freeze()`` once the hub has started: what exists then moves to a generation the collector never
  walks again, so a full collection walks only what has been made since;
- the youngest generation collected every ``YOUNG_THRESHOLD`` allocations instead of 700: a request
  allocates thousands of short-lived objects, so the default ran many collections per request, each
  promoting half-finished requests' objects into the older generations that full collections walk.

Every pause is observed in ``icafe_gc_pause_seconds{generation}`` (``GET /metrics``).
"""

from __future__ import annotations

import gc
import time
from typing import Any

from prometheus_client import Gauge, Histogram

YOUNG_THRESHOLD = 10_000
PAUSE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class GcPauses:
    def __init__(self, pauses: Histogram, frozen: Gauge) -> None:
        self._pauses = pauses
        self._frozen = frozen
        self._started = 0.0

    def _on_gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self._pauses.labels(str(info.get("generation", ""))).observe(time.perf_counter() - self._started)

    def watch(self) -> None:
        """Observe every collection's pause from now on (once per process)."""
        if self._on_gc not in gc.callbacks:
            gc.callbacks.append(self._on_gc)

    def unwatch(self) -> None:
        if self._on_gc in gc.callbacks:
            gc.callbacks.remove(self._on_gc)

    def settle_after_start(self) -> None:
        """Collect what start-up left behind, then freeze the rest out of the collector's reach, and space
        the young collections out. Called once, when the hub has opened its connections."""
        gc.collect()
        gc.freeze()
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
        # Counted once: counting walks every frozen object (a tenth of a busy hub's CPU, scraped each second).
        self._frozen.set(gc.get_freeze_count())
