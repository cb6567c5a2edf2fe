"""A small process supervisor: start services, wait until each is ready, restart on crash, stop cleanly.

`make demo`, the integration tests and the benchmark all start their services through this module,
so what the tests exercise is what an owner runs. Every service starts with umask 077, so whatever it
writes (databases, append-only files, persistence) is its owner's only, and so is its log.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Files a service creates are readable by their owner only (0600, folders 0700).
CHILD_UMASK = 0o077
# A service that ran this long before it crashed was not crash-looping: its restart back-off starts over
# (else a part killed now and then, over days, would wait the longest back-off every time).
STABLE_S = 10.0
LOG_MODE = 0o600


class SupervisorError(RuntimeError):
    """A service that would not start or become ready."""


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    argv: Sequence[str]
    log_path: Path
    ready: Callable[[], bool]
    env: Mapping[str, str] = field(default_factory=dict)
    ready_timeout_s: float = 30.0
    # Called before every (re)start, e.g. to remove a stale pid file left by a kill -9.
    before_start: Callable[[], None] | None = None


class Service:
    def __init__(self, spec: ServiceSpec) -> None:
        self.spec = spec
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        # Crashes since it last ran stably (STABLE_S): what its restart back-off grows with.
        self.crash_streak = 0
        self.started_at = 0.0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.spec.before_start:
            self.spec.before_start()
        self.spec.log_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        env = {**os.environ, **self.spec.env}
        self.started_at = time.monotonic()
        log_fd = os.open(self.spec.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, LOG_MODE)
        with os.fdopen(log_fd, "ab") as log:
            # A session of its own, so Ctrl-C in the terminal reaches only the supervisor, which then
            # stops every child in order.
            self.process = subprocess.Popen(
                list(self.spec.argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
                umask=CHILD_UMASK,
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.spec.ready_timeout_s
        while time.monotonic() < deadline:
            if not self.alive():
                raise SupervisorError(f"{self.spec.name} exited during start-up\n{self.log_tail()}")
            try:
                if self.spec.ready():
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise SupervisorError(
            f"{self.spec.name} not ready after {self.spec.ready_timeout_s}s\n{self.log_tail()}"
        )

    def stop(self, timeout_s: float = 10.0) -> None:
        if not self.alive() or self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL, as a crash or power cut would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def signal(self, signum: int) -> None:
        if self.process is not None and self.alive():
            os.kill(self.process.pid, signum)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.spec.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


class Supervisor:
    """Owns a set of services; stops them in reverse start order."""

    def __init__(self) -> None:
        self.services: dict[str, Service] = {}
        self._stopping = threading.Event()

    def start(self, spec: ServiceSpec) -> Service:
        if spec.name in self.services and self.services[spec.name].alive():
            raise SupervisorError(f"{spec.name} is already running")
        service = Service(spec)
        self.services[spec.name] = service
        service.start()
        try:
            service.wait_ready()
        except SupervisorError:
            service.stop()
            raise
        return service

    def restart(self, name: str) -> Service:
        service = self.services[name]
        service.stop()
        service.start()
        service.wait_ready()
        return service

    def stop(self, name: str) -> None:
        self.services[name].stop()

    def stop_all(self) -> None:
        self._stopping.set()
        for service in reversed(list(self.services.values())):
            service.stop()

    def watch(self, on_restart: Callable[[Service], None] | None = None, poll_s: float = 1.0) -> None:
        """Restart crashed services (with back-off) until stop_all() is called."""
        while not self._stopping.wait(poll_s):
            for service in list(self.services.values()):
                if service.alive() or self._stopping.is_set():
                    continue
                service.restarts += 1
                stable = time.monotonic() - service.started_at >= STABLE_S
                service.crash_streak = 1 if stable else service.crash_streak + 1
                time.sleep(min(30.0, 0.5 * 2 ** min(service.crash_streak, 6)))
                if self._stopping.is_set():
                    return
                service.start()
                if on_restart:
                    on_restart(service)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def tcp_ready(port: int, host: str = "127.0.0.1") -> Callable[[], bool]:
    def check() -> bool:
        with socket.create_connection((host, port), timeout=0.5):
            return True

    return check


def all_ready(*checks: Callable[[], bool]) -> Callable[[], bool]:
    return lambda: all(check() for check in checks)


def redis_ready(
    port: int, username: str | None = None, password: str | None = None, host: str = "127.0.0.1"
) -> Callable[[], bool]:
    """Redis answers PING, after logging in as ``username`` when given."""

    def check() -> bool:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            expected = b"+PONG\r\n"
            if username is not None and password is not None:
                sock.sendall(_resp(b"AUTH", username.encode(), password.encode()))
                expected = b"+OK\r\n" + expected
            sock.sendall(_resp(b"PING"))
            received = b""
            while len(received) < len(expected):
                chunk = sock.recv(64)
                if not chunk:
                    return False
                received += chunk
            return received.startswith(expected)

    return check


def _resp(*parts: bytes) -> bytes:
    """A command in Redis's protocol (RESP), so a password with any characters goes through intact."""
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(part), part) for part in parts)
