"""REST behaviour: auth, listing, details, validation errors, health, metrics, OpenAPI."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from icafe.stack import LocalStack


def test_login_gives_a_bearer_token_and_wrong_password_is_refused(stack: LocalStack) -> None:
    url = f"{stack.api_url}/api/v1/auth/login"
    ok = httpx.post(url, json={"username": "admin", "password": "integration-owner-pass"})
    assert ok.status_code == 200
    body = ok.json()
    assert body["token_type"] == "Bearer"
    assert body["user"]["role"] == "owner"
    for bad in ({"username": "admin", "password": "nope"}, {"username": "ghost", "password": "x"}):
        refused = httpx.post(url, json=bad)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize("body", [b"", b"{", b'{"username": "admin"}', b'{"username": 1, "password": "x"}'])
def test_bad_login_bodies_are_400_with_a_reason(stack: LocalStack, body: bytes) -> None:
    response = httpx.post(f"{stack.api_url}/api/v1/auth/login", content=body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("path", ["/pcs", "/pcs/pc-001", "/pcs/pc-001/commands"])
def test_routes_require_a_token(stack: LocalStack, path: str) -> None:
    assert httpx.get(f"{stack.api_url}/api/v1{path}").status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}
    response = httpx.get(f"{stack.api_url}/api/v1{path}", headers=forged)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"


def test_pc_list_shape_and_paging(api: httpx.Client) -> None:
    body = api.get("/pcs", params={"limit": 1}).json()
    assert set(body) == {"items", "total"}
    assert len(body["items"]) <= 1
    assert api.get("/pcs", params={"limit": 0}).status_code == 400
    assert api.get("/pcs", params={"offset": "x"}).status_code == 400


def test_unknown_pc_is_404(api: httpx.Client) -> None:
    response = api.get("/pcs/no-such-pc")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_healthz_reports_every_dependency(stack: LocalStack) -> None:
    response = httpx.get(f"{stack.api_url}/healthz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"broker": "up", "store": "up", "redis": "up"}


def test_metrics_are_prometheus_text(stack: LocalStack) -> None:
    response = httpx.get(f"{stack.api_url}/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    for name in ("icafe_mqtt_messages_in", "icafe_mqtt_messages_dropped", "icafe_command_latency_seconds"):
        assert f"# TYPE {name}" in response.text


def test_openapi_document_lists_the_api(stack: LocalStack) -> None:
    document = httpx.get(f"{stack.api_url}/docs/openapi.json").json()
    assert document["openapi"].startswith("3.")
    paths = set(document["paths"])
    assert {
        "/api/v1/auth/login",
        "/api/v1/pcs",
        "/api/v1/pcs/{pc_id}",
        "/api/v1/pcs/{pc_id}/commands",
        "/api/v1/payments",
        "/api/v1/shifts/{shift_id}/close",
    } <= paths
    # Every reference resolves inside the document (request bodies are inlined), so client generators
    # and fuzzers read every route.
    assert "#/$defs/" not in json.dumps(document)


def test_pc_list_filters_by_presence(stack: LocalStack, api: httpx.Client) -> None:
    from .conftest import start_online_agent

    agent = start_online_agent(stack, "pc-filter", api=api)
    everything = api.get("/pcs", params={"limit": 500}).json()
    online = api.get("/pcs", params={"status": "online", "limit": 500}).json()
    offline = api.get("/pcs", params={"status": "offline", "limit": 500}).json()
    assert "pc-filter" in {pc["id"] for pc in online["items"]}
    assert {pc["status"] for pc in online["items"]} == {"online"}
    assert all(pc["status"] == "offline" for pc in offline["items"])
    assert online["total"] + offline["total"] == everything["total"]
    first = api.get("/pcs", params={"status": "online", "limit": 1}).json()
    assert len(first["items"]) == 1
    assert first["total"] == online["total"]
    assert api.get("/pcs", params={"status": "asleep"}).status_code == 400
    agent.stop()


def test_amounts_beyond_any_till_get_a_clear_error_not_an_overflow(api: httpx.Client) -> None:
    # Found by schemathesis: a 20-digit rate reached MongoDB, which stores 64-bit integers, and answered 500.
    body = {"id": f"t-{uuid.uuid4().hex[:8]}", "name": "Huge", "hourly_rate": 10**19, "currency": "UZS"}
    for bad in (body, body | {"hourly_rate": 1_000_000, "minimum_charge": 10**16}):
        refused = api.post("/tariffs", json=bad)
        assert refused.status_code == 400, refused.text
    assert api.post("/tariffs", json=body | {"hourly_rate": 10**15}).status_code == 201
