"""System alerts on the real store, Redis and console API: two replicas' watchers (``hub.system_alerts``) of
one site seeing its broker down and no good backup raise one alert each (their shared slot), pushed on the
WebSocket, listed at ``GET /alerts``, and resolved by the hub once the broker is back. A site of the test's
own, so the stack's hub (site ``main``) neither sees nor touches these alerts."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from hub.alerts import SystemAlerts
from hub.live import LiveState
from hub.store import Store, open_store
from hub.system_alerts import SystemAlertWatcher
from icafe.stack import LocalStack

from .conftest import async_wait_until
from .test_presence import LiveFeed


@pytest.fixture
async def hub_store(stack: LocalStack) -> AsyncIterator[Store]:
    opened = await open_store(stack.mongo_url, stack.config.hub_env["ICAFE_MONGO_DB"])
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def redis(stack: LocalStack) -> AsyncIterator[Redis]:
    client = Redis.from_url(stack.redis_url)
    try:
        yield client
    finally:
        await client.aclose()


class Clock:
    def __init__(self) -> None:
        self.ms = 0

    def __call__(self) -> int:
        return self.ms


async def listed(api: httpx.Client, kind: str, state: str = "unresolved") -> dict[str, Any]:
    answer = await asyncio.to_thread(api.get, "/alerts", params={"kind": kind, "state": state, "limit": 200})
    assert answer.status_code == 200, answer.text
    return {item["id"]: item for item in answer.json()["items"]}


async def test_replicas_share_one_alert_pushed_listed_and_resolved(
    stack: LocalStack, api: httpx.Client, token: str, hub_store: Store, redis: Redis
) -> None:
    site = f"site-{uuid.uuid4().hex[:6]}"
    broker = asyncio.Event()  # cleared: this hub has no broker connection
    clock = Clock()
    replicas = [
        SystemAlertWatcher(
            hub_store,
            redis,
            SystemAlerts(hub_store.alerts, LiveState(redis), site),
            broker,
            24.0,
            monotonic_ms=clock,
        )
        for _ in range(2)
    ]
    async with LiveFeed(stack, token) as feed:
        for replica in replicas:
            await replica.step()  # the broker just dropped: within the grace, nothing for it yet
        clock.ms = 31_000
        for replica in replicas:
            await replica.step()

        broker_alert = await hub_store.alerts.raise_system_alert(site, "broker_down", "probe", {}, 0)
        assert broker_alert.count == 3  # both replicas' raises and this probe: one alert
        shown = (await listed(api, "broker_down"))[broker_alert.id]
        assert (shown["pc_id"], shown["branch"], shown["state"]) == (None, None, "open")
        backup_alerts = [
            a for a in (await listed(api, "backup_overdue")).values() if "no good backup" in a["message"]
        ]
        assert any(a["count"] == 2 for a in backup_alerts)  # this site's, raised by both replicas
        await async_wait_until(
            lambda: any(e.get("type") == "system.alert" and e.get("system") == site for e in feed.events),
            5,
            "the system alert pushed on the WebSocket",
        )

    broker.set()
    await replicas[0].step()
    resolved = await listed(api, "broker_down", "resolved")
    assert resolved[broker_alert.id]["updated_by"] == "hub"
    assert broker_alert.id not in await listed(api, "broker_down")
    # The other replica, back too, finds nothing left to resolve, and opens nothing.
    await replicas[1].step()
    assert broker_alert.id not in await listed(api, "broker_down")
