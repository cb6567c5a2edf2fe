"""A PC is hostile: with one PC's certificate, the attacks measured against the hub are refused or
contained. The hub's state is unchanged (balances, the other PC's session), the attempt is counted
(``GET /metrics``) and alerted (``GET /api/v1/pcs/{id}`` and ``pc.alert`` on the WebSocket).

The attacker is a second PC, ``pc-rogue``, speaking through its own certificate with crafted payloads;
the victim is a real agent process, ``pc-target``, running a member's session."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from icafe.stack import LocalStack
from icafe.supervisor import Service
from protocol import MAX_SEQ, TopicKind, encode
from protocol.codec import MAX_BYTES
from protocol.messages import Hardware, Hello
from protocol.offline import derive_key, sign

from .conftest import (
    ADMIN_CONFIRMATION,
    async_wait_until,
    client_for,
    metric,
    start_online_agent,
)
from .rogue import RoguePc, now_ms
from .test_presence import LiveFeed

ROGUE = "pc-rogue"
VICTIM = "pc-target"
MINUTE = 60_000


async def call(api: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return await asyncio.to_thread(api.request, method, path, **kwargs)


async def new_member(api: httpx.Client, balance: int, secret: str = "4321") -> dict[str, Any]:  # noqa: S107
    body = {"login": f"h{uuid.uuid4().hex[:8]}", "secret": secret}
    member: dict[str, Any] = (await call(api, "POST", "/members", json=body)).json()
    credit = {"amount": balance, "reason": "test credit", "idempotency_key": uuid.uuid4().hex}
    assert (await call(api, "POST", f"/members/{member['id']}/balance-adjustments", json=credit)).is_success
    member["secret"] = secret
    return member


async def balance(api: httpx.Client, member_id: str) -> int:
    value: int = (await call(api, "GET", f"/members/{member_id}")).json()["balance"]
    return value


async def pc_alerts(api: httpx.Client, pc_id: str) -> dict[str, dict[str, Any]]:
    view = (await call(api, "GET", f"/pcs/{pc_id}")).json()
    return {alert["kind"]: alert for alert in view["alerts"]}


async def alerted(api: httpx.Client, pc_id: str, kind: str, more_than: int = 0) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        alert = (await pc_alerts(api, pc_id)).get(kind)
        return alert if alert and alert["count"] > more_than else None

    found: dict[str, Any] = await async_wait_until(check, 10, f"a {kind} alert for {pc_id}")
    return found


async def alert_count(api: httpx.Client, pc_id: str, kind: str) -> int:
    alert = (await pc_alerts(api, pc_id)).get(kind)
    return int(alert["count"]) if alert else 0


def ended(
    session_id: str, member_id: str | None, used_ms: int, *, kind: str = "member", **extra: Any
) -> dict[str, Any]:
    started_at = now_ms() - used_ms
    return {
        "session_id": session_id,
        "reason": "stopped",
        "kind": kind,
        "member_id": member_id,
        "tariff_id": "standard",
        "started_at": started_at,
        "ended_at": started_at + used_ms,
        "used_ms": used_ms,
        "cost": 0,
        **extra,
    }


@pytest.fixture(scope="module")
def victim_agent(stack: LocalStack, token: str) -> Service:
    return start_online_agent(stack, VICTIM, token=token)


@pytest.fixture
async def rogue(stack: LocalStack, api: httpx.Client) -> AsyncIterator[RoguePc]:
    async with RoguePc(stack, ROGUE, api) as pc:
        yield pc


@pytest.fixture
async def feed(stack: LocalStack, token: str) -> AsyncIterator[LiveFeed]:
    async with LiveFeed(stack, token) as live:
        yield live


def pushed_alerts(feed: LiveFeed, pc_id: str, kind: str) -> list[dict[str, Any]]:
    return [
        e["alert"]  # type: ignore[misc]
        for e in feed.events
        if e.get("type") == "pc.alert" and e.get("pc_id") == pc_id and e["alert"]["kind"] == kind  # type: ignore[index]
    ]


async def test_a_forged_end_for_another_member_charges_nothing(
    stack: LocalStack, api: httpx.Client, rogue: RoguePc, feed: LiveFeed
) -> None:
    member = await new_member(api, 500_000)
    quarantined = metric(stack, "icafe_journal_quarantined_total", 'reason="unknown_session"')
    # A session the hub never ordered, naming the member: quarantined.
    seq = await rogue.event("session.ended", ended(uuid.uuid4().hex, member["id"], 600 * MINUTE))
    await rogue.wait_acked(seq)  # acknowledged: an honest journal is never blocked behind a refusal
    alert = await alerted(api, ROGUE, "event_quarantined")
    assert "unknown_session" in json.dumps(alert)
    assert metric(stack, "icafe_journal_quarantined_total", 'reason="unknown_session"') == quarantined + 1
    await async_wait_until(lambda: pushed_alerts(feed, ROGUE, "event_quarantined"), 5, "pc.alert pushed")
    quarantine = (await call(api, "GET", f"/pcs/{ROGUE}")).json()["quarantined"]
    assert any(q["seq"] == seq and q["reason"] == "unknown_session" for q in quarantine)

    # The same as an "offline" session: without a valid proof it is the PC's, flagged, and charges nothing.
    for proof in (None, "A" * 86):
        session_id = uuid.uuid4().hex
        data = ended(session_id, member["id"], 600 * MINUTE, offline=True, proof=proof)
        await rogue.wait_acked(await rogue.event("session.ended", data))
        record = (await call(api, "GET", f"/sessions/{session_id}")).json()
        assert record["state"] == "ended"
        assert record["pc_id"] == ROGUE
        assert {"offline", "unverified"} <= set(record["flags"])
        assert record["review"] == "pending"
        assert record["used_ms"] <= 100_000_000  # bounded by the hub's offline credit, not the claim
    await alerted(api, ROGUE, "offline_unverified", more_than=1)
    assert await balance(api, member["id"]) == 500_000
    assert (await call(api, "GET", f"/members/{member['id']}")).json()["active_session"] is None


async def test_a_forged_end_of_another_pcs_session_leaves_it_running_and_stoppable(
    stack: LocalStack, api: httpx.Client, victim_agent: Service, rogue: RoguePc
) -> None:
    member = await new_member(api, 500_000)
    started = await call(api, "POST", "/sessions", json={"pc_id": VICTIM, "member_id": member["id"]})
    assert started.status_code == 201, started.text
    session = started.json()
    before = metric(stack, "icafe_journal_quarantined_total", 'reason="other_pc_session"')
    count = await alert_count(api, ROGUE, "event_quarantined")

    seq = await rogue.event("session.ended", ended(session["id"], member["id"], 600 * MINUTE))
    await rogue.wait_acked(seq)
    await alerted(api, ROGUE, "event_quarantined", more_than=count)
    assert metric(stack, "icafe_journal_quarantined_total", 'reason="other_pc_session"') == before + 1
    record = (await call(api, "GET", f"/sessions/{session['id']}")).json()
    assert record["state"] == "active"
    assert await balance(api, member["id"]) == 500_000

    stopped = await call(api, "POST", f"/sessions/{session['id']}/stop", json={"reason": "staff"})
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["state"] == "ended"
    assert await balance(api, member["id"]) == 500_000 - stopped.json()["cost"]


async def test_out_of_range_figures_are_malformed_counted_and_alerted(
    stack: LocalStack, api: httpx.Client, rogue: RoguePc
) -> None:
    before = metric(stack, "icafe_mqtt_messages_dropped_total", 'reason="malformed"')
    count = await alert_count(api, ROGUE, "malformed_message")
    session_id = uuid.uuid4().hex
    crafted = [
        ("session.checkpoint", {"session_id": session_id, "used_ms": MINUTE, "cost": -500_000}),
        ("session.checkpoint", {"session_id": session_id, "used_ms": 10**30, "cost": 1}),
        ("session.ended", ended(session_id, None, MINUTE, kind="postpaid", cost=10**30)),
        ("session.checkpoint", {"session_id": session_id, "used_ms": MINUTE, "cost": 1, "x": 10**30}),
    ]
    for type_, data in crafted:
        await rogue.raw_event(1, type_, data)
    await async_wait_until(
        lambda: (
            metric(stack, "icafe_mqtt_messages_dropped_total", 'reason="malformed"') >= before + len(crafted)
        ),
        10,
        "malformed events counted",
    )
    await alerted(api, ROGUE, "malformed_message", more_than=count + len(crafted) - 1)
    assert (await call(api, "GET", f"/sessions/{session_id}")).status_code == 404
    assert (await asyncio.to_thread(httpx.get, f"{stack.api_url}/healthz")).status_code == 200


async def test_a_payload_over_the_bound_is_dropped_before_decoding(
    stack: LocalStack, api: httpx.Client, rogue: RoguePc
) -> None:
    before = metric(stack, "icafe_mqtt_messages_dropped_total", 'reason="oversized"')
    padding = "x" * (MAX_BYTES[TopicKind.EVENTS] * 2)
    payload = json.dumps({"v": 1, "journal": rogue.journal, "seq": 1, "type": padding, "data": {}, "at": 1})
    await rogue.publish(TopicKind.EVENTS, payload.encode())
    await async_wait_until(
        lambda: metric(stack, "icafe_mqtt_messages_dropped_total", 'reason="oversized"') == before + 1,
        10,
        "oversized counted",
    )
    await alerted(api, ROGUE, "oversized_message")


async def test_an_extension_the_hub_never_ordered_moves_nothing(
    stack: LocalStack, api: httpx.Client, rogue: RoguePc
) -> None:
    member = await new_member(api, 300_000)
    response = await call(api, "POST", "/sessions", json={"pc_id": ROGUE, "member_id": member["id"]})
    assert response.status_code == 201, response.text
    session = response.json()
    before = metric(stack, "icafe_journal_quarantined_total", 'reason="extension_not_ordered"')
    year_2100 = 4_102_444_800_000
    forged = {"session_id": session["id"], "ends_at": year_2100, "budget": 10**15, "prepaid_minutes": None}
    await rogue.wait_acked(await rogue.event("session.extended", forged))
    assert metric(stack, "icafe_journal_quarantined_total", 'reason="extension_not_ordered"') == before + 1
    record = (await call(api, "GET", f"/sessions/{session['id']}")).json()
    assert (record["budget"], record["ends_at"]) == (session["budget"], session["ends_at"])

    # Its own end, claiming far more time than the hub allows: bounded by the budget's limit and charged
    # at the hub's price, never more than the balance.
    claim = ended(session["id"], member["id"], 7 * 24 * 60 * MINUTE, cost=10**15)
    await rogue.wait_acked(await rogue.event("session.ended", claim))
    record = (await call(api, "GET", f"/sessions/{session['id']}")).json()
    assert record["state"] == "ended"
    assert "bounded" in record["flags"]
    assert record["used_ms"] < claim["used_ms"]
    assert 0 <= record["cost"] <= 300_000
    assert await balance(api, member["id"]) == 300_000 - record["cost"]
    await alerted(api, ROGUE, "session_bounded")


async def test_a_huge_seq_cannot_poison_the_journal(
    stack: LocalStack, api: httpx.Client, rogue: RoguePc
) -> None:
    gaps = metric(stack, "icafe_journal_gaps_total")
    before = metric(stack, "icafe_journal_quarantined_total", 'reason="seq_out_of_window"')
    session_id = uuid.uuid4().hex
    await rogue.event(
        "session.resumed", {"session_id": session_id, "gap_ms": 0, "same_boot": True}, seq=MAX_SEQ
    )
    await async_wait_until(
        lambda: metric(stack, "icafe_journal_quarantined_total", 'reason="seq_out_of_window"') == before + 1,
        10,
        "seq out of window quarantined",
    )
    # A normal event after it: acknowledged, and no gap is ever reported.
    await rogue.wait_acked(await rogue.event("clock.jump", {"delta_ms": 5000, "session_id": None}, seq=1))
    await rogue.wait_acked(await rogue.event("clock.jump", {"delta_ms": 5000, "session_id": None}, seq=2))
    assert metric(stack, "icafe_journal_gaps_total") == gaps
    assert rogue.acked() == 2


async def test_a_hello_under_another_site_is_dropped(
    stack: LocalStack, api: httpx.Client, rogue: RoguePc
) -> None:
    """Defence in depth behind the broker's ACL: published with the hub's own identity (which the ACL lets
    write anywhere), as a PC's hello under another site than the one on record for that PC."""
    before = metric(stack, "icafe_mqtt_messages_dropped_total", 'reason="foreign_site"')
    hello = Hello(
        agent_version="x", hostname="evil", os="x", hardware=Hardware(), boot_time=1, sent_at=now_ms()
    )
    async with client_for(stack, "icafe-hub") as hub_identity:
        await hub_identity.publish(rogue.topic(TopicKind.HELLO, site="other-site"), encode(hello), qos=1)
    await async_wait_until(
        lambda: metric(stack, "icafe_mqtt_messages_dropped_total", 'reason="foreign_site"') == before + 1,
        10,
        "foreign site counted",
    )
    await alerted(api, ROGUE, "foreign_site")
    view = (await call(api, "GET", f"/pcs/{ROGUE}")).json()
    assert (view["site"], view["hostname"]) != ("other-site", "evil")
    listed = (await call(api, "GET", "/pcs", params={"limit": 500})).json()["items"]
    assert next(pc for pc in listed if pc["id"] == ROGUE)["alert_count"] >= 1


