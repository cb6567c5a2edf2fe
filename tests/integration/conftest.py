"""The integration stack: real Mosquitto (mutual TLS), Redis, the MongoDB-wire store and the hub, on free
ports under a temporary data directory, started by the same supervisor as `make demo`.

With ICAFE_TEST_MONGO_URL set, the hub uses that real MongoDB (a fresh database per run) instead.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pymongo
import pytest
from redis.asyncio import Redis

from hub.live import LiveState
from hub.money.requests import Staff as MoneyStaff
from hub.money.service import MoneyService
from hub.security.crypto import FieldCipher, generate_key, parse_keys
from hub.sessions.defaults import DEFAULT_TARIFF
from hub.store import BranchRecord, SessionRecord, ShiftRecord, Store, open_store
from hub.store.sessions import SessionState
from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import Service, ServiceSpec, free_port
from protocol import SessionKind
from protocol.transport import mqtt_client, tls_context
from provisioning import HUB_IDENTITY

ADMIN_PASSWORD = "integration-owner-pass"
COMMAND_TIMEOUT_S = 2.0
# The session's `token` must outlive the whole run, which takes longer than the default 15 minutes on a
# busy machine; the login idle timeout may not be shorter than an access token's life (hub.config).
ACCESS_TOKEN_TTL_S = 4 * 3600

pytestmark = pytest.mark.integration

# Staff security: the hub refuses to start without a field-encryption key, and the bootstrap owner
# `admin` logs in without 2FA here as in the demo (tests/integration/test_security_*.py enrol others).
SECURITY_ENV = {
    "ICAFE_ENCRYPTION_KEYS": generate_key("test1"),
    "ICAFE_ADMIN_2FA_OPTIONAL": "1",
}


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
            "ICAFE_ACCESS_TOKEN_TTL_S": str(ACCESS_TOKEN_TTL_S),
            "ICAFE_STAFF_SESSION_IDLE_S": str(ACCESS_TOKEN_TTL_S),
            "ICAFE_MONGO_DB": f"icafe_test_{uuid.uuid4().hex[:8]}",
            "ICAFE_TELEMETRY_FLUSH_S": "0.1",
            "ICAFE_DETECT_BLOCKING": "1",
            **SECURITY_ENV,
            "ICAFE_SESSION_OFFLINE_CREDIT": "100000",
            # Agents here may run their clocks 60 times faster (start_agent_process): the hub bounds the
            # session time a PC reports by that much more than its own clock has seen.
            "ICAFE_AGENT_CLOCK_SCALE": "60",
        },
    )
    local = LocalStack(config)
    try:
        local.start_infrastructure()
        local.start_signer()  # PCs enroll (approve, revoke) as in the demo
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
    """``predicate`` is called in a thread (it may block, as an httpx.Client call does); when it returns an
    awaitable (an ``async def`` predicate), that is awaited on the loop."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await asyncio.to_thread(predicate)
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s}s: {what}")
        await asyncio.sleep(0.05)


def pc_status(api: httpx.Client, pc_id: str) -> str | None:
    response = api.get(f"/pcs/{pc_id}")
    return response.json()["status"] if response.status_code == 200 else None


def _start_simulated(stack: LocalStack, pc_id: str, command: str, env: dict[str, str]) -> Service:
    """``icafe <command> --simulated`` for ``pc_id``, with its own enrolled certificate."""
    config = stack.enroll(pc_id)
    return stack.supervisor.start(
        ServiceSpec(
            name=f"agent-{pc_id}",
            argv=[sys.executable, "-m", "icafe", command, "--config", str(config), "--simulated"],
            env={"ICAFE_TELEMETRY_S": "0.5", **env},
            log_path=stack.log(f"agent-{pc_id}"),
            ready=lambda: True,
        )
    )


def start_agent_process(stack: LocalStack, pc_id: str, *, clock_scale: float = 1) -> Service:
    """A real agent process (`icafe agent --simulated`) with its own enrolled certificate; with
    ``clock_scale`` its clock runs that many times faster (60: a minute a second)."""
    return _start_simulated(stack, pc_id, "agent", {"ICAFE_CLOCK_SCALE": str(clock_scale)})


