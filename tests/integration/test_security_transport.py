"""Transport: security headers, CORS closed, forwarded headers trusted only when configured, the
staff-network allow-list, and a hub that refuses to start without an encryption key."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from icafe.stack import LocalStack
from icafe.supervisor import ServiceSpec, free_port

EVIL_ORIGIN = "https://evil.example"


@pytest.mark.parametrize("path", ["/healthz", "/api/v1/pcs", "/api/v1/nothing-here"])
def test_every_response_carries_the_security_headers(stack: LocalStack, path: str) -> None:
    response = httpx.get(f"{stack.api_url}{path}")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers  # plain HTTP on loopback
    if path.startswith("/api/"):
        assert response.headers["cache-control"] == "no-store"


def test_cors_is_closed_by_default(stack: LocalStack) -> None:
    preflight = httpx.options(
        f"{stack.api_url}/api/v1/pcs",
        headers={
            "Origin": EVIL_ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code < 500
    assert "access-control-allow-origin" not in preflight.headers
    simple = httpx.get(f"{stack.api_url}/api/v1/pcs", headers={"Origin": EVIL_ORIGIN})
    assert "access-control-allow-origin" not in simple.headers


def test_forwarded_headers_are_not_trusted_by_default(stack: LocalStack, token: str) -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    response = httpx.post(
        f"{stack.api_url}/api/v1/auth/login",
        json={"username": "spoof-check", "password": "x"},
        headers=spoofed,
    )
    assert response.status_code == 401
    assert "strict-transport-security" not in response.headers
    entries = httpx.get(
        f"{stack.api_url}/api/v1/audit",
        headers={"Authorization": f"Bearer {token}"},
        params={"actor": "spoof-check"},
    ).json()["items"]
    assert entries[0]["ip"] == "127.0.0.1"


@pytest.fixture(scope="module")
def proxied_hub(stack: LocalStack) -> Iterator[str]:
    """A second hub behind "one proxy", open only to 10.0.0.0/8.

    It is kept off the broker (a closed port): a replica joins the shared subscription with a persistent
    session, and once stopped would keep receiving, and never handle, its share of the agents' messages.
    """
    port = free_port()
    env = stack.hub_environment()
    env.update(
        ICAFE_HTTP_PORT=str(port),
        ICAFE_HUB_ID="hub-proxied",
        ICAFE_STAFF_NETWORKS="10.0.0.0/8",
        ICAFE_PROXIES_COUNT="1",
        ICAFE_MQTT_PORT=str(free_port()),
    )

    def answers() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code in (200, 503)
        except httpx.HTTPError:
            return False

    service = stack.supervisor.start(
        ServiceSpec(
            name="hub-proxied",
            argv=[sys.executable, "-m", "icafe", "hub"],
            env=env,
            log_path=stack.log("hub-proxied"),
            ready=answers,
            ready_timeout_s=60,
        )
    )
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        service.stop()


def test_the_staff_api_answers_only_listed_networks(proxied_hub: str) -> None:
    assert httpx.get(f"{proxied_hub}/healthz").status_code in (200, 503)  # not the staff API
    direct = httpx.get(f"{proxied_hub}/api/v1/pcs")
    assert direct.status_code == 403
    assert direct.json()["error"]["code"] == "network_forbidden"
    outside = httpx.get(f"{proxied_hub}/api/v1/pcs", headers={"X-Forwarded-For": "198.51.100.4"})
    assert outside.status_code == 403
    inside = httpx.get(f"{proxied_hub}/api/v1/pcs", headers={"X-Forwarded-For": "10.20.30.40"})
    assert inside.status_code == 401  # through the allow-list, on to authentication


def test_behind_a_trusted_proxy_https_brings_hsts(proxied_hub: str) -> None:
    headers = {"X-Forwarded-For": "10.0.0.9", "X-Forwarded-Proto": "https"}
    response = httpx.get(f"{proxied_hub}/api/v1/pcs", headers=headers)
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_the_hub_refuses_to_start_without_an_encryption_key(stack: LocalStack) -> None:
    env = {k: v for k, v in stack.hub_environment().items() if k != "ICAFE_ENCRYPTION_KEYS"}
    env["ICAFE_HTTP_PORT"] = str(free_port())
    env["PATH"] = "/usr/bin:/bin"
    result = subprocess.run(
        [sys.executable, "-m", "icafe", "hub"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "ICAFE_ENCRYPTION_KEYS is required" in result.stderr
