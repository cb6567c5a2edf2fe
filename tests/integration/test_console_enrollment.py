"""The console's enrollment screen in a real browser (admin_web/e2e/enrollment.spec.ts) against a real hub
with its certificate signer: two "PCs" run `icafe enroll` before, the browser approves one (another name,
the VIP zone), rejects the other, makes a code and revokes a connected PC; afterwards the PCs' own
`icafe enroll` finishes (enrolled, or told it was rejected), the browser's code enrolls a third PC, and
the revoked PC is refused by the broker. Then the alerts page (admin_web/e2e/alerts.spec.ts) with a real
agent killed in paid time."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

from .browser import build_console, needs_node, run_playwright, screenshots_dir
from .conftest import (
    ADMIN_PASSWORD,
    SECURITY_ENV,
    login,
    pc_status,
    start_online_agent,
    wait_until,
)

PENDING = ["pc-e2e-1", "pc-e2e-2"]
APPROVE_AS = "pc-hall-07"
REVOKE = "pc-001"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    build_console()
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("console-enroll"),
        http_port=free_port(),
        admin_password=ADMIN_PASSWORD,
        telemetry_s=0.5,
        pcs=1,
        hub_env={"ICAFE_MONGO_DB": f"icafe_console_enroll_{uuid.uuid4().hex[:8]}", **SECURITY_ENV},
    )
    local = LocalStack(config)
    try:
        local.start_infrastructure()
        local.start_signer()
        local.start_hub()
        local.start_simulator()
        yield local
    finally:
        local.stop()


def icafe_enroll(stack: LocalStack, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "icafe", "enroll", "--hub", stack.api_url, "--out", str(out), *args]
    return subprocess.run(argv, capture_output=True, text=True, timeout=90, check=False)


@needs_node
def test_enrollment_in_a_browser(stack: LocalStack, tmp_path: Path) -> None:
    headers = {"Authorization": f"Bearer {login(stack)}"}
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=30) as owner:
        assert owner.put("/groups/vip", json={"name": "VIP", "tariff_id": "standard"}).status_code == 200
        wait_until(lambda: pc_status(owner, REVOKE) == "online", 60, f"{REVOKE} online")
        code = owner.post("/enrollment-codes", json={"uses": 2}).json()["code"]
        for pc in PENDING:
            asked = icafe_enroll(stack, tmp_path / pc, "--code", code, "--name", pc, "--wait", "0")
            assert asked.returncode == 1, asked  # sent, waiting for approval

        code_file = tmp_path / "code.txt"
        shots = screenshots_dir()
        env = {
            "ICAFE_E2E_URL": stack.api_url,
            "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
            "ICAFE_E2E_PENDING": json.dumps(PENDING),
            "ICAFE_E2E_APPROVE_AS": APPROVE_AS,
            "ICAFE_E2E_REVOKE": REVOKE,
            "ICAFE_E2E_CODE_FILE": str(code_file),
            "ICAFE_E2E_SCREENSHOTS": shots,
            "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright-enroll"),
        }
        run_playwright("e2e/enrollment.spec.ts", env)

        # The approved PC collects its certificate under the name and zone the technician gave it.
        approved = icafe_enroll(stack, tmp_path / PENDING[0], "--wait", "30")
        assert approved.returncode == 0, approved
        assert f"enrolled as {APPROVE_AS}" in approved.stdout
        assert owner.get(f"/pcs/{APPROVE_AS}").json()["group"] == "vip"
        rejected = icafe_enroll(stack, tmp_path / PENDING[1], "--wait", "30")
        assert rejected.returncode == 2, rejected
        assert "rejected (not one of ours)" in rejected.stderr
        # The code the browser showed works on a PC.
        code = code_file.read_text()
        third = icafe_enroll(
            stack, tmp_path / "pc-e2e-3", "--code", code, "--name", "pc-e2e-3", "--wait", "0"
        )
        assert third.returncode == 1, third
        listed = owner.get("/pcs", params={"status": "pending"}).json()["items"]
        assert [pc["id"] for pc in listed] == ["pc-e2e-3"]
        # The revoked PC is off, and the CA lists its certificate as revoked.
        wait_until(lambda: pc_status(owner, REVOKE) == "offline", 10, f"{REVOKE} cut off")
        assert stack.require_ca().get(REVOKE).revoked


ALARM_PC = "pc-alarm-1"


@needs_node
def test_alerts_page_in_a_browser(stack: LocalStack) -> None:
    """admin_web/e2e/alerts.spec.ts: a real agent with a paid guest session is killed while the alerts
    page is open (the spec kills it); the offline_in_session alert appears live, is acknowledged, then
    resolved, and the hub records who did each."""
    headers = {"Authorization": f"Bearer {login(stack)}"}
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=30) as owner:
        agent = start_online_agent(stack, ALARM_PC, api=owner)
        started = owner.post("/sessions", json={"pc_id": ALARM_PC, "guest": {"prepaid_minutes": 30}})
        assert started.status_code == 201, started.text
        session_id = started.json()["id"]
        wait_until(
            lambda: owner.get(f"/sessions/{session_id}").json()["state"] == "active", 15, "session active"
        )
        assert agent.pid is not None
        run_playwright(
            "e2e/alerts.spec.ts",
            {
                "ICAFE_E2E_URL": stack.api_url,
                "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
                "ICAFE_E2E_ALARM_PC": ALARM_PC,
                "ICAFE_E2E_AGENT_PID": str(agent.pid),
                "ICAFE_E2E_SCREENSHOTS": screenshots_dir(),
                "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright-alerts"),
            },
        )
        assert not agent.alive()
        (alert,) = owner.get(
            "/alerts", params={"state": "resolved", "pc_id": ALARM_PC, "kind": "offline_in_session"}
        ).json()["items"]
        assert session_id in alert["message"]
        assert alert["updated_by"] == "admin"
        for action in ("alert.acknowledge", "alert.resolve"):
            entries = owner.get("/audit", params={"action": action, "actor": "admin"}).json()["items"]
            assert [entry["target"] for entry in entries] == [alert["id"]]
