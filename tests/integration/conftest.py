"""The integration stack: real Mosquitto (mutual TLS), Redis, the MongoDB-wire store and the hub, on free
ports under a temporary data directory, started by the same supervisor as `make demo`.

With ICAFE_TEST_MONGO_URL set, the hub uses that real MongoDB (a fresh database per run) instead.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import Service, ServiceSpec, free_port
from protocol.transport import mqtt_client, tls_context
from provisioning import HUB_IDENTITY

ADMIN_PASSWORD = "integration-owner-pass"
COMMAND_TIMEOUT_S = 2.0

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("stack"),
        http_port=free_port(),
        mongo_url=os.environ.get("ICAFE_TEST_MONGO_URL") or None,
        admin_password=ADMIN_PASSWORD,
        telemetry_s=0.5,
        hub_env={
            "ICAFE_COMMAND_TIMEOUT_S": str(COMMAND_TIMEOUT_S),
            "ICAFE_MONGO_DB": f"icafe_test_{uuid.uuid4().hex[:8]}",
            "ICAFE_TELEMETRY_FLUSH_S": "0.1",
            "ICAFE_DETECT_BLOCKING": "1",
        },
    )
    local = LocalStack(config)
    try:
        local.start_infrastructure()
        local.start_hub()
        yield local
    finally:
        local.stop()


def login(stack: LocalStack, password: str = ADMIN_PASSWORD) -> str:
    response = httpx.post(
        f"{stack.api_url}/api/v1/auth/login", json={"username": "admin", "password": password}
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


@pytest.fixture(scope="session")
def token(stack: LocalStack) -> str:
    return login(stack)


@pytest.fixture
def api(stack: LocalStack, token: str) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=f"{stack.api_url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=15
    ) as client:
        yield client


def wait_until(predicate: Callable[[], Any], timeout_s: float, what: str, poll_s: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s}s: {what}")
        time.sleep(poll_s)


async def async_wait_until(predicate: Callable[[], Any], timeout_s: float, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = await asyncio.to_thread(predicate)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s}s: {what}")
        await asyncio.sleep(0.05)


def pc_status(api: httpx.Client, pc_id: str) -> str | None:
    response = api.get(f"/pcs/{pc_id}")
    return response.json()["status"] if response.status_code == 200 else None


def start_agent_process(stack: LocalStack, pc_id: str) -> Service:
    """A real agent process (`icafe agent --simulated`) with its own enrolled certificate."""
    config = stack.enroll(pc_id)
    return stack.supervisor.start(
        ServiceSpec(
            name=f"agent-{pc_id}",
            argv=[sys.executable, "-m", "icafe", "agent", "--config", str(config), "--simulated"],
            env={"ICAFE_TELEMETRY_S": "0.5"},
            log_path=stack.log(f"agent-{pc_id}"),
            ready=lambda: True,
        )
    )


def client_for(
    stack: LocalStack, name: str, *, client_id: str | None = None, issue: bool = True, timeout_s: float = 10
) -> Any:
    """An MQTT client presenting ``name``'s certificate from this stack's CA (issued on demand, unless
    ``issue`` is False: then the current one, even if revoked)."""
    ca = stack.require_ca()
    identity = ca.ensure(name) if issue and name != HUB_IDENTITY else ca.get(name)
    tls = tls_context(ca.ca_cert_path, identity.cert_path, identity.key_path)
    return mqtt_client(
        host="localhost",
        port=stack.ports.broker,
        client_id=client_id or f"{name}-{uuid.uuid4().hex[:6]}",
        tls=tls,
        session_expiry_s=0,
        timeout_s=timeout_s,
    )


def metric(stack: LocalStack, name: str, labels: str = "") -> float:
    text = httpx.get(f"{stack.api_url}/metrics").text
    pattern = re.escape(name + (f"{{{labels}}}" if labels else "")) + r" ([0-9.e+]+)"
    found = re.search(pattern, text)
    return float(found.group(1)) if found else 0.0


@pytest.fixture
async def hub_listener(stack: LocalStack) -> AsyncIterator[list[tuple[str, bytes]]]:
    """Everything the hub's identity can see on icafe/#, as (topic, payload)."""
    received: list[tuple[str, bytes]] = []
    client = client_for(stack, HUB_IDENTITY)
    async with client:
        await client.subscribe("icafe/#", qos=1)

        async def collect() -> None:
            async for message in client.messages:
                received.append((str(message.topic), bytes(message.payload)))  # type: ignore[arg-type]

        task = asyncio.create_task(collect())
        yield received
        task.cancel()
