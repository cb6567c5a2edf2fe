"""The admin console served by a real hub, and driven in a real browser (Debian's Chromium, through
Playwright) against that hub with real agent processes: admin_web/e2e/console.spec.ts.

The console is built first when its sources changed (admin_web/scripts/console.sh build). Screenshots go
to ICAFE_E2E_SCREENSHOTS (default: a folder under the system's temporary directory).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from icafe.agent_package import build_package
from icafe.stack import LocalStack, http_ready
from icafe.supervisor import ServiceSpec, free_port

from .browser import (
    build_console,
    needs_node,
    owner_client,
    run_playwright,
    screenshots_dir,
)
from .conftest import (
    ADMIN_CONFIRMATION,
    ADMIN_PASSWORD,
    Staff,
    start_agent_process,
    start_launched_agent,
    wait_until,
)
from .own_stack import own_stack

PCS = ["pc-101", "pc-102", "pc-103"]


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    build_console()
    with own_stack(tmp_path_factory.mktemp("console"), {"ICAFE_TELEMETRY_FLUSH_S": "0.1"}) as local:
        yield local


def _index_nonce(response: httpx.Response) -> str:
    csp = response.headers["content-security-policy"]
    found = re.search(r"style-src 'self' 'nonce-([A-Za-z0-9_-]+)'", csp)
    assert found, csp
    return found.group(1)


def test_console_is_served_with_strict_headers(console_stack: LocalStack) -> None:
    base = console_stack.api_url
    first, second = httpx.get(f"{base}/"), httpx.get(f"{base}/pcs?x=1")
    for page in (first, second):
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        csp = page.headers["content-security-policy"]
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        nonce = _index_nonce(page)
        assert f'nonce="{nonce}"' in page.text
        assert "__CSP_NONCE__" not in page.text
    # A fresh nonce for every page load.
    assert _index_nonce(first) != _index_nonce(second)

    script = re.search(r'src="(/assets/[^"]+\.js)"', first.text)
    assert script, first.text
    asset = httpx.get(f"{base}{script.group(1)}", headers={"Accept-Encoding": "gzip"})
    assert asset.status_code == 200
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert asset.headers["content-encoding"] == "gzip"
    assert asset.headers["content-type"].startswith("text/javascript")

    # The API's paths never fall back to the console's page.
    for path in ("/api/v1/no-such-route", "/api/v2/pcs", "/docsx", "/metricsfoo", "/assets/missing.js"):
        missing = httpx.get(f"{base}{path}")
        # 404, or the API's own 400 for a path that is not an id (hub/api/query.py checks /api/v1 paths).
        assert missing.status_code in (400, 404), path
        assert missing.headers["content-type"] == "application/json", path
        assert "<html" not in missing.text, path
    assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
    assert httpx.get(f"{base}/api/v1/pcs").status_code == 401


def test_unbuilt_console_says_how_to_build_it(console_stack: LocalStack, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **console_stack.hub_environment(),
        "ICAFE_HTTP_PORT": str(port),
        "ICAFE_HUB_ID": "hub-unbuilt",
        "ICAFE_CONSOLE_DIR": str(tmp_path),
    }
    console_stack.supervisor.start(
        ServiceSpec(
            name="hub-unbuilt",
            argv=[sys.executable, "-m", "icafe", "hub"],
            env=env,
            log_path=console_stack.log("hub-unbuilt"),
            ready=http_ready(f"http://127.0.0.1:{port}/healthz"),
            ready_timeout_s=60,
        )
    )
    try:
        for path in ("/", "/pcs"):
            page = httpx.get(f"http://127.0.0.1:{port}{path}")
            assert page.status_code == 200
            assert "make console" in page.text
            assert "no-cache" in page.headers["cache-control"]
    finally:
        console_stack.supervisor.stop("hub-unbuilt")


@needs_node
def test_console_in_a_browser(console_stack: LocalStack) -> None:
    stack = console_stack
    agents = {pc: start_agent_process(stack, pc) for pc in PCS}
    with owner_client(stack) as owner:

        def all_online() -> bool:
            pcs = owner.get("/pcs").json()["items"]
            return sum(1 for pc in pcs if pc["id"] in PCS and pc["status"] == "online") == len(PCS)

        wait_until(all_online, 30, "the agents online")
        started = owner.post("/sessions", json={"pc_id": PCS[0], "guest": {"prepaid_minutes": 30}})
        assert started.status_code == 201, started.text

        # A manager with 2FA enrolled through the API (the browser computes the next codes).
        manager = Staff(stack, "e2e-manager", "manager e2e passphrase 1", "manager")
        enrol_user = Staff(stack, "e2e-enrol", "enrol e2e passphrase 1", "manager")
        for staff in (manager, enrol_user):
            created = owner.post(
                "/users",
                json={
                    "username": staff.username,
                    "role": staff.role,
                    "password": staff.password,
                    "confirmation": ADMIN_CONFIRMATION,
                },
            )
            assert created.status_code == 201, created.text
        assert manager.login().status_code == 200
        manager.enrol()
        assert manager.phone is not None
        cashier = owner.post(
            "/users",
            json={"username": "e2e-cashier", "role": "cashier", "confirmation": ADMIN_CONFIRMATION},
        )
        assert cashier.status_code == 201, cashier.text

    shots = screenshots_dir()
    env = {
        "ICAFE_E2E_URL": stack.api_url,
        "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
        "ICAFE_E2E_PCS": json.dumps(PCS),
        "ICAFE_E2E_AGENT_PIDS": json.dumps({pc: service.pid for pc, service in agents.items()}),
        "ICAFE_E2E_MANAGER": manager.username,
        "ICAFE_E2E_MANAGER_PASSWORD": manager.password,
        "ICAFE_E2E_MANAGER_TOTP_SECRET": manager.phone.secret,
        "ICAFE_E2E_ENROL": enrol_user.username,
        "ICAFE_E2E_ENROL_PASSWORD": enrol_user.password,
        "ICAFE_E2E_CASHIER": "e2e-cashier",
        "ICAFE_E2E_CASHIER_PASSWORD": cashier.json()["password"],
        "ICAFE_E2E_SCREENSHOTS": shots,
        "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright"),
    }
    run_playwright("e2e/console.spec.ts", env)


DESK_PCS = ["pc-201", "pc-202", "pc-203", "pc-204"]
DESK_MEMBER = "zarina.e2e"


@needs_node
def test_front_desk_in_a_browser(console_stack: LocalStack) -> None:
    """admin_web/e2e/frontdesk.spec.ts: sessions from the map (priced first, paid by card, counting down,
    stopped with a reason), two PCs messaged at once, the list view, a member found as you type and
    topped up, screenshots in three languages. Four agents of its own, all free; the owner's shift open
    (card and cash need one); a member with a balance."""
    stack = console_stack
    agents = {pc: start_agent_process(stack, pc) for pc in DESK_PCS}
    with owner_client(stack) as owner:

        def all_online() -> bool:
            pcs = owner.get("/pcs", params={"limit": 500}).json()["items"]
            online = {pc["id"] for pc in pcs if pc["status"] == "online" and pc["session_id"] is None}
            return online >= set(DESK_PCS)

        wait_until(all_online, 30, "the front desk's agents online")
        # Each agent answers a command before the browser starts (online is only its MQTT status).
        for pc in DESK_PCS:

            def answers(pc: str = pc) -> bool:
                ping = owner.post(f"/pcs/{pc}/commands", json={"type": "message", "text": "ready"})
                return ping.status_code == 200 and ping.json()["state"] == "done"

            wait_until(answers, 60, f"{pc} answering commands")
        shift = owner.post("/shifts", json={"opening_float": 0})
        assert shift.status_code in (201, 409), shift.text  # 409: the owner's shift is already open
        member = owner.post(
            "/members",
            json={"login": DESK_MEMBER, "name": "Zarina", "secret": "2468", "phone": "+998 90 123 45 67"},
        )
        assert member.status_code == 201, member.text
    shots = screenshots_dir()
    try:
        run_playwright(
            "e2e/frontdesk.spec.ts",
            {
                "ICAFE_E2E_URL": stack.api_url,
                "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
                "ICAFE_E2E_DESK_PCS": json.dumps(DESK_PCS),
                "ICAFE_E2E_DESK_MEMBER": DESK_MEMBER,
                "ICAFE_E2E_SCREENSHOTS": shots,
                "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright-desk"),
            },
        )
        # The two agents themselves were told the batch message (a simulated PC records what it did).
        for pc in DESK_PCS[1:3]:
            actions = (stack.agents_dir / pc / "state" / "actions.jsonl").read_text().splitlines()
            told = [json.loads(line) for line in actions]
            assert {"action": "message", "text": "Please come to the front desk."} in told, (pc, told)
    finally:
        for service in agents.values():
            stack.supervisor.stop(service.spec.name)


FLEET_PC = "pc-fleet-e2e"


def _rolled_out(owner: httpx.Client, version: str, data: bytes, state: str) -> str:
    """Upload ``version``, roll it out to :data:`FLEET_PC`; the rollout's id once the PC is in ``state``."""
    uploaded = owner.post(
        "/agent-releases",
        params={"version": version},
        content=data,
        headers={"Content-Type": "application/gzip"},
    )
    assert uploaded.status_code == 201, uploaded.text
    body = {"version": version, "ring": "one", "pc_id": FLEET_PC, "confirmation": ADMIN_CONFIRMATION}
    rollout = owner.post("/agent-rollouts", json=body)
    assert rollout.status_code == 201, rollout.text
    rollout_id: str = rollout.json()["id"]

    def settled() -> bool:
        [target] = owner.get(f"/agent-rollouts/{rollout_id}").json()["targets"]
        return target["state"] == state

    wait_until(settled, 30, f"{version} {state} on {FLEET_PC}")
    return rollout_id


