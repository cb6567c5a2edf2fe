"""Offline is a mode: with the broker down for 10 minutes (compressed: the agent's clock runs 60x), a
running session ends and locks on time; when the link returns, everything reaches the hub exactly once."""

from __future__ import annotations

import contextlib
import json
import sqlite3

import httpx

from billing import price
from billing.wire import tariff_from_spec
from icafe.stack import LocalStack
from protocol import TariffSpec

from .conftest import pc_status, start_online_agent, wait_until

SCALE = 60


def journaled(stack: LocalStack, pc_id: str) -> list[str]:
    """The types of the entries the PC's journal still holds (not yet acknowledged by the hub)."""
    path = stack.agents_dir / pc_id / "state" / "journal.sqlite"
    with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
        return [kind for (kind,) in conn.execute("SELECT type FROM entries ORDER BY seq")]


def locked_after_unlock(stack: LocalStack, pc_id: str) -> bool:
    path = stack.agents_dir / pc_id / "state" / "actions.jsonl"
    actions = [json.loads(line)["action"] for line in path.read_text().splitlines()] if path.exists() else []
    return "unlock" in actions and actions[-1] == "lock"


def test_session_ends_on_time_during_a_broker_outage_and_syncs_once(
    stack: LocalStack, api: httpx.Client
) -> None:
    agent = start_online_agent(stack, "pc-offline", api=api, clock_scale=SCALE)
    response = api.post("/sessions", json={"pc_id": "pc-offline", "guest": {"prepaid_minutes": 5}})
    assert response.status_code == 201, response.text
    session_id = response.json()["id"]

    stack.supervisor.stop("mosquitto")  # the branch's link is gone
    # 5 session minutes are 5 s here: the PC locks by itself, with nobody to tell it.
    wait_until(lambda: locked_after_unlock(stack, "pc-offline"), 15, "locked on time while offline")
    assert api.get(f"/sessions/{session_id}").json()["state"] == "active", "the hub has not heard yet"
    # The end waits in the PC's journal for the link to return.
    wait_until(lambda: "session.ended" in journaled(stack, "pc-offline"), 10, "the end journaled")
    stack.supervisor.restart("mosquitto")

    record = wait_until(
        lambda: (r := api.get(f"/sessions/{session_id}").json())["state"] == "ended" and r, 60, "synced"
    )
    assert record["end_reason"] == "expired"
    assert record["used_ms"] == 5 * 60_000
    tariff = TariffSpec.model_validate(api.get(f"/tariffs/{record['tariff_id']}").json(), strict=False)
    expected = price(tariff_from_spec(tariff), record["started_at"], 5 * 60_000).total
    assert record["cost"] == record["agent_cost"] == expected
    events = api.get(f"/sessions/{session_id}/events").json()["items"]
    assert [e["type"] for e in events].count("session.ended") == 1
    wait_until(lambda: pc_status(api, "pc-offline") == "online", 60, "agent back online")
    agent.stop()
