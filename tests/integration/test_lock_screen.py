"""The lock screen on the real broker and hub: a real agent process (``icafe agent --simulated --ui``, its
clock 60 times faster) starts the real lock screen, driven by a robot's hands (``ui_robot.py``).

A member and a voucher log in at the screen; the timer counts down and the session ends and locks on
time; a ``kill -9`` of the UI mid-session brings it back (the session goes on) and raises one ``tamper``
alert at the hub; a foreign process on the local link is refused and alerted; with the broker stopped, a
member who logged in here before logs in on the offline credit, and the session reaches the hub when the
broker is back; an idle customer is warned, then logged out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from icafe.stack import LocalStack
from icafe.supervisor import Service, ServiceSpec
from protocol import PcSettings, TariffSpec, TopicKind, encode, topic
from provisioning import HUB_IDENTITY

from .conftest import client_for, pc_status, wait_until

PC = "pc-screen"
SCALE = 60
ROBOT = Path(__file__).with_name("ui_robot.py")
# How long the test waits for a killed screen to be back: the guarantee is 2 s (bench/agent.py measures
# it: 0.1-0.3 s); five times that, so that a loaded test machine cannot make it flake.
BACK_WITHIN_S = 10.0
PIN = "4826"
STRONG_PASSWORD = "copper lantern meadow 7 swift"  # strong enough for the offline verifier


class Screen:
    """The robot's side of the lock screen: actions in, what the screen shows out."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def do(self, **action: str) -> None:
        path = self.folder / f"do-{time.monotonic_ns()}.json"
        path.with_suffix(".tmp").write_text(json.dumps(action))
        path.with_suffix(".tmp").replace(path)

    def views(self) -> list[dict[str, Any]]:
        found = []
        for path in self.folder.glob("view-*.json"):
            with contextlib.suppress(ValueError, OSError):
                found.append(json.loads(path.read_text()))
        return found

    def live(self) -> dict[str, Any] | None:
        """The view of the UI process that is alive and connected to the agent."""
        for view in self.views():
            with contextlib.suppress(ProcessLookupError):
                os.kill(view["pid"], 0)
                if view["connected"] and view["mode"] is not None:
                    return view
        return None

    def showing(self, mode: str) -> dict[str, Any] | None:
        view = self.live()
        return view if view is not None and view["mode"] == mode else None


@pytest.fixture(scope="module")
def screen_agent(
    stack: LocalStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Service, Screen]]:
    folder = tmp_path_factory.mktemp("robot")
    config = stack.enroll(PC)
    agent = stack.supervisor.start(
        ServiceSpec(
            name=f"agent-{PC}",
            argv=[sys.executable, "-m", "icafe", "agent", "--config", str(config), "--simulated", "--ui"],
            env={
                "ICAFE_TELEMETRY_S": "0.5",
                "ICAFE_CLOCK_SCALE": str(SCALE),
                "ICAFE_AGENT_UI_COMMAND": f"{sys.executable} {ROBOT} {folder}",
                "QT_QPA_PLATFORM": "offscreen",
            },
            log_path=stack.log(f"agent-{PC}"),
            ready=lambda: True,
        )
    )
    yield agent, Screen(folder)
    agent.stop()


def alerts(api: httpx.Client, kind: str) -> dict[str, Any] | None:
    return next((a for a in api.get(f"/pcs/{PC}").json()["alerts"] if a["kind"] == kind), None)


def member(api: httpx.Client, balance: int, secret: str = PIN) -> tuple[str, str]:
    login = f"s{uuid.uuid4().hex[:8]}"
    created = api.post("/members", json={"login": login, "secret": secret}).json()
    credit = {"amount": balance, "reason": "test credit", "idempotency_key": uuid.uuid4().hex}
    assert api.post(f"/members/{created['id']}/balance-adjustments", json=credit).is_success
    return login, secret


def current_session(api: httpx.Client) -> str | None:
    session_id: str | None = api.get(f"/pcs/{PC}").json()["session_id"]
    return session_id


