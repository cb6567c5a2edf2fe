"""Telemetry from the MQTT handler to the consoles and the store, on the stack's real Redis and store:
the live telemetry channel (one message per flush, handed on only to listeners that want telemetry, on
every replica), and what a flush writes (a bounded history, the PCs' records)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from hub.live import TELEMETRY_CHANNEL, TELEMETRY_EVENT, LiveState
from hub.metrics import HubMetrics
from hub.mqtt.telemetry import TelemetryIngest
from hub.store import Store
from icafe.stack import LocalStack
from protocol import Telemetry, Topic, TopicKind

from .conftest import async_wait_until

pytestmark = pytest.mark.integration


class Feed:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    async def __call__(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    def of(self, kind: str, prefix: str = "") -> list[dict[str, Any]]:
        """Events of ``kind``; with ``prefix``, only of the PCs whose ids start with it (the stack's hub
        publishes the readings of other tests' agents on the same channel)."""
        return [
            e for e in self.events if e.get("type") == kind and str(e.get("pc_id", "")).startswith(prefix)
        ]


@pytest.fixture
async def replicas(stack: LocalStack) -> AsyncIterator[tuple[LiveState, LiveState]]:
    """Two replicas' live state on the same Redis."""
    redises = [Redis.from_url(stack.redis_url), Redis.from_url(stack.redis_url)]
    lives = [LiveState(r) for r in redises]
    for live in lives:
        await live.start()
    try:
        yield lives[0], lives[1]
    finally:
        for live, redis in zip(lives, redises, strict=True):
            await live.stop()
            await redis.aclose()


def reading(pc_id: str, cpu: float) -> dict[str, Any]:
    return {"pc_id": pc_id, "telemetry": {"cpu_percent": cpu}}


async def test_one_message_carries_many_readings_to_the_listeners_that_want_telemetry(
    replicas: tuple[LiveState, LiveState],
) -> None:
    a, b = replicas
    watching_a, watching_b, events_only = Feed(), Feed(), Feed()
    a.add_listener(watching_a, telemetry=True)
    remove_b = b.add_listener(watching_b, telemetry=True)
    b.add_listener(events_only)
    tag = uuid.uuid4().hex[:8]
    await a.publish_telemetry([reading(f"{tag}-1", 1.0), reading(f"{tag}-2", 2.0)])
    await a.publish({"type": "pc.online", "pc_id": f"{tag}-1"})
    await async_wait_until(lambda: events_only.of("pc.online"), 5, "the event on replica b")
    await async_wait_until(lambda: len(watching_a.of("pc.online")) == 1, 5, "the event on replica a")
    for feed in (watching_a, watching_b):
        assert feed.of(TELEMETRY_EVENT, tag) == [
            {"type": TELEMETRY_EVENT, **reading(f"{tag}-1", 1.0)},
            {"type": TELEMETRY_EVENT, **reading(f"{tag}-2", 2.0)},
        ]
    assert events_only.of(TELEMETRY_EVENT) == []  # events, never telemetry

    remove_b()
    await a.publish_telemetry([reading(f"{tag}-3", 3.0)])
    await a.publish({"type": "pc.offline", "pc_id": f"{tag}-1"})
    await async_wait_until(lambda: events_only.of("pc.offline"), 5, "the second event on replica b")
    await async_wait_until(lambda: len(watching_a.of(TELEMETRY_EVENT, tag)) == 3, 5, "the third reading on a")
    assert len(watching_b.of(TELEMETRY_EVENT, tag)) == 2
    assert watching_b.of("pc.offline") == []


async def test_garbage_on_the_telemetry_channel_is_ignored(
    stack: LocalStack, replicas: tuple[LiveState, LiveState]
) -> None:
    a, _ = replicas
    feed = Feed()
    a.add_listener(feed, telemetry=True)
    for garbage in (b"not json", b'{"pc_id": "x"}', b'[1, "two", null]'):
        await a.redis.publish(TELEMETRY_CHANNEL, garbage)
    await a.publish_telemetry([reading("after-garbage", 5.0)])
    await async_wait_until(
        lambda: feed.of(TELEMETRY_EVENT, "after-garbage"), 5, "the reading after the garbage"
    )
    assert feed.of(TELEMETRY_EVENT, "after-garbage") == [
        {"type": TELEMETRY_EVENT, **reading("after-garbage", 5.0)}
    ]


async def test_a_flush_publishes_every_reading_and_stores_a_bounded_history(
    store: Store, replicas: tuple[LiveState, LiveState]
) -> None:
    a, b = replicas
    feed = Feed()
    b.add_listener(feed, telemetry=True)
    clock = [1_000_000]
    metrics = HubMetrics()
    ingest = TelemetryIngest(
        store.telemetry, store.pcs, a, metrics, flush_s=60, sample_s=30, clock=lambda: clock[0]
    )
    prefix = f"tl-{uuid.uuid4().hex[:6]}"
    pcs = [f"{prefix}-{n}" for n in range(3)]

    async def second(cpu: float) -> None:
        for pc_id in pcs:
            await ingest(Topic("main", pc_id, TopicKind.TELEMETRY), telemetry(cpu, clock[0]))
        await ingest.flush()
        clock[0] += 1000

    for n in range(5):  # five readings per PC, a second apart: one sample each (every 30 s)
        await second(float(n))
    await async_wait_until(lambda: len(feed.of(TELEMETRY_EVENT, prefix)) == 15, 5, "every reading live")
    assert [e["telemetry"]["cpu_percent"] for e in feed.of(TELEMETRY_EVENT, pcs[0])] == [
        0.0,
        1.0,
        2.0,
        3.0,
        4.0,
    ]
    for pc_id in pcs:
        assert [s["cpu_percent"] for s in await store.telemetry.recent(pc_id)] == [0.0]
        record = await store.pcs.get(pc_id)
        assert record is not None
        assert record.telemetry is not None
        assert (record.last_seen, record.telemetry["cpu_percent"]) == (1_000_000, 0.0)
    clock[0] = 1_000_000 + 30_000
    await second(9.0)  # 30 s after the first sample: the next one
    for pc_id in pcs:
        assert [s["cpu_percent"] for s in await store.telemetry.recent(pc_id)] == [9.0, 0.0]
        record = await store.pcs.get(pc_id)
        assert record is not None
        assert record.last_seen == 1_030_000
    assert metrics.registry.get_sample_value("icafe_telemetry_ingested_total") == 18
    assert metrics.registry.get_sample_value("icafe_telemetry_persisted_total") == 6


def telemetry(cpu: float, sent_at: int) -> Telemetry:
    return Telemetry(
        cpu_percent=cpu,
        memory_percent=50.0,
        disk_percent=50.0,
        uptime_s=100,
        user=None,
        locked=True,
        sent_at=sent_at,
    )
