"""Guessing members' PINs from a PC's certificate: limited per member and per PC, locked with back-off
(counters in Redis, kept across a hub restart), no oracle (a right PIN for a busy or locked-out member
gets the same reply as a wrong one), counted and alerted; the hub never sends a PC a member's hash."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx

from hub.mqtt.login import REFUSED
from hub.mqtt.login_limits import MEMBER_POLICY, PC_POLICY
from icafe.stack import LocalStack
from protocol import CommandType, MemberLogin, TopicKind, encode

from .conftest import async_wait_until, metric
from .rogue import RoguePc
from .test_hostile_pc import alerted, call, new_member, pushed_alerts
from .test_presence import LiveFeed

PIN = "4321"


def pc_id(name: str) -> str:
    return f"pc-{name}-{uuid.uuid4().hex[:6]}"


def wrong_pins(count: int) -> list[str]:
    return [f"{n:04d}" for n in range(count + 1) if f"{n:04d}" != PIN][:count]


async def test_guessing_one_members_pin_is_locked_out_even_for_the_right_pin(
    stack: LocalStack, api: httpx.Client, token: str
) -> None:
    member = await new_member(api, 100_000, PIN)
    locked_before = metric(stack, "icafe_pc_logins_total", 'outcome="locked"')
    async with LiveFeed(stack, token) as feed, RoguePc(stack, pc_id("guesser"), api) as rogue:
        replies = [await rogue.login(member["login"], pin) for pin in wrong_pins(MEMBER_POLICY.free)]
        assert {(r.ok, r.reason) for r in replies} == {(False, REFUSED)}
        # Locked now: the right PIN gets the same reply and no session.
        right = await rogue.login(member["login"], PIN)
        assert (right.ok, right.reason, right.session_id) == (False, REFUSED, None)
        assert metric(stack, "icafe_pc_logins_total", 'outcome="locked"') == locked_before + 1
        alert = await alerted(api, rogue.pc_id, "login_failures")
        assert alert["details"]["login"] == member["login"]
        await async_wait_until(
            lambda: pushed_alerts(feed, rogue.pc_id, "login_failures"), 5, "pc.alert pushed"
        )

        # From another PC too: the member's own limit holds wherever the guesses come from.
        async with RoguePc(stack, pc_id("elsewhere"), api) as other:
            assert (await other.login(member["login"], PIN)).reason == REFUSED

        # The counters live in Redis: a hub killed and restarted still refuses.
        stack.supervisor.services["hub"].kill()
        await asyncio.to_thread(stack.supervisor.restart, "hub")
        again = await rogue.login(member["login"], PIN, timeout_s=30)
        assert (again.ok, again.reason) == (False, REFUSED)
    member_after = (await call(api, "GET", f"/members/{member['id']}")).json()
    assert member_after["active_session"] is None
    assert member_after["balance"] == 100_000


async def test_copies_of_one_login_request_are_answered_once_and_start_one_session(
    stack: LocalStack, api: httpx.Client
) -> None:
    member = await new_member(api, 100_000, PIN)
    copies_before = metric(stack, "icafe_pc_logins_total", 'outcome="copy"')
    async with RoguePc(stack, pc_id("resender"), api) as rogue:
        # What the agent sends when the first copy is not answered in time (edge_agent.login).
        request = MemberLogin(request_id=uuid.uuid4().hex, login=member["login"], secret=PIN)
        for _ in range(3):
            await rogue.publish(TopicKind.LOGIN, encode(request))
        reply = await async_wait_until(lambda: rogue.replies.get(request.request_id), 10, "login reply")
        assert reply.ok, reply.reason
        await async_wait_until(
            lambda: metric(stack, "icafe_pc_logins_total", 'outcome="copy"') == copies_before + 2,
            10,
            "both copies recognised",
        )
        assert rogue.replies_received == 1
        starts = [command for command in rogue.commands if command.type == CommandType.SESSION_START]
        assert len(starts) == 1
    member_after = (await call(api, "GET", f"/members/{member['id']}")).json()
    assert member_after["active_session"] == reply.session_id


async def test_one_pc_spraying_a_pin_across_members_is_locked(stack: LocalStack, api: httpx.Client) -> None:
    members = [await new_member(api, 100_000, PIN) for _ in range(PC_POLICY.free + 1)]
    async with RoguePc(stack, pc_id("sprayer"), api) as rogue:
        for member in members[: PC_POLICY.free]:
            assert (await rogue.login(member["login"], "0000")).reason == REFUSED
        # The PC is locked: a right PIN of a member never tried before is refused alike.
        last = await rogue.login(members[-1]["login"], PIN)
        assert (last.ok, last.reason) == (False, REFUSED)
        await alerted(api, rogue.pc_id, "login_failures")


async def test_a_right_pin_for_a_busy_member_reads_like_a_wrong_one(
    stack: LocalStack, api: httpx.Client
) -> None:
    member = await new_member(api, 100_000, PIN)
    async with RoguePc(stack, pc_id("seat"), api) as seat, RoguePc(stack, pc_id("prober"), api) as prober:
        # The member is playing at another PC (its agent took the session).
        busy = await call(api, "POST", "/sessions", json={"pc_id": seat.pc_id, "member_id": member["id"]})
        assert busy.status_code == 201, busy.text
        right = await prober.login(member["login"], PIN)
        wrong = await prober.login(member["login"], "0000")
        unknown = await prober.login(f"nobody{uuid.uuid4().hex[:6]}", PIN)
        assert right.model_dump(exclude={"request_id"}) == wrong.model_dump(exclude={"request_id"})
        assert right.model_dump(exclude={"request_id"}) == unknown.model_dump(exclude={"request_id"})
        assert (right.ok, right.reason) == (False, REFUSED)
        stopped = await call(api, "POST", f"/sessions/{busy.json()['id']}/stop", json={})
        assert stopped.status_code in (200, 504)  # the fake seat never journals an end


async def test_a_right_login_gets_no_hash_and_a_pin_no_verifier(stack: LocalStack, api: httpx.Client) -> None:
    member = await new_member(api, 100_000, PIN)
    strong = await new_member(api, 100_000, "violet mango river canoe 42")
    raw: list[dict[str, Any]] = []
    for who in (member, strong):
        async with RoguePc(stack, pc_id("honest"), api) as pc:
            reply = await pc.login(who["login"], who["secret"])
            assert reply.ok, reply.reason
            raw.append(json.loads(reply.model_dump_json()))
    text = json.dumps(raw)
    assert "argon2" not in text
    assert "secret_hash" not in text
    assert raw[0]["offline"] is None
    assert set(raw[1]["offline"]) == {"salt", "public_key", "cost", "expires_at"}
