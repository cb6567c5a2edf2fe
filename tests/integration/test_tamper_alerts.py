"""The hub's side of the PC guard: a PC's ``tamper.*`` journal events raise one ``tamper`` alert each
(exactly once per journal event, redeliveries included), pushed at once as ``pc.alert`` on the WebSocket
and listed in ``GET /api/v1/pcs/{id}``; a hello whose lock-hardening self-test is not strong raises a
``lock_hardening`` alert, and the grade is the PC's ``lock_hardening`` field."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from icafe.stack import LocalStack
from protocol import Hardening, HardeningCheck, HardeningGrade, TopicKind, encode
from protocol.messages import Hardware, Hello

from .conftest import async_wait_until
from .rogue import RoguePc, now_ms
from .test_presence import LiveFeed

PC = "pc-tampered"


@pytest.fixture
async def pc(stack: LocalStack, api: httpx.Client) -> AsyncIterator[RoguePc]:
    async with RoguePc(stack, PC, api) as rogue:
        yield rogue


async def tamper_alert(api: httpx.Client) -> dict[str, Any] | None:
    view = (await asyncio.to_thread(api.get, f"/pcs/{PC}")).json()
    return next((alert for alert in view["alerts"] if alert["kind"] == "tamper"), None)


def pushed(feed: LiveFeed, kind: str) -> list[dict[str, Any]]:
    return [
        event["alert"]  # type: ignore[misc]
        for event in feed.events
        if event.get("type") == "pc.alert" and event.get("pc_id") == PC and event["alert"]["kind"] == kind  # type: ignore[index]
    ]


async def test_each_tamper_event_raises_one_alert_even_when_redelivered(
    stack: LocalStack, api: httpx.Client, token: str, pc: RoguePc
) -> None:
    before = await tamper_alert(api)
    count = before["count"] if before else 0
    async with LiveFeed(stack, token) as feed:
        seq = await pc.event("tamper.ui_exited", {"exit_code": -9, "restart_ms": 310, "lockdown": False})
        await pc.wait_acked(seq)
        await async_wait_until(lambda: len(pushed(feed, "tamper")) == 1, 5, "tamper pushed live")
        # The same journal entry again (QoS 1 redelivery): no second alert.
        await pc.event("tamper.ui_exited", {"exit_code": -9, "restart_ms": 310, "lockdown": False}, seq=seq)
        hung = await pc.event("tamper.ui_hung", {"silent_ms": 3000, "restart_ms": 200, "lockdown": True})
        await pc.wait_acked(hung)
        await async_wait_until(lambda: len(pushed(feed, "tamper")) == 2, 5, "the hang pushed live")
    alert = await tamper_alert(api)
    assert alert is not None
    assert alert["count"] == count + 2
    assert alert["details"]["type"] == "tamper.ui_hung"
    assert "until staff come" in alert["message"]
    stored = (await asyncio.to_thread(api.get, f"/pcs/{PC}")).json()["quarantined"]
    assert not [q for q in stored if q["type"].startswith("tamper.")], "tamper events are not quarantined"


async def test_a_tamper_event_out_of_bounds_is_malformed_not_alerted_as_tamper(
    api: httpx.Client, pc: RoguePc
) -> None:
    before = await tamper_alert(api)
    await pc.raw_event(pc.seq + 1, "tamper.link_refused", {"reason": "x", "peer_pid": -1})
    view = await async_wait_until(
        lambda: next(
            (a for a in api.get(f"/pcs/{PC}").json()["alerts"] if a["kind"] == "malformed_message"), None
        ),
        5,
        "malformed alert",
    )
    assert view["count"] >= 1
    assert await tamper_alert(api) == before


async def test_a_weak_lock_hardening_is_alerted(api: httpx.Client, pc: RoguePc) -> None:
    hardening = Hardening(
        grade=HardeningGrade.WEAK,
        checks=[
            HardeningCheck(name="ui.spawned_by_agent", ok=False, detail="no lock screen configured"),
            HardeningCheck(name="x11.grab", ok=None, detail="no X display"),
        ],
    )
    hello = Hello(
        agent_version="test",
        hostname="rogue",
        os="Linux",
        hardware=Hardware(),
        boot_time=now_ms() - 60_000,
        sent_at=now_ms(),
        hardening=hardening,
    )
    await pc.publish(TopicKind.HELLO, encode(hello))
    alert = await async_wait_until(
        lambda: next(
            (a for a in api.get(f"/pcs/{PC}").json()["alerts"] if a["kind"] == "lock_hardening"), None
        ),
        5,
        "lock_hardening alert",
    )
    assert alert["details"]["grade"] == "weak"
    assert "ui.spawned_by_agent" in alert["message"]
    # The grade is also the PC's own field, in its view and in the list.
    view = (await asyncio.to_thread(api.get, f"/pcs/{PC}")).json()
    assert view["lock_hardening"] == hardening.model_dump(mode="json")
    page = (await asyncio.to_thread(api.get, "/pcs", params={"limit": 500})).json()
    assert next(item for item in page["items"] if item["id"] == PC)["lock_hardening"]["grade"] == "weak"
