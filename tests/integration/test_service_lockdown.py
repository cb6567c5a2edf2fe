"""The local stack's services locked down: revocations and lockouts survive a Redis crash (append-only
file), Redis lets in only the hub's own user, every service listens on loopback only, the data is readable
by its owner only, and no secret is on a command line or in a log."""

from __future__ import annotations

import signal
import stat
import uuid
from pathlib import Path

import httpx
import psutil
import pytest
from redis import Redis
from redis.exceptions import AuthenticationError, ResponseError

from icafe.stack import LOOPBACK, REDIS_USER, LocalStack
from provisioning.crl_dir import CRL_DIR

from .conftest import create_staff, wait_until

pytestmark = pytest.mark.integration


def api_url(stack: LocalStack, path: str) -> str:
    return f"{stack.api_url}/api/v1{path}"


def crash_redis(stack: LocalStack) -> None:
    """kill -9, as a crash or a power cut of Redis alone would; then the supervisor starts it again (the
    same start as after any crash: its configuration, its data folder) and the hub sees it back."""
    redis = stack.supervisor.services["redis"]
    pid = redis.pid
    redis.kill()
    assert not psutil.pid_exists(pid or 0) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    stack.supervisor.restart("redis")
    wait_until(
        lambda: httpx.get(f"{stack.api_url}/healthz").json()["checks"]["redis"] == "up", 30, "Redis back"
    )


