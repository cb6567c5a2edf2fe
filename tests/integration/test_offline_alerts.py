"""A PC that goes offline while a customer's session runs on it raises an ``offline_in_session`` alert,
pushed live and listed with the PC; the hub resolves it when the PC is back online. A PC going offline
with no session running raises nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.store import Store, open_store
from hub.store.alerts import RESOLVED
from hub.store.sessions import SessionState
from icafe.stack import LocalStack
from protocol import SessionKind

from .conftest import async_wait_until, guest_session, metric
from .rogue import RoguePc, now_ms
from .test_presence import LiveFeed

KIND = "offline_in_session"


@pytest.fixture
async def hub_store(stack: LocalStack) -> AsyncIterator[Store]:
    """The hub's own database (not a test's copy): the session must be one the hub sees."""
    opened = await open_store(stack.mongo_url, stack.config.hub_env["ICAFE_MONGO_DB"])
    try:
        yield opened
    finally:
        await opened.close()


async def offline_alerts(api: httpx.Client, pc_id: str) -> list[dict[str, Any]]:
    view = (await asyncio.to_thread(api.get, f"/pcs/{pc_id}")).json()
    return [alert for alert in view["alerts"] if alert["kind"] == KIND]


def pushed(feed: LiveFeed, pc_id: str) -> list[dict[str, Any]]:
    return [
        event["alert"]  # type: ignore[misc]
        for event in feed.events
        if event.get("type") == "pc.alert" and event.get("pc_id") == pc_id and event["alert"]["kind"] == KIND  # type: ignore[index]
    ]


async def test_a_pc_dropping_off_in_paid_time_raises_an_alert_resolved_when_it_is_back(
    stack: LocalStack, api: httpx.Client, token: str, hub_store: Store
) -> None:
    pc_id = f"pc-paid-{uuid.uuid4().hex[:6]}"
    session_id = f"s-{uuid.uuid4().hex[:8]}"
    async with LiveFeed(stack, token) as feed:
        async with RoguePc(stack, pc_id, api):
            started = now_ms()
            await hub_store.sessions.insert(
                guest_session(
                    session_id,
                    SessionKind.PREPAID,
                    pc_id=pc_id,
                    prepaid_minutes=60,
                    created_at=started,
                    started_at=started,
                )
            )
        # The PC said offline (as its last will would) with the session running.
        await async_wait_until(lambda: pushed(feed, pc_id), 10, "the alert pushed live")
        (alert,) = await offline_alerts(api, pc_id)
        assert alert["state"] == "open"
        assert session_id in alert["message"]
        assert alert["details"]["session_id"] == session_id
        assert alert["details"]["kind"] == "prepaid"

        # Prometheus sees it too (each replica refreshes its gauges every 15 s), and the hub's dependencies.
        await async_wait_until(
            lambda: metric(stack, "icafe_alerts_unresolved", f'kind="{KIND}"') >= 1, 30, "the gauge"
        )
        # Up again, whatever an earlier test's outage left in the last refresh (the alert was just pushed,
        # so the hub reads the broker now).
        await async_wait_until(
            lambda: all(
                metric(stack, "icafe_dependency_up", f'dependency="{dependency}"') == 1
                for dependency in ("broker", "store", "redis")
            ),
            30,
            "the dependencies' gauges up",
        )

        async with RoguePc(stack, pc_id, api):
            await async_wait_until(
                lambda: any(a["state"] == RESOLVED for a in pushed(feed, pc_id)), 10, "the resolution pushed"
            )
            assert await offline_alerts(api, pc_id) == []
            stored = await hub_store.alerts.unresolved_for_pc(pc_id)
            assert stored == []
            # The session ends; the PC going offline afterwards is no one's paid time.
            assert await hub_store.sessions.set_state(
                session_id, SessionState.ENDED, only_from=[SessionState.ACTIVE]
            )
        await asyncio.sleep(1.0)
        assert await offline_alerts(api, pc_id) == []
        assert len([a for a in pushed(feed, pc_id) if a["state"] == "open"]) == 1
