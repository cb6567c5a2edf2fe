"""The hub's garbage collector (hub.gc_pauses): every pause observed by generation, start-up's objects
frozen out of the collector's walks, young collections spaced out."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hub.gc_pauses import YOUNG_THRESHOLD
from hub.metrics import HubMetrics


def pauses(metrics: HubMetrics, generation: str) -> float:
    return (
        metrics.registry.get_sample_value("icafe_gc_pause_seconds_count", {"generation": generation}) or 0.0
    )


def test_every_collection_is_observed_while_watched() -> None:
    metrics = HubMetrics()
    metrics.gc.watch()
    metrics.gc.watch()  # once per process, however often asked
    try:
        gc.collect()
        gc.collect(0)
    finally:
        metrics.gc.unwatch()
    assert pauses(metrics, "2") == 1
    assert pauses(metrics, "0") >= 1
    gc.collect()
    assert pauses(metrics, "2") == 1  # no longer watched


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_collector")
def test_start_ups_objects_are_frozen_and_young_collections_spaced_out() -> None:
    metrics = HubMetrics()
    kept = [[] for _ in range(1000)]  # lists: tracked by the collector
    metrics.gc.settle_after_start()
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD
    assert gc.get_freeze_count() >= len(kept)
    assert metrics.registry.get_sample_value("icafe_gc_frozen_objects") == gc.get_freeze_count()