def start_launched_agent(stack: LocalStack, pc_id: str, *, trial_s: float = 20) -> Service:
    """A real agent under its launcher (`icafe agent-launcher --simulated`), which can update itself and
    rolls back a new version not online within ``trial_s`` (README "Fleet updates")."""
    return _start_simulated(stack, pc_id, "agent-launcher", {"ICAFE_UPDATE_TRIAL_S": str(trial_s)})


def start_online_agent(
    stack: LocalStack,
    pc_id: str,
    *,
    api: httpx.Client | None = None,
    token: str | None = None,
    clock_scale: float = 1,
    timeout_s: float = 30,
) -> Service:
    """:func:`start_agent_process`, returned once the hub sees the PC online: asked through ``api``, else
    with ``token``, else with a fresh login. Async tests run it in a thread (``asyncio.to_thread``)."""
    agent = start_agent_process(stack, pc_id, clock_scale=clock_scale)
    if api is not None:
        wait_until(lambda: pc_status(api, pc_id) == "online", timeout_s, f"{pc_id}'s agent online")
        return agent
    headers = {"Authorization": f"Bearer {token or login(stack)}"}
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=15) as client:
        wait_until(lambda: pc_status(client, pc_id) == "online", timeout_s, f"{pc_id}'s agent online")
    return agent


@pytest.fixture
async def store(stack: LocalStack) -> AsyncIterator[Store]:
    """The repositories on a database of their own on the stack's store, dropped after the test."""
    opened = await open_store(stack.mongo_url, f"icafe_repo_{uuid.uuid4().hex[:8]}")
    try:
        yield opened
    finally:
        await opened.client.drop_database(opened.db.name)
        await opened.close()


# 2026-11-25 12:00 in Tashkent: the default tariff's day rate, 12 000 so'm (1 200 000) an hour.
NOON = 1_795_590_000_000


def guest_session(session_id: str, kind: SessionKind, **fields: Any) -> SessionRecord:
    """An active guest session on the default tariff, started at :data:`NOON` (``fields`` override)."""
    base: dict[str, Any] = {
        "id": session_id,
        "pc_id": f"pc-{session_id}",
        "kind": kind,
        "state": SessionState.ACTIVE,
        "created_at": NOON,
        "started_at": NOON,
        "tariff_id": DEFAULT_TARIFF.id,
    }
    return SessionRecord(**(base | fields))


# The cashier of the ``money`` fixture, with a shift open at branch "main".
DESK = MoneyStaff(user_id="desk", username="desk")


@pytest.fixture
async def money(stack: LocalStack, store: Store) -> AsyncIterator[MoneyService]:
    """The money service (and through it each of its parts: ``money.payments``, ``money.refunds``...) on
    the ``store`` fixture, with branch "main" and a shift open for :data:`DESK`."""
    redis = Redis.from_url(stack.redis_url)
    await store.branches.create_if_missing(BranchRecord(id="main", name="Money test"))
    await store.shifts.open(ShiftRecord("shift", "main", DESK.user_id, DESK.username, 0, 0))
    try:
        yield MoneyService(store, LiveState(redis), FieldCipher(parse_keys(generate_key("m1"))), "main")
    finally:
        await redis.aclose()


