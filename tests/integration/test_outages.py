"""Redis or the store going down: the API answers 503 with Retry-After (never 500, never a hang), and the
hub recovers by itself once they are back. A stack of its own: the shared one must keep its services."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from icafe.stack import LocalStack

from .conftest import ADMIN_PASSWORD, login, wait_until
from .own_stack import own_stack


@pytest.fixture(scope="module")
def outage_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with own_stack(tmp_path_factory.mktemp("outages")) as local:
        yield local


@pytest.fixture
def api(outage_stack: LocalStack) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {login(outage_stack)}"}
    with httpx.Client(base_url=f"{outage_stack.api_url}/api/v1", headers=headers, timeout=20) as client:
        yield client


def assert_unavailable(response: httpx.Response, service: str) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == f"{service}_unavailable"
    assert int(response.headers["Retry-After"]) >= 1


def restart(stack: LocalStack, name: str) -> None:
    service = stack.supervisor.services[name]
    service.start()
    service.wait_ready()


def test_a_redis_outage_answers_503_and_the_hub_recovers(outage_stack: LocalStack, api: httpx.Client) -> None:
    assert api.get("/pcs").status_code == 200
    outage_stack.supervisor.stop("redis")
    try:
        for path in ("/pcs", "/members", "/auth/me", "/audit"):
            assert_unavailable(api.get(path), "redis")
        new = {"login": f"r{uuid.uuid4().hex[:8]}", "secret": "1234"}
        assert_unavailable(api.post("/members", json=new), "redis")
        # Logging in needs the limiter's counters: refused the same way, not let through unchecked.
        refused = httpx.post(
            f"{outage_stack.api_url}/api/v1/auth/login",
            json={"username": "admin", "password": ADMIN_PASSWORD},
        )
        assert_unavailable(refused, "redis")
        health = httpx.get(f"{outage_stack.api_url}/healthz")
        assert health.status_code == 503
        assert health.json()["checks"]["redis"] == "down"
    finally:
        restart(outage_stack, "redis")
    wait_until(lambda: api.get("/pcs").status_code == 200, 30, "the API answers again")
    wait_until(lambda: httpx.get(f"{outage_stack.api_url}/healthz").status_code == 200, 30, "healthy again")
    assert (
        api.post("/members", json={"login": f"r{uuid.uuid4().hex[:8]}", "secret": "1234"}).status_code == 201
    )


def test_a_store_outage_answers_503_and_the_hub_recovers(outage_stack: LocalStack, api: httpx.Client) -> None:
    member = api.post("/members", json={"login": f"s{uuid.uuid4().hex[:8]}", "secret": "1234"}).json()
    outage_stack.supervisor.stop("store")
    try:
        for path in ("/members", f"/members/{member['id']}", "/payments", "/audit", "/tariffs"):
            assert_unavailable(api.get(path), "store")
        adjustment = {"amount": 500, "reason": "outage test", "idempotency_key": uuid.uuid4().hex}
        assert_unavailable(api.post(f"/members/{member['id']}/balance-adjustments", json=adjustment), "store")
        health = httpx.get(f"{outage_stack.api_url}/healthz")
        assert health.status_code == 503
        assert health.json()["checks"]["store"] == "down"
    finally:
        restart(outage_stack, "store")
    wait_until(lambda: api.get("/members").status_code == 200, 60, "the API answers again")
    # Nothing was half-done: the refused adjustment moved no money; the same one now goes through once.
    assert api.get(f"/members/{member['id']}").json()["balance"] == 0
    done = api.post(f"/members/{member['id']}/balance-adjustments", json=adjustment)
    assert done.status_code == 201, done.text
    assert api.get(f"/members/{member['id']}").json()["balance"] == 500
