"""The journal's trip to the hub, with a PC's own certificate sending crafted events: redelivered
duplicates are ignored, out-of-order events and gaps are handled, and a charge lands exactly once."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx

from icafe.stack import LocalStack
from protocol import Event, EventsAck, TopicKind, decode, encode, topic

from .conftest import async_wait_until, client_for, metric

PC = "pc-journal"
MINUTE = 60_000
T0 = 1_795_000_000_000


def event(journal: str, seq: int, type_: str, data: dict[str, Any]) -> bytes:
    return encode(Event(journal=journal, seq=seq, type=type_, data=data, at=T0 + seq))


async def test_duplicates_out_of_order_and_gaps_settle_exactly_once(
    stack: LocalStack, api: httpx.Client
) -> None:
    member = (
        await asyncio.to_thread(
            api.post, "/members", json={"login": f"j{uuid.uuid4().hex[:8]}", "secret": "9999"}
        )
    ).json()
    credit = {"amount": 1_000_000, "reason": "test credit", "idempotency_key": uuid.uuid4().hex}
    await asyncio.to_thread(api.post, f"/members/{member['id']}/balance-adjustments", json=credit)
    journal, session_id = uuid.uuid4().hex, uuid.uuid4().hex
    common = {"session_id": session_id, "kind": "member", "member_id": member["id"], "tariff_id": "standard"}
    started = event(
        journal, 1, "session.started", {**common, "started_at": T0, "ends_at": None, "offline": True}
    )
    checkpoint = event(
        journal, 2, "session.checkpoint", {"session_id": session_id, "used_ms": MINUTE, "cost": 20_000}
    )
    ended = event(
        journal,
        3,
        "session.ended",
        {
            **common,
            "reason": "stopped",
            "started_at": T0,
            "ended_at": T0 + 2 * MINUTE,
            "used_ms": 2 * MINUTE,
            "cost": 40_000,
        },
    )
    acks: list[EventsAck] = []
    duplicates_before = metric(stack, "icafe_journal_duplicate_events_total")
    gaps_before = metric(stack, "icafe_journal_gaps_total")
    async with client_for(stack, PC) as pc:
        await pc.subscribe(topic("main", PC, TopicKind.EVENTS_ACK), qos=1)

        async def collect() -> None:
            async for message in pc.messages:
                acks.append(decode(message.payload, EventsAck))  # type: ignore[arg-type]

        task = asyncio.create_task(collect())
        where = topic("main", PC, TopicKind.EVENTS)
        # 1, then 3 (a gap), then duplicates, then 2 fills the gap.
        for payload in (started, ended, started, ended, checkpoint, checkpoint):
            await pc.publish(where, payload, qos=1)
        await async_wait_until(lambda: acks and acks[-1].up_to_seq == 3, 10, "all three acknowledged")
        task.cancel()

    assert [a.up_to_seq for a in acks][:2] == [1, 1], "the gap holds the acknowledgement at 1"
    assert all(a.journal == journal for a in acks)
    assert metric(stack, "icafe_journal_duplicate_events_total") - duplicates_before == 3
    assert metric(stack, "icafe_journal_gaps_total") - gaps_before >= 1

    record = (await asyncio.to_thread(api.get, f"/sessions/{session_id}")).json()
    assert record["state"] == "ended"
    assert record["used_ms"] == 2 * MINUTE
    assert "offline" in record["flags"]
    assert record["cost"] == record["agent_cost"] == 40_000  # 2 minutes of 12 000 so'm an hour
    member_after = (await asyncio.to_thread(api.get, f"/members/{member['id']}")).json()
    assert member_after["balance"] == 1_000_000 - 40_000
    assert [e["kind"] for e in member_after["entries"]].count("charge") == 1
    stored = (await asyncio.to_thread(api.get, f"/sessions/{session_id}/events")).json()
    assert sorted(e["seq"] for e in stored["items"]) == [1, 2, 3]


async def test_a_disagreeing_agent_figure_is_flagged_and_the_hub_price_charged(
    stack: LocalStack, api: httpx.Client
) -> None:
    journal, session_id = uuid.uuid4().hex, uuid.uuid4().hex
    data = {
        "session_id": session_id,
        "kind": "postpaid",
        "member_id": None,
        "tariff_id": "standard",
        "reason": "stopped",
        "started_at": T0,
        "ended_at": T0 + 10 * MINUTE,
        "used_ms": 10 * MINUTE,
        "cost": 1,
    }
    async with client_for(stack, PC) as pc:
        await pc.publish(topic("main", PC, TopicKind.EVENTS), event(journal, 1, "session.ended", data), qos=1)
    await async_wait_until(
        lambda: (
            httpx.get(f"{stack.api_url}/api/v1/sessions/{session_id}", headers=api.headers).status_code == 200
        ),
        10,
        "session recorded",
    )
    record = (await asyncio.to_thread(api.get, f"/sessions/{session_id}")).json()
    assert record["agent_cost"] == 1
    assert record["cost"] == 200_000
    assert "cost_mismatch" in record["flags"]
    assert json.dumps(record)  # serialisable as the console gets it
