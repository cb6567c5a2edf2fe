"""Remote commands round-trip to the agent and back, and their outcomes persist."""

from __future__ import annotations

import json

import httpx
import pytest

from icafe.stack import LocalStack
from icafe.supervisor import Service

from .conftest import (
    ADMIN_PASSWORD,
    COMMAND_TIMEOUT_S,
    pc_status,
    start_online_agent,
    wait_until,
)


@pytest.fixture(scope="module")
def agent(stack: LocalStack, token: str) -> Service:
    return start_online_agent(stack, "pc-cmd", token=token)


def recorded_actions(stack: LocalStack, pc_id: str) -> list[dict[str, str]]:
    path = stack.agents_dir / pc_id / "state" / "actions.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("kind", ["lock", "unlock", "message", "restart", "shutdown"])
def test_command_round_trip(stack: LocalStack, api: httpx.Client, agent: Service, kind: str) -> None:
    body: dict[str, object] = {
        "type": kind,
        **({"text": "Your session ends in 5 minutes"} if kind == "message" else {}),
    }
    action = {"action": kind, "text": body.get("text", "")}
    if kind == "unlock":  # a sensitive command: a reason and the owner's password
        body["confirmation"] = {"reason": "integration test", "password": ADMIN_PASSWORD}
    before = recorded_actions(stack, "pc-cmd").count(action)
    response = api.post("/pcs/pc-cmd/commands", json=body)
    assert response.status_code == 200, response.text
    command = response.json()
    assert command["state"] == "done"
    assert command["type"] == kind
    assert command["issued_by"] == "admin"
    assert command["done_at"] >= command["issued_at"]
    # The simulated PC carried it out, once.
    assert recorded_actions(stack, "pc-cmd").count(action) == before + 1
    # And the outcome is persisted in the PC's command history.
    history = api.get("/pcs/pc-cmd/commands").json()
    assert any(item["id"] == command["id"] and item["state"] == "done" for item in history["items"])


def test_command_to_an_offline_pc_times_out_with_504_and_is_recorded(
    stack: LocalStack, api: httpx.Client, agent: Service
) -> None:
    offline = start_online_agent(stack, "pc-gone", api=api)
    offline.kill()
    wait_until(lambda: pc_status(api, "pc-gone") == "offline", 5, "agent offline")

    response = api.post("/pcs/pc-gone/commands", json={"type": "lock"})
    assert response.status_code == 504
    body = response.json()
    assert body["error"]["code"] == "agent_timeout"
    assert body["command"]["state"] == "timeout"
    history = api.get("/pcs/pc-gone/commands").json()["items"]
    assert history[0]["id"] == body["command"]["id"]
    assert history[0]["state"] == "timeout"
    assert COMMAND_TIMEOUT_S > 0


@pytest.mark.parametrize(
    "body",
    [
        {"type": "format-disk"},
        {"type": "message"},
        {"type": "message", "text": "   "},
        {"type": "lock", "extra": 1},
        {},
    ],
)
def test_invalid_commands_are_400(api: httpx.Client, agent: Service, body: dict[str, object]) -> None:
    response = api.post("/pcs/pc-cmd/commands", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_command_to_unknown_pc_is_404(api: httpx.Client) -> None:
    assert api.post("/pcs/nobody/commands", json={"type": "lock"}).status_code == 404


def test_command_latency_is_measured(stack: LocalStack, api: httpx.Client, agent: Service) -> None:
    from .conftest import metric

    before = metric(stack, "icafe_command_latency_seconds_count")
    assert api.post("/pcs/pc-cmd/commands", json={"type": "lock"}).status_code == 200
    assert metric(stack, "icafe_command_latency_seconds_count") == before + 1