async def test_an_offline_session_is_charged_only_with_a_proof_made_from_the_secret(
    stack: LocalStack, api: httpx.Client, rogue: RoguePc
) -> None:
    """The rogue PC got the member's verifier honestly (the member logged in there); with it alone it
    cannot prove a session; with the secret typed at the PC it can, and only for itself."""
    member = await new_member(api, 500_000, "violet mango river canoe 42")
    reply = await rogue.login(member["login"], member["secret"])
    assert reply.ok, reply.reason
    assert reply.offline is not None
    await call(api, "POST", f"/sessions/{reply.session_id}/stop", json={})

    def offline_events(
        session_id: str, proof: str | None, started_at: int
    ) -> list[tuple[str, dict[str, Any]]]:
        common = {
            "session_id": session_id,
            "kind": "member",
            "member_id": member["id"],
            "tariff_id": "standard",
        }
        extra = {"offline": True, "proof": proof}
        return [
            ("session.started", {**common, "started_at": started_at, "budget": 100_000, **extra}),
            (
                "session.ended",
                {
                    **common,
                    "reason": "stopped",
                    "started_at": started_at,
                    "ended_at": started_at + MINUTE,
                    "used_ms": MINUTE,
                    "cost": 0,
                    **extra,
                },
            ),
        ]

    async def play(session_id: str, proof: str | None, started_at: int) -> dict[str, Any]:
        for type_, data in offline_events(session_id, proof, started_at):
            seq = await rogue.event(type_, data)
        await rogue.wait_acked(seq)
        record: dict[str, Any] = (await call(api, "GET", f"/sessions/{session_id}")).json()
        return record

    started_at = now_ms()
    # 1. Only the verifier (public key, salt, cost) in hand: no key it can make signs for the member.
    forged_key = derive_key(reply.offline.public_key, reply.offline.salt, reply.offline.cost)
    forged_id = uuid.uuid4().hex
    forged = await play(forged_id, sign(forged_key, ROGUE, forged_id, member["id"], started_at), started_at)
    assert "unverified" in forged["flags"]
    assert await balance(api, member["id"]) == 500_000 - (await session_cost(api, reply.session_id))

    # 2. The secret typed at this PC: the proof checks out and the member pays the hub's price.
    key = await asyncio.to_thread(derive_key, member["secret"], reply.offline.salt, reply.offline.cost)
    proven_id = uuid.uuid4().hex
    proven = await play(proven_id, sign(key, ROGUE, proven_id, member["id"], started_at), started_at)
    assert "unverified" not in proven["flags"]
    assert proven["review"] is None
    paid_before = 500_000 - (await session_cost(api, reply.session_id))
    assert await balance(api, member["id"]) == paid_before - proven["cost"]

    # 3. Staff decide on the unverified one: charge it, once, with a confirmation; a second review is refused.
    review = {"decision": "charge", "confirmation": ADMIN_CONFIRMATION}
    assert (
        await call(api, "POST", f"/sessions/{forged_id}/review", json={"decision": "charge"})
    ).status_code == 403
    decided = await call(api, "POST", f"/sessions/{forged_id}/review", json=review)
    assert decided.status_code == 200, decided.text
    assert decided.json()["review"] == "charged"
    assert await balance(api, member["id"]) == paid_before - proven["cost"] - forged["cost"]
    assert (await call(api, "POST", f"/sessions/{forged_id}/review", json=review)).status_code == 409
    audit = (await call(api, "GET", "/audit", params={"action": "session.review"})).json()["items"]
    assert any(entry["target"] == f"session:{forged_id}" for entry in audit)


async def session_cost(api: httpx.Client, session_id: str | None) -> int:
    record = (await call(api, "GET", f"/sessions/{session_id}")).json()
    return int(record["cost"] or 0) if record["state"] == "ended" else 0
