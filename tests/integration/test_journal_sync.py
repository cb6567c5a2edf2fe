"""The journal's trip to the hub, with a PC's own certificate sending crafted events for a session staff
ordered on it: redelivered duplicates are ignored, out-of-order events and gaps are handled, and the
charge (the hub's own price) lands exactly once."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx

from billing import price
from billing.wire import tariff_from_spec
from icafe.stack import LocalStack
from protocol import TariffSpec

from .conftest import async_wait_until, metric
from .rogue import RoguePc

MINUTE = 60_000


async def call(api: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return await asyncio.to_thread(api.request, method, path, **kwargs)


async def new_member(api: httpx.Client, balance: int) -> dict[str, Any]:
    member: dict[str, Any] = (
        await call(api, "POST", "/members", json={"login": f"j{uuid.uuid4().hex[:8]}", "secret": "9999"})
    ).json()
    credit = {"amount": balance, "reason": "test credit", "idempotency_key": uuid.uuid4().hex}
    await call(api, "POST", f"/members/{member['id']}/balance-adjustments", json=credit)
    return member


async def ordered(api: httpx.Client, pc: RoguePc, body: dict[str, Any]) -> dict[str, Any]:
    response = await call(api, "POST", "/sessions", json={"pc_id": pc.pc_id, **body})
    assert response.status_code == 201, response.text
    session: dict[str, Any] = response.json()
    return session


async def hub_price(api: httpx.Client, session: dict[str, Any], started_at: int, used_ms: int) -> int:
    spec = (await call(api, "GET", f"/tariffs/{session['tariff_id']}")).json()
    tariff = TariffSpec.model_validate(spec, strict=False)
    return price(tariff_from_spec(tariff), started_at, used_ms).total


def ended_data(session: dict[str, Any], started_at: int, used_ms: int, cost: int) -> dict[str, Any]:
    return {
        "session_id": session["id"],
        "reason": "stopped",
        "kind": session["kind"],
        "member_id": session["member_id"],
        "tariff_id": session["tariff_id"],
        "started_at": started_at,
        "ended_at": started_at + used_ms,
        "used_ms": used_ms,
        "cost": cost,
    }


async def test_duplicates_out_of_order_and_gaps_settle_exactly_once(
    stack: LocalStack, api: httpx.Client
) -> None:
    member = await new_member(api, 1_000_000)
    async with RoguePc(stack, "pc-journal", api) as pc:
        session = await ordered(api, pc, {"member_id": member["id"]})
        t0 = session["created_at"]
        started = {
            "session_id": session["id"],
            "kind": "member",
            "member_id": member["id"],
            "tariff_id": session["tariff_id"],
            "started_at": t0,
            "ends_at": None,
            "budget": 1_000_000,
        }
        cost = await hub_price(api, session, t0, 2 * MINUTE)
        checkpoint = {"session_id": session["id"], "used_ms": MINUTE, "cost": cost // 2}
        ended = ended_data(session, t0, 2 * MINUTE, cost)
        duplicates_before = metric(stack, "icafe_journal_duplicate_events_total")
        gaps_before = metric(stack, "icafe_journal_gaps_total")
        # 1, then 3 (a gap), then duplicates, then 2 fills the gap.
        for seq, type_, data in (
            (1, "session.started", started),
            (3, "session.ended", ended),
            (1, "session.started", started),
            (3, "session.ended", ended),
            (2, "session.checkpoint", checkpoint),
            (2, "session.checkpoint", checkpoint),
        ):
            await pc.event(type_, data, seq=seq)
        await pc.wait_acked(3)
        acks = [a.up_to_seq for a in pc.acks if a.journal == pc.journal]

    assert acks[:2] == [1, 1], "the gap holds the acknowledgement at 1"
    assert metric(stack, "icafe_journal_duplicate_events_total") - duplicates_before == 3
    assert metric(stack, "icafe_journal_gaps_total") - gaps_before >= 1

    record = (await call(api, "GET", f"/sessions/{session['id']}")).json()
    assert record["state"] == "ended"
    assert record["used_ms"] == 2 * MINUTE
    assert record["cost"] == record["agent_cost"] == cost
    member_after = (await call(api, "GET", f"/members/{member['id']}")).json()
    assert member_after["balance"] == 1_000_000 - cost
    assert [e["kind"] for e in member_after["entries"]].count("charge") == 1
    assert member_after["active_session"] is None
    stored = (await call(api, "GET", f"/sessions/{session['id']}/events")).json()
    assert sorted(e["seq"] for e in stored["items"]) == [1, 2, 3]


async def test_a_disagreeing_agent_figure_is_flagged_and_the_hub_price_charged(
    stack: LocalStack, api: httpx.Client
) -> None:
    async with RoguePc(stack, "pc-journal", api) as pc:
        session = await ordered(api, pc, {"guest": {"postpaid": True}})
        seq = await pc.event("session.ended", ended_data(session, session["created_at"], 10 * MINUTE, 1))
        await pc.wait_acked(seq)
    record = (await call(api, "GET", f"/sessions/{session['id']}")).json()
    assert record["state"] == "ended"
    assert record["agent_cost"] == 1
    assert record["cost"] == await hub_price(api, session, session["created_at"], 10 * MINUTE)
    assert "cost_mismatch" in record["flags"]
    assert json.dumps(record)  # serialisable as the console gets it


async def test_a_redelivery_with_other_figures_changes_nothing(stack: LocalStack, api: httpx.Client) -> None:
    """The hub projects the copy it stored first: a PC cannot rewrite an event by resending its seq."""
    member = await new_member(api, 1_000_000)
    async with RoguePc(stack, "pc-journal", api) as pc:
        session = await ordered(api, pc, {"member_id": member["id"]})
        cost = await hub_price(api, session, session["created_at"], MINUTE)
        first = ended_data(session, session["created_at"], MINUTE, cost)
        seq = await pc.event("session.ended", first)
        await pc.wait_acked(seq)
        await pc.event("session.ended", {**first, "used_ms": 30 * MINUTE, "cost": 600_000}, seq=seq)
        await async_wait_until(lambda: len([a for a in pc.acks if a.up_to_seq == seq]) >= 2, 10, "second ack")
    record = (await call(api, "GET", f"/sessions/{session['id']}")).json()
    assert (record["used_ms"], record["cost"]) == (MINUTE, cost)
    assert (await call(api, "GET", f"/members/{member['id']}")).json()["balance"] == 1_000_000 - cost