def test_a_token_logged_out_just_before_a_redis_crash_stays_refused(stack: LocalStack) -> None:
    login = httpx.post(
        api_url(stack, "/auth/login"), json={"username": "admin", "password": stack.secrets["admin_password"]}
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert httpx.get(api_url(stack, "/auth/me"), headers=headers).status_code == 200
    assert httpx.post(api_url(stack, "/auth/logout"), headers=headers).status_code in (200, 204)
    crash_redis(stack)
    # The access token itself is still a valid JWT for minutes: only the revocation in Redis refuses it.
    answer = wait_until(
        lambda: (r := httpx.get(api_url(stack, "/auth/me"), headers=headers)).status_code != 503 and r,
        30,
        "the hub answering again",
    )
    assert answer.status_code == 401, answer.text


def test_a_lockout_set_just_before_a_redis_crash_still_holds(stack: LocalStack, token: str) -> None:
    user = create_staff(stack, token, "cashier", enrol=False)
    wrong = {"username": user.username, "password": f"wrong-{uuid.uuid4().hex}"}

    def attempt() -> int:
        return httpx.post(api_url(stack, "/auth/login"), json=wrong).status_code

    answers: list[int] = []
    while not answers or (answers[-1] != 429 and len(answers) < 60):
        answers.append(attempt())
    assert answers[-1] == 429, answers
    # The policy lets a few failures through first: a Redis that forgot them would answer 401 again.
    assert answers.count(401) >= 3, answers
    crash_redis(stack)
    # The failures counted before the crash still count: at once (the lock still runs) or on the next
    # failure (which locks again), the account is refused with 429, never back to its free attempts.
    after = [attempt(), attempt()]
    assert 429 in after, (answers, after)


def test_redis_lets_in_only_the_hubs_own_user(stack: LocalStack) -> None:
    anonymous = Redis(host=LOOPBACK, port=stack.ports.redis, socket_timeout=5)
    with pytest.raises((AuthenticationError, ResponseError), match=r"(?i)auth"):
        anonymous.ping()
    with pytest.raises((AuthenticationError, ResponseError)):
        Redis(host=LOOPBACK, port=stack.ports.redis, username="default", password="", socket_timeout=5).ping()
    hub = Redis.from_url(stack.redis_url, socket_timeout=5)
    assert hub.ping() is True
    assert hub.acl_whoami() == REDIS_USER
    # Writes reach the append-only file, fsync'd every second.
    assert hub.config_get("appendonly") == {"appendonly": "yes"}
    assert hub.config_get("appendfsync") == {"appendfsync": "everysec"}


def service_processes(stack: LocalStack) -> dict[str, list[psutil.Process]]:
    """Every running service of the stack with its children (Mosquitto runs under `icafe broker-log`)."""
    found: dict[str, list[psutil.Process]] = {}
    for name, service in stack.supervisor.services.items():
        if service.alive() and service.pid is not None:
            process = psutil.Process(service.pid)
            found[name] = [process, *process.children(recursive=True)]
    return found


def test_every_service_listens_on_loopback_only(stack: LocalStack) -> None:
    """nx-27017 has no authentication at all (it answers `ok` to any command, saslStart included, and a
    client with credentials cannot even log in): loopback and file modes are all that protect it."""
    processes = service_processes(stack)
    for name in ("mosquitto", "redis", "store", "hub"):
        listening = [
            conn.laddr
            for process in processes[name]
            for conn in process.net_connections(kind="inet")
            if conn.status == psutil.CONN_LISTEN
        ]
        assert listening, name
        assert {address.ip for address in listening} == {LOOPBACK}, (name, listening)
    broker_ports = {
        conn.laddr.port
        for process in processes["mosquitto"]
        for conn in process.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN
    }
    assert broker_ports == {stack.ports.broker, stack.ports.broker_hub}


def secrets_of(stack: LocalStack) -> dict[str, str]:
    values = {name: stack.secrets[name] for name in ("jwt_secret", "admin_password", "redis_password")}
    keys = [stack.secrets["encryption_keys"], stack.config.hub_env.get("ICAFE_ENCRYPTION_KEYS", "")]
    for n, entry in enumerate(key for spec in keys for key in spec.split(",") if key):
        values[f"encryption key {n}"] = entry.split(":", 1)[1]
    return values


def test_no_secret_is_on_a_command_line_or_in_a_log(stack: LocalStack) -> None:
    secrets = secrets_of(stack)
    processes = service_processes(stack)
    assert {"mosquitto", "redis", "store", "hub"} <= set(processes)
    commands = {
        f"{name}[{process.pid}]": "\0".join(process.cmdline())
        for name, group in processes.items()
        for process in group
    }
    assert any("redis-server" in command for command in commands.values())
    assert any(command.endswith("mosquitto.conf") for command in commands.values())
    for label, command in commands.items():
        for secret_name, secret in secrets.items():
            assert secret not in command, f"{secret_name} is on the command line of {label}"
    logs = sorted((stack.data_dir / "logs").glob("*.log"))
    assert {"hub.log", "mosquitto.log", "redis.log", "store.log"} <= {log.name for log in logs}
    for log in logs:
        text = log.read_text(errors="replace")
        for secret_name, secret in secrets.items():
            assert secret not in text, f"{secret_name} is in {log.name}"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_every_data_file_is_readable_by_its_owner_only(stack: LocalStack) -> None:
    """Folders 0700 and files 0600 (whatever each service wrote, under umask 077), except the CA's public
    certificates, CRLs (crl.pem and crl.d/) and index: those stay readable (a broker running as another
    user reads them), inside the 0700 data folder all the same."""
    # Mosquitto writes its persistence file at intervals, or at once on SIGUSR1 (through broker-log).
    persistence = stack.broker_dir / "persistence" / "mosquitto.db"
    stack.supervisor.services["mosquitto"].signal(signal.SIGUSR1)
    wait_until(persistence.exists, 10, "Mosquitto's persistence file")
    data = stack.data_dir
    expected = [
        persistence,
        stack.broker_acl_path,
        data / "secrets.json",
        data / "hub.toml",
        data / "redis" / "redis.conf",
        data / "certs" / "ca.key",
        data / "certs" / "broker" / "server.key",
        data / "certs" / "clients" / "icafe-hub.key",
        data / "logs" / "hub.log",
    ]
    for path in expected:
        assert path.exists(), path
    assert list((data / "store").glob("*.db")), "the store's files"
    assert list((data / "redis").rglob("*.aof")), "Redis's append-only files"
    assert mode(data) == 0o700
    certs = data / "certs"
    public = {"crl.pem", "index.json"}
    for path in data.rglob("*"):
        if path.is_symlink():
            continue
        if path.is_dir():
            allowed = 0o755 if path.is_relative_to(certs) else 0o700
            assert mode(path) & ~allowed == 0, f"{path} is {oct(mode(path))}"
        elif path.is_socket():  # the signer's: its group may connect (a hub running as another user)
            assert mode(path) & 0o007 == 0, f"{path} is {oct(mode(path))}"
        elif (
            path.suffix == ".crt"
            or (path.parent == certs and path.name in public)
            or path.parent == certs / CRL_DIR  # the CRLs again, as the broker's listeners read them
        ):
            assert mode(path) & 0o022 == 0, f"{path} is {oct(mode(path))}"
        else:
            assert mode(path) & 0o077 == 0, f"{path} is {oct(mode(path))}"