def test_a_member_logs_in_at_the_screen_and_a_killed_ui_comes_back_with_one_alert(
    screen_agent: tuple[Service, Screen], api: httpx.Client
) -> None:
    _, screen = screen_agent
    wait_until(lambda: pc_status(api, PC) == "online", 30, "agent online")
    wait_until(lambda: screen.showing("locked"), 30, "the lock screen up")
    login, secret = member(api, 2_000_000)  # 20 000 so'm: 100 minutes, 100 s here
    screen.do(do="member", login=login, secret="0000")
    wait_until(lambda: (v := screen.live()) and "Wrong login" in v["message"], 15, "a wrong secret refused")
    screen.do(do="member", login=login, secret=secret)
    view = wait_until(lambda: screen.showing("session"), 15, "the timer after logging in")
    assert view["timer_visible"]
    assert not view["lock_visible"]
    session_id = wait_until(lambda: current_session(api), 10, "the session at the hub")
    first = view["time_left"]
    wait_until(lambda: (v := screen.live()) and v["time_left"] != first, 5, "the timer counts down")

    before = alerts(api, "tamper")
    os.kill(view["pid"], signal.SIGKILL)
    back = wait_until(
        lambda: (v := screen.showing("session")) and v["pid"] != view["pid"] and v, BACK_WITHIN_S, "back"
    )
    assert back["timer_visible"]
    assert not back["lock_visible"]
    tamper = wait_until(lambda: alerts(api, "tamper"), 10, "a tamper alert")
    assert tamper["count"] == (before["count"] if before else 0) + 1
    assert tamper["details"]["type"] == "tamper.ui_exited"
    assert current_session(api) == session_id, "the session went on"

    screen.do(do="end")
    wait_until(lambda: screen.showing("locked"), 10, "locked after ending the session")
    record = wait_until(
        lambda: (r := api.get(f"/sessions/{session_id}").json())["state"] == "ended" and r, 15, "ended"
    )
    assert record["end_reason"] == "ended by the customer"


