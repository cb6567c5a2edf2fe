"""``/api/v1/alerts``: listing every alert with filters, acknowledging and resolving one (audited, pushed
live), and the refusals: an unknown alert, one resolved already, a bad filter or body."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from hub.store import Store, open_store
from icafe.stack import LocalStack

from .conftest import async_wait_until, create_staff
from .test_presence import LiveFeed


@pytest.fixture
async def hub_store(stack: LocalStack) -> AsyncIterator[Store]:
    opened = await open_store(stack.mongo_url, stack.config.hub_env["ICAFE_MONGO_DB"])
    try:
        yield opened
    finally:
        await opened.close()


async def get(client: httpx.Client, path: str, **params: Any) -> Any:
    """A blocking client's GET off the test's event loop (the live feed keeps reading meanwhile)."""
    answer = await asyncio.to_thread(client.get, path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def post(client: httpx.Client, path: str, body: Any, **kwargs: Any) -> httpx.Response:
    return await asyncio.to_thread(client.post, path, json=body, **kwargs)


def pushed(feed: LiveFeed, alert_id: str) -> list[dict[str, Any]]:
    return [
        event["alert"]  # type: ignore[misc]
        for event in feed.events
        if event.get("type") in ("pc.alert", "stock.alert") and event["alert"]["id"] == alert_id  # type: ignore[index]
    ]


async def test_an_alert_is_listed_acknowledged_and_resolved(
    stack: LocalStack, api: httpx.Client, token: str, hub_store: Store
) -> None:
    pc_id = f"pc-alerts-{uuid.uuid4().hex[:6]}"
    raised = await hub_store.alerts.raise_alert(pc_id, "login_failures", "5 failed logins", {"n": 5}, 1_000)
    stock = await hub_store.alerts.raise_stock_alert("main", f"p-{pc_id}", "low_stock", "2 left", {}, 2_000)

    listed = await get(api, "/alerts", pc_id=pc_id)
    assert listed["total"] == 1
    assert listed["items"] == [
        {
            "id": raised.id,
            "pc_id": pc_id,
            "branch": None,
            "product_id": None,
            "kind": "login_failures",
            "state": "open",
            "message": "5 failed logins",
            "details": {"n": 5},
            "count": 1,
            "first_at": 1_000,
            "last_at": 1_000,
            "updated_by": None,
            "updated_at": None,
        }
    ]
    stocked = await get(api, "/alerts", kind="low_stock", branch="main", limit=200)
    assert stock.id in [alert["id"] for alert in stocked["items"]]

    technician = await asyncio.to_thread(create_staff, stack, token, "technician")
    with httpx.Client(base_url=technician.url(""), headers=technician.headers) as desk:
        async with LiveFeed(stack, token) as feed:
            acked = await post(desk, f"/alerts/{raised.id}/acknowledge", {"note": "going there"})
            assert acked.status_code == 200, acked.text
            assert (acked.json()["state"], acked.json()["updated_by"]) == (
                "acknowledged",
                technician.username,
            )
            assert isinstance(acked.json()["updated_at"], int)
            await async_wait_until(lambda: pushed(feed, raised.id), 5, "the acknowledgement pushed")
            # Acknowledged is still unresolved: listed by default, and a repeat adds to it.
            again = await hub_store.alerts.raise_alert(pc_id, "login_failures", "6 failed logins", {}, 3_000)
            assert (again.id, again.count, again.state) == (raised.id, 2, "acknowledged")
            assert (await get(api, "/alerts", pc_id=pc_id))["items"][0]["state"] == "acknowledged"

            resolved = await post(api, f"/alerts/{raised.id}/resolve", {})
            assert resolved.status_code == 200, resolved.text
            assert resolved.json()["state"] == "resolved"
            await async_wait_until(
                lambda: [a["state"] for a in pushed(feed, raised.id)] == ["acknowledged", "resolved"],
                5,
                "the resolution pushed",
            )
    assert await get(api, "/alerts", pc_id=pc_id) == {"items": [], "total": 0}
    closed = await get(api, "/alerts", pc_id=pc_id, state="resolved")
    assert [alert["id"] for alert in closed["items"]] == [raised.id]
    stock_resolved = await post(api, f"/alerts/{stock.id}/resolve", {"note": "restocked by hand"})
    assert (stock_resolved.json()["branch"], stock_resolved.json()["state"]) == ("main", "resolved")

    audit = (await get(api, "/audit", action="alert.acknowledge", limit=20))["items"]
    entry = next(e for e in audit if e["target"] == raised.id)
    assert (entry["actor"], entry["reason"], entry["details"]["pc_id"]) == (
        technician.username,
        "going there",
        pc_id,
    )
    resolutions = (await get(api, "/audit", action="alert.resolve", limit=20))["items"]
    assert {raised.id, stock.id} <= {e["target"] for e in resolutions}


def test_refusals_say_what_is_wrong(api: httpx.Client) -> None:
    unknown = api.post("/alerts/no-such-alert/acknowledge", json={})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "alert 'no-such-alert' not found"
    bad_state = api.get("/alerts", params={"state": "closed"})
    assert bad_state.status_code == 400
    assert "state" in bad_state.json()["error"]["message"]
    assert api.post("/alerts/no-such-alert/resolve").status_code == 400  # no body
    assert api.post("/alerts/no-such-alert/resolve", json={"notes": "typo"}).status_code == 400


async def test_a_resolved_alert_cannot_change_again(api: httpx.Client, hub_store: Store) -> None:
    alert = await hub_store.alerts.raise_alert(f"pc-{uuid.uuid4().hex[:6]}", "tamper", "ui killed", {}, 5_000)
    assert (await post(api, f"/alerts/{alert.id}/resolve", {})).status_code == 200
    for action in ("acknowledge", "resolve"):
        refused = await post(api, f"/alerts/{alert.id}/{action}", {})
        assert refused.status_code == 409
        assert refused.json()["error"]["code"] == "alert_resolved"