@needs_node
def test_fleet_in_a_browser(console_stack: LocalStack) -> None:
    """admin_web/e2e/fleet.spec.ts: a real agent under its launcher took a good version and rolled a
    crashing one back (README "Fleet updates"); the Fleet screen shows both and the fleet's versions."""
    stack = console_stack
    agent = start_launched_agent(stack, FLEET_PC)
    try:
        with owner_client(stack) as owner:
            wait_until(lambda: owner.get(f"/pcs/{FLEET_PC}").json().get("status") == "online", 30, "online")
            good = _rolled_out(owner, "9.2.0", build_package("9.2.0"), "done")
            crashing = build_package("9.2.1", {"edge_agent/__main__.py": "raise SystemExit('crashed')\n"})
            bad = _rolled_out(owner, "9.2.1", crashing, "rolled_back")
            # The module's other tests left PCs of their own: the screen must show what the hub counts.
            fleet = owner.get("/agent-rollouts").json()["fleet"]
        env = {
            "ICAFE_E2E_URL": stack.api_url,
            "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
            "ICAFE_E2E_FLEET_PC": FLEET_PC,
            "ICAFE_E2E_FLEET_GOOD": "9.2.0",
            "ICAFE_E2E_FLEET_GOOD_ROLLOUT": good,
            "ICAFE_E2E_FLEET_BAD_ROLLOUT": bad,
            "ICAFE_E2E_FLEET_TOTAL": str(fleet["total"]),
            "ICAFE_E2E_FLEET_WEAK": str(fleet["hardening"].get("weak", 0)),
            "ICAFE_E2E_SCREENSHOTS": screenshots_dir(),
            "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright-fleet"),
        }
        run_playwright("e2e/fleet.spec.ts", env)
    finally:
        stack.supervisor.stop(agent.spec.name)