def test_a_voucher_session_counts_down_and_locks_on_time(
    screen_agent: tuple[Service, Screen], api: httpx.Client
) -> None:
    _, screen = screen_agent
    wait_until(lambda: screen.showing("locked"), 30, "the lock screen up")
    if api.get("/shifts/current").status_code == 404:
        api.post("/shifts", json={"opening_float": 0})
    sold = api.post(
        "/payments",
        json={"purpose": "voucher", "method": "cash", "amount": 40_000},  # 400 so'm: 2 minutes
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert sold.status_code == 201, sold.text
    screen.do(do="code", code=sold.json()["voucher_code"])
    wait_until(lambda: screen.showing("session"), 15, "the timer after the voucher")
    session_id = wait_until(lambda: current_session(api), 10, "the voucher's session")
    view = wait_until(lambda: (v := screen.showing("locked")) and v["over"] and v, 30, "locked on time")
    assert view["over"] == "expired"
    record = wait_until(
        lambda: (r := api.get(f"/sessions/{session_id}").json())["state"] == "ended" and r, 15, "ended"
    )
    assert record["end_reason"] == "expired"
    assert record["used_ms"] == record["prepaid_minutes"] * 60_000  # what the voucher bought, to the minute


def test_a_foreign_process_on_the_link_is_refused_and_alerted(
    stack: LocalStack, screen_agent: tuple[Service, Screen], api: httpx.Client
) -> None:
    _, screen = screen_agent
    wait_until(lambda: screen.showing("locked"), 30, "the lock screen up")
    before = alerts(api, "tamper")
    path = stack.agents_dir / PC / "state" / "link" / "ui.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as foreign:
        foreign.settimeout(5)
        foreign.connect(str(path))
        try:
            foreign.sendall(b'{"op": "hello", "secret": "guessed"}\n')
            answer = foreign.recv(1024)
        except (BrokenPipeError, ConnectionResetError):
            answer = b""  # closed before the hello even arrived
        assert answer == b"", "the agent closes the link on a foreign process"
    tamper = wait_until(
        lambda: (a := alerts(api, "tamper")) and a["details"]["type"] == "tamper.link_refused" and a,
        10,
        "a link_refused alert",
    )
    assert tamper["count"] == (before["count"] if before else 0) + 1
    assert "not the lock screen" in tamper["details"]["reason"]
    assert screen.showing("locked"), "the real lock screen is untouched"


def test_with_the_broker_down_a_member_logs_in_at_the_screen_on_the_offline_credit(
    stack: LocalStack, screen_agent: tuple[Service, Screen], api: httpx.Client
) -> None:
    _, screen = screen_agent
    wait_until(lambda: screen.showing("locked"), 30, "the lock screen up")
    login, secret = member(api, 2_000_000, secret=STRONG_PASSWORD)
    # Online first: this PC learns the member's offline verifier.
    screen.do(do="member", login=login, secret=secret)
    wait_until(lambda: screen.showing("session"), 15, "in session online")
    online = wait_until(lambda: current_session(api), 10, "the online session at the hub")
    screen.do(do="end")
    wait_until(lambda: screen.showing("locked"), 10, "locked again")
    wait_until(lambda: api.get(f"/sessions/{online}").json()["state"] == "ended", 15, "the online one ended")

    stack.supervisor.stop("mosquitto")
    try:
        wait_until(lambda: (v := screen.showing("locked")) and v["offline"], 15, "the screen says offline")
        screen.do(do="member", login=login, secret=secret)
        playing = wait_until(lambda: screen.showing("session"), 15, "in session on the offline credit")
        assert playing["offline"]
        # The credit (1 000 so'm) buys 5 minutes by day, 7.5 at night: seconds at this clock.
        over = wait_until(lambda: (v := screen.showing("locked")) and v["over"] and v, 30, "credit used up")
        assert over["over"] == "expired"
        assert "offline credit is used up" in over["over_text"]
    finally:
        stack.supervisor.restart("mosquitto")

    def synced() -> dict[str, Any] | None:
        items = api.get("/sessions", params={"pc_id": PC}).json()["items"]  # the only offline one here
        return next((s for s in items if "offline" in s["flags"] and s["state"] == "ended"), None)

    record = wait_until(synced, 60, "the offline session at the hub")
    assert "unverified" not in record["flags"], "the proof made from the password checks out"
    assert record["end_reason"] == "expired"
    assert 0 < record["cost"] <= 100_000  # within the stack's offline credit
    assert record["used_ms"] > 0


def test_an_idle_customer_is_warned_then_logged_out(
    stack: LocalStack, screen_agent: tuple[Service, Screen], api: httpx.Client
) -> None:
    _, screen = screen_agent
    wait_until(lambda: screen.showing("locked"), 30, "the lock screen up")
    # The hub's settings for this PC, with an idle timeout of 2 minutes (2 s at this clock).
    tariff = TariffSpec.model_validate(api.get("/tariffs/standard").json(), strict=False)
    settings = PcSettings(hub_time=int(time.time() * 1000), tariff=tariff, idle_timeout_s=120)

    async def publish() -> None:
        async with client_for(stack, HUB_IDENTITY) as hub:
            await hub.publish(topic("main", PC, TopicKind.CONFIG), encode(settings), qos=1, retain=True)

    asyncio.run(publish())
    login, secret = member(api, 2_000_000)
    screen.do(do="member", login=login, secret=secret)
    wait_until(lambda: screen.showing("session"), 15, "in session")
    session_id = wait_until(lambda: current_session(api), 10, "the session at the hub")
    warned = wait_until(
        lambda: (v := screen.showing("session")) and v["idle_in_ms"] is not None and v, 10, "warned"
    )
    assert warned["idle_in_ms"] <= 60_000
    screen.do(do="activity")  # the customer moves the mouse: the warning goes
    wait_until(lambda: (v := screen.showing("session")) and v["idle_in_ms"] is None, 5, "activity seen")
    view = wait_until(lambda: (v := screen.showing("locked")) and v["over"] and v, 15, "logged out idle")
    assert view["over"] == "idle"
    record = wait_until(
        lambda: (r := api.get(f"/sessions/{session_id}").json())["state"] == "ended" and r, 15, "ended"
    )
    assert record["end_reason"] == "idle"
