"""A member logs in at the PC (the lock screen's local operation): checked by the hub online; offline, with
a strong password, against the verifier the hub gave this PC, within the site's offline credit, and the
offline session, proven by the key derived from the password, is charged when it syncs. A PIN member
cannot log in offline: nothing of a PIN is ever cached on a PC."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx

from edge_agent.agent import Agent
from edge_agent.config import load_agent_config
from edge_agent.control import SimulatedPc
from edge_agent.runner import build_agent
from edge_agent.telemetry import SharedTelemetry
from hub.mqtt.login import REFUSED
from icafe.stack import LocalStack

from .conftest import async_wait_until

OFFLINE_CREDIT = 100_000
PASSWORD = "violet mango river canoe 42"  # strong enough for an offline verifier


async def make_agent(stack: LocalStack, pc_id: str, pc: SimulatedPc) -> Agent:
    config = load_agent_config(stack.enroll(pc_id), {"ICAFE_TELEMETRY_S": "1"}, simulated=True)
    return await build_agent(config, pc, SharedTelemetry().for_pc())


async def call(api: httpx.Client, method: str, path: str, **kwargs: object) -> httpx.Response:
    return await asyncio.to_thread(api.request, method, path, **kwargs)  # type: ignore[arg-type]


async def test_member_login_online_then_offline(stack: LocalStack, api: httpx.Client, tmp_path: Path) -> None:
    login = f"pc{uuid.uuid4().hex[:8]}"
    member = (await call(api, "POST", "/members", json={"login": login, "secret": PASSWORD})).json()
    assert (member["secret_kind"], member["offline_login"]) == ("password", True)
    credit = {"amount": 2_000_000, "reason": "test credit", "idempotency_key": uuid.uuid4().hex}
    await call(api, "POST", f"/members/{member['id']}/balance-adjustments", json=credit)
    pin_login = f"pin{uuid.uuid4().hex[:8]}"
    pin_member = (await call(api, "POST", "/members", json={"login": pin_login, "secret": "2468"})).json()
    assert (pin_member["secret_kind"], pin_member["offline_login"]) == ("pin", False)
    await call(
        api,
        "POST",
        f"/members/{pin_member['id']}/balance-adjustments",
        json={**credit, "idempotency_key": uuid.uuid4().hex},
    )

    pc = SimulatedPc()
    agent = await make_agent(stack, "pc-login", pc)
    link = asyncio.create_task(agent.run())
    await asyncio.wait_for(agent.connected.wait(), 15)
    await async_wait_until(
        lambda: agent.sessions is not None and agent.sessions.settings is not None, 10, "settings"
    )

    wrong = await agent.member_login(login, "0000")
    assert (wrong.ok, wrong.offline, wrong.reason) == (False, False, REFUSED)

    # The PIN member logs in and out online: nothing is cached for them.
    pin_online = await agent.member_login(pin_login, "2468")
    assert pin_online.ok, pin_online.reason
    assert (await call(api, "POST", f"/sessions/{pin_online.session_id}/stop", json={})).status_code == 200

    online = await agent.member_login(login, PASSWORD)
    assert online.ok, online.reason
    assert online.offline is False
    assert pc.locked is False
    record = (await call(api, "GET", f"/sessions/{online.session_id}")).json()
    assert (record["state"], record["member_id"], record["budget"]) == ("active", member["id"], 2_000_000)
    stopped = await call(api, "POST", f"/sessions/{online.session_id}/stop", json={"reason": "done"})
    assert stopped.status_code == 200
    online_cost = stopped.json()["cost"]
    assert pc.locked is True

    # The hub becomes unreachable for this PC.
    link.cancel()
    await asyncio.gather(link, return_exceptions=True)
    assert (await agent.member_login(pin_login, "2468")).ok is False  # no verifier for a PIN
    assert (await agent.member_login(login, PASSWORD + "x")).ok is False
    offline = await agent.member_login(login, PASSWORD)
    assert offline.ok, offline.reason
    assert offline.offline is True
    assert agent.sessions is not None
    running = agent.sessions.running
    assert running is not None
    assert running.order.budget == OFFLINE_CREDIT
    refused = await agent.member_login("stranger", "1234")
    assert refused.ok is False
    await agent.sessions.stop(running.order.session_id, "customer left")

    # The link returns: the offline session reaches the hub once, flagged for review.
    link = asyncio.create_task(agent.run())
    synced = await async_wait_until(
        lambda: (
            (r := api.get(f"/sessions/{offline.session_id}")).status_code == 200
            and r.json()["state"] == "ended"
            and r.json()
        ),
        20,
        "the offline session synced",
    )
    assert "offline" in synced["flags"]
    assert "unverified" not in synced["flags"]  # the proof made from the password checks out
    assert synced["review"] is None
    assert synced["member_id"] == member["id"]
    assert 0 <= synced["cost"] <= OFFLINE_CREDIT
    balance = (await call(api, "GET", f"/members/{member['id']}")).json()["balance"]
    assert balance == 2_000_000 - online_cost - synced["cost"]
    await agent.go_offline()
    link.cancel()
    await asyncio.gather(link, return_exceptions=True)
    agent.sessions.journal.close()


async def test_a_voucher_code_at_the_lock_screen_buys_time_and_gets_back_what_is_not_used(
    stack: LocalStack, api: httpx.Client
) -> None:
    if (await call(api, "GET", "/shifts/current")).status_code == 404:
        await call(api, "POST", "/shifts", json={"opening_float": 0})
    value = 3_000_000  # 30 000 so'm
    sold = await call(
        api,
        "POST",
        "/payments",
        json={"purpose": "voucher", "method": "cash", "amount": value},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert sold.status_code == 201, sold.text
    code = sold.json()["voucher_code"]

    async def voucher_balance() -> int:
        held: int = (await call(api, "POST", "/vouchers/check", json={"code": code})).json()["balance"]
        return held

    pc = SimulatedPc()
    agent = await make_agent(stack, "pc-voucher", pc)
    link = asyncio.create_task(agent.run())
    await asyncio.wait_for(agent.connected.wait(), 15)
    await async_wait_until(
        lambda: agent.sessions is not None and agent.sessions.settings is not None, 10, "settings"
    )

    unknown = await agent.code_login("NOPE-NOPE-NOPE")
    assert (unknown.ok, unknown.reason) == (False, "unknown code")
    seated = await agent.code_login(f"{code[:4]}-{code[4:8]}-{code[8:].lower()}")  # as a customer types it
    assert seated.ok, seated.reason
    assert pc.locked is False
    record = (await call(api, "GET", f"/sessions/{seated.session_id}")).json()
    assert record["kind"] == "prepaid"
    assert record["prepaid_minutes"] >= 60  # 30 000 so'm buy at least an hour at any rate of the tariff
    assert 0 <= await voucher_balance() < value  # the minutes were paid from the voucher
    assert record["paid"] == value - await voucher_balance()
    again = await agent.code_login(code)
    assert again.ok is False  # one session at a time on this PC

    stopped = await call(api, "POST", f"/sessions/{seated.session_id}/stop", json={"reason": "done"})
    assert stopped.status_code == 200, stopped.text
    ended = (await call(api, "GET", f"/sessions/{seated.session_id}")).json()
    assert ended["state"] == "ended"
    # What was not used is back on the voucher: it paid exactly the session's cost.
    assert await voucher_balance() == value - ended["cost"]
    assert ended["paid"] == ended["cost"]

    link.cancel()
    await asyncio.gather(link, return_exceptions=True)
    offline = await agent.code_login(code)
    assert offline.ok is False
    assert "unreachable" in offline.reason
    assert agent.sessions is not None
    agent.sessions.journal.close()
