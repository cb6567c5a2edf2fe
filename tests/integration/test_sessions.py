"""Sessions end to end: ordered through the API, timed and priced by a real agent process, projected,
priced again and charged by the hub. The agents' clocks run 60 times faster (a minute a second)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from billing import price
from billing.wire import tariff_from_spec
from icafe.stack import LocalStack
from icafe.supervisor import Service
from protocol import TariffSpec

from .conftest import pc_status, start_agent_process, start_online_agent, wait_until

SCALE = 60


@pytest.fixture(scope="module")
def fast_pc(stack: LocalStack, token: str) -> Service:
    return start_online_agent(stack, "pc-fast", token=token, clock_scale=SCALE)


@pytest.fixture(scope="module")
def second_pc(stack: LocalStack, token: str) -> Service:
    return start_online_agent(stack, "pc-second", token=token, clock_scale=SCALE)


def session(api: httpx.Client, session_id: str) -> dict[str, object]:
    body: dict[str, object] = api.get(f"/sessions/{session_id}").json()
    return body


def ended(api: httpx.Client, session_id: str) -> dict[str, object] | None:
    body = session(api, session_id)
    return body if body["state"] == "ended" and body["cost"] is not None else None


def tariff(api: httpx.Client, tariff_id: str) -> TariffSpec:
    return TariffSpec.model_validate(api.get(f"/tariffs/{tariff_id}").json(), strict=False)


def pc_session(api: httpx.Client, pc_id: str) -> object:
    """The session the PCs list shows running on ``pc_id``."""
    return next(pc for pc in api.get("/pcs").json()["items"] if pc["id"] == pc_id)["session_id"]


def actions(stack: LocalStack, pc_id: str) -> list[str]:
    path = stack.agents_dir / pc_id / "state" / "actions.jsonl"
    return [json.loads(line)["action"] for line in path.read_text().splitlines()] if path.exists() else []


def test_prepaid_guest_session_ends_by_itself_on_time_with_the_right_cost(
    stack: LocalStack, api: httpx.Client, fast_pc: Service
) -> None:
    before = len(actions(stack, "pc-fast"))
    response = api.post("/sessions", json={"pc_id": "pc-fast", "guest": {"prepaid_minutes": 3}})
    assert response.status_code == 201, response.text
    started = response.json()
    assert started["state"] == "active"
    assert started["kind"] == "prepaid"
    # The PC's live session follows its own "started" event, which may arrive just after the order's ack.
    wait_until(lambda: pc_session(api, "pc-fast") == started["id"], 5, "the PC showing its session")
    # Unlocked, and (3 minutes being under the 5-minute mark) warned at once.
    assert actions(stack, "pc-fast")[before:][:2] == ["unlock", "message"]

    done = wait_until(lambda: ended(api, started["id"]), 30, "the session ended by itself")
    assert done["end_reason"] == "expired"
    assert done["used_ms"] == 3 * 60_000
    expected = price(
        tariff_from_spec(tariff(api, str(done["tariff_id"]))), int(str(done["started_at"])), 180_000
    )
    assert done["cost"] == expected.total
    assert done["agent_cost"] == expected.total
    assert "cost_mismatch" not in done["flags"]  # type: ignore[operator]
    assert actions(stack, "pc-fast")[-1] == "lock"

    explained = api.get(f"/sessions/{started['id']}/price").json()
    assert explained["total"] == done["cost"]
    assert sum(line["amount"] for line in explained["lines"]) == explained["total"]
    assert sum(line["minutes"] for line in explained["lines"]) == 3
    wait_until(lambda: pc_session(api, "pc-fast") is None, 5, "the PC showing no session")


def test_member_runs_out_is_locked_and_charged_exactly_once(
    stack: LocalStack, api: httpx.Client, fast_pc: Service, second_pc: Service
) -> None:
    login = f"m{uuid.uuid4().hex[:8]}"
    member = api.post("/members", json={"login": login, "name": "Test", "secret": "4321"}).json()
    credit = {"amount": 50_000, "reason": "test credit", "idempotency_key": uuid.uuid4().hex}
    assert api.post(f"/members/{member['id']}/balance-adjustments", json=credit).status_code == 201
    assert api.post(f"/members/{member['id']}/balance-adjustments", json=credit).json()["applied"] is False

    started = api.post("/sessions", json={"pc_id": "pc-fast", "member_id": member["id"]})
    assert started.status_code == 201, started.text
    assert started.json()["budget"] == 50_000
    # The member cannot sit at a second PC meanwhile.
    busy = api.post("/sessions", json={"pc_id": "pc-second", "member_id": member["id"]})
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "member_busy"

    done = wait_until(lambda: ended(api, started.json()["id"]), 30, "the member's session ended")
    assert done["end_reason"] == "expired"
    assert isinstance(done["cost"], int)
    assert 0 < done["cost"] <= 50_000
    after = api.get(f"/members/{member['id']}").json()
    assert after["balance"] == 50_000 - done["cost"]
    assert after["balance"] >= 0
    charges = [e for e in after["entries"] if e["kind"] == "charge"]
    assert len(charges) == 1
    assert charges[0]["change"] == -done["cost"]
    assert after["active_session"] is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"pc_id": "pc-fast"}, 400, "bad_request"),
        ({"pc_id": "pc-fast", "member_id": "x", "guest": {"postpaid": True}}, 400, "bad_request"),
        ({"pc_id": "pc-fast", "guest": {"postpaid": True, "prepaid_minutes": 5}}, 400, "bad_request"),
        ({"pc_id": "nope", "guest": {"postpaid": True}}, 404, "not_found"),
        ({"pc_id": "pc-fast", "member_id": "nobody"}, 404, "not_found"),
    ],
)
def test_session_requests_are_validated(
    api: httpx.Client, fast_pc: Service, body: dict[str, object], status: int, code: str
) -> None:
    response = api.post("/sessions", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_postpaid_session_is_stopped_by_staff_and_priced(
    stack: LocalStack, api: httpx.Client, fast_pc: Service
) -> None:
    started = api.post("/sessions", json={"pc_id": "pc-fast", "guest": {"postpaid": True}})
    assert started.status_code == 201, started.text
    session_id = started.json()["id"]
    # A PC runs one session at a time.
    busy = api.post("/sessions", json={"pc_id": "pc-fast", "guest": {"postpaid": True}})
    assert busy.status_code == 409
    assert busy.json()["error"]["code"] == "pc_busy"
    # Running, a postpaid session owes nothing yet: its price is known when it ends.
    assert api.get(f"/sessions/{session_id}").json()["owed"] is None
    stopped = api.post(f"/sessions/{session_id}/stop", json={"reason": "customer left"})
    assert stopped.status_code == 200, stopped.text
    done = wait_until(lambda: ended(api, session_id), 10, "ended")
    assert done["end_reason"] == "customer left"
    assert done["used_ms"] > 0
    assert api.post(f"/sessions/{session_id}/stop", json={}).status_code == 409
    # The guest pays at the desk what the session cost (what the hub says is owed), once.
    assert done["paid"] == 0
    assert api.get(f"/sessions/{session_id}").json()["owed"] == done["cost"]
    if api.get("/shifts/current").status_code == 404:
        assert api.post("/shifts", json={"opening_float": 0}).status_code == 201
    body = {"purpose": "session", "method": "cash", "session_id": session_id}
    paid = api.post("/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert paid.status_code == 201, paid.text
    assert paid.json()["amount"] == done["cost"] > 0
    settled = api.get(f"/sessions/{session_id}").json()
    assert (settled["paid"], settled["owed"]) == (done["cost"], 0)
    again = api.post("/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert again.json()["error"]["code"] == "already_paid"


def test_agent_killed_mid_session_resumes_and_ends_on_time(stack: LocalStack, api: httpx.Client) -> None:
    agent = start_online_agent(stack, "pc-crash", api=api, clock_scale=SCALE)
    response = api.post("/sessions", json={"pc_id": "pc-crash", "guest": {"prepaid_minutes": 8}})
    assert response.status_code == 201, response.text
    session_id = response.json()["id"]
    # Two minutes on the agent's clock: its second checkpoint has reached the hub.
    wait_until(
        lambda: (api.get(f"/sessions/{session_id}").json().get("used_ms") or 0) >= 2 * 60_000,
        20,
        "two minutes used",
    )
    agent.kill()  # kill -9 mid-session
    wait_until(lambda: pc_status(api, "pc-crash") == "offline", 5, "agent offline")
    start_agent_process(stack, "pc-crash", clock_scale=SCALE)
    done = wait_until(lambda: ended(api, session_id), 40, "the resumed session ended")
    assert done["end_reason"] == "expired"
    assert done["used_ms"] == 8 * 60_000  # no time lost or gained across the crash
    assert "cost_mismatch" not in done["flags"]  # type: ignore[operator]
    events = [e["type"] for e in api.get(f"/sessions/{session_id}/events").json()["items"]]
    assert events.count("session.resumed") == 1
    assert events.count("session.ended") == 1


def test_session_on_an_offline_pc_is_refused(stack: LocalStack, api: httpx.Client) -> None:
    agent = start_online_agent(stack, "pc-unplugged", api=api)
    agent.kill()
    wait_until(lambda: pc_status(api, "pc-unplugged") == "offline", 5, "agent offline")
    response = api.post("/sessions", json={"pc_id": "pc-unplugged", "guest": {"postpaid": True}})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "pc_offline"