def client_for(
    stack: LocalStack, name: str, *, client_id: str | None = None, issue: bool = True, timeout_s: float = 10
) -> Any:
    """An MQTT client presenting ``name``'s certificate from this stack's CA (a PC's issued and admitted by
    the broker on demand, unless ``issue`` is False: then the current one, even if revoked). The hub's
    identity connects to the hub's listener; a PC's to the PCs' listener, whose client id is its name."""
    ca = stack.require_ca()
    identity = stack.ensure_pc(name) if issue and name != HUB_IDENTITY else ca.get(name)
    tls = tls_context(ca.ca_cert_path, identity.cert_path, identity.key_path)
    return mqtt_client(
        host="localhost",
        port=stack.ports.broker_hub if name == HUB_IDENTITY else stack.ports.broker,
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


# ---- staff security helpers (tests/integration/test_security_*.py) ----------------------------------

ADMIN_CONFIRMATION = {"reason": "integration test", "password": ADMIN_PASSWORD}


class Phone:
    """An authenticator app: each code it gives is for a later 30 s step than the last one it gave, so
    the hub's replay protection never refuses it (it waits for the next step when it must)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.last_step = -1

    def code(self) -> str:
        from hub.auth.totp import code_at

        while True:
            now = time.time()
            current = int(now // 30)
            # The hub accepts one step either side; near a boundary the previous step is about to fall
            # out of the window, so skip it then.
            candidates = ([current - 1] if now % 30 < 25 else []) + [current, current + 1]
            for step in candidates:
                if step > self.last_step:
                    self.last_step = step
                    return code_at(self.secret, step * 30 + 1)
            time.sleep(1)


class Staff:
    """A staff user created through the API, logged in (2FA enrolled when the role needs it)."""

    def __init__(self, stack: LocalStack, username: str, password: str, role: str) -> None:
        self.stack = stack
        self.username = username
        self.password = password
        self.role = role
        self.phone: Phone | None = None
        self.access_token = ""
        self.refresh_token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def url(self, path: str) -> str:
        return f"{self.stack.api_url}/api/v1{path}"

    def login(self) -> httpx.Response:
        """Log in (with the phone's code when 2FA is on); keeps the tokens of a full session."""
        response = httpx.post(
            self.url("/auth/login"), json={"username": self.username, "password": self.password}
        )
        if response.status_code == 200 and response.json().get("mfa_required"):
            assert self.phone is not None
            response = httpx.post(
                self.url("/auth/login/2fa"),
                json={"mfa_token": response.json()["mfa_token"], "code": self.phone.code()},
            )
        if response.status_code == 200:
            self.access_token = response.json()["access_token"]
            self.refresh_token = response.json().get("refresh_token")
        return response

    def enrol(self) -> list[str]:
        """Enrol TOTP 2FA; the recovery codes."""
        setup = httpx.post(self.url("/auth/2fa/setup"), headers=self.headers)
        assert setup.status_code == 200, setup.text
        self.phone = Phone(setup.json()["secret"])
        done = httpx.post(
            self.url("/auth/2fa/activate"), headers=self.headers, json={"code": self.phone.code()}
        )
        assert done.status_code == 200, done.text
        self.access_token = done.json()["access_token"]
        self.refresh_token = done.json()["refresh_token"]
        codes: list[str] = done.json()["recovery_codes"]
        return codes


def create_staff(stack: LocalStack, admin_token: str, role: str, *, enrol: bool = True) -> Staff:
    """A new user of ``role`` created by the owner `admin`; logged in with a full session (enrolling
    2FA first when the role requires it, unless ``enrol`` is False)."""
    username = f"{role[:4]}-{uuid.uuid4().hex[:8]}"
    password = f"pass-{uuid.uuid4().hex}"
    created = httpx.post(
        f"{stack.api_url}/api/v1/users",
        headers={"Authorization": f"Bearer {admin_token}"},
        json={"username": username, "role": role, "password": password, "confirmation": ADMIN_CONFIRMATION},
    )
    assert created.status_code == 201, created.text
    staff = Staff(stack, username, password, role)
    response = staff.login()
    assert response.status_code == 200, response.text
    if enrol and "enroll_2fa" in response.json().get("required_actions", []):
        staff.enrol()
    return staff


def icafe(stack: LocalStack, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> Any:
    """The `icafe` command against the test stack, found through ICAFE_DATA_DIR/hub.toml."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ICAFE_")}
    environment.update(ICAFE_DATA_DIR=str(stack.data_dir), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "icafe", *args],
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def database(stack: LocalStack) -> Any:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(stack.mongo_url)
    return client, client[stack.config.hub_env["ICAFE_MONGO_DB"]]
