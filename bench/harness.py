"""What the stack benchmarks share (``bench.commands``, ``bench.ingest``): hubs behind the shared
subscription, the lean load (``icafe load-publish``, ``icafe load-count``) and its counters, the hubs'
metrics, every process's CPU share, and requests offered open-loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import ssl
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from icafe.load import statuses
from icafe.stack import LocalStack
from icafe.supervisor import ServiceSpec, free_port
from protocol.transport import tls_context
from provisioning import HUB_IDENTITY
from provisioning.ca import atomic_write

# A hub's start-up may take minutes on a machine shared by many.
HUB_START_S = 300.0
POLL_S = 0.5


class BenchmarkError(RuntimeError):
    """The benchmark could not complete; the message says what went wrong."""


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ---- the stack ---------------------------------------------------------------------------------


def start_hubs(stack: LocalStack, count: int) -> list[str]:
    """The broker, Redis, the store and ``count`` hubs; the hubs' API URLs (the first on the stack's port,
    the others on ports of their own, each its own hub id)."""
    stack.start_infrastructure()
    urls = []
    for index in range(1, count + 1):
        name, port = ("hub", stack.config.http_port) if index == 1 else (f"hub-{index}", free_port())
        stack.start_hub(name, port, ready_timeout_s=HUB_START_S)
        urls.append(f"http://127.0.0.1:{port}")
    return urls


def hub_tls(stack: LocalStack) -> ssl.SSLContext:
    ca = stack.require_ca()
    hub = ca.get(HUB_IDENTITY)
    return tls_context(ca.ca_cert_path, hub.cert_path, hub.key_path)


async def login(http: httpx.AsyncClient, password: str) -> str:
    response = await http.post("/api/v1/auth/login", json={"username": "admin", "password": password})
    if response.status_code != 200:
        raise BenchmarkError(f"login failed: {response.status_code} {response.text[:200]}")
    answer = response.json()
    if answer.get("required_actions"):
        raise BenchmarkError(f"the owner must first do {answer['required_actions']}: cannot send commands")
    token: str = answer["access_token"]
    return token


async def until(
    check: Callable[[], Awaitable[bool]], timeout_s: float, what: str, stack: LocalStack
) -> float:
    """Seconds until ``check`` holds; BenchmarkError when a service exits or on timeout."""
    started = time.monotonic()
    while not await check():
        dead = [name for name, s in stack.supervisor.services.items() if not s.alive()]
        if dead:
            raise BenchmarkError(f"{', '.join(dead)} exited while waiting for {what}")
        if time.monotonic() - started > timeout_s:
            raise BenchmarkError(f"not within {timeout_s:.0f} s: {what}")
        await asyncio.sleep(POLL_S)
    return round(time.monotonic() - started, 2)


# ---- the load ----------------------------------------------------------------------------------


def start_load(
    stack: LocalStack, *, pcs: int, publishers: int, rate: float, control: Path | None = None
) -> list[Path]:
    """``publishers`` processes of ``icafe load-publish`` sharing PCs pc-001..pc-<pcs> and ``rate``
    telemetry messages a second (each its share of the PCs and of the rate); with ``control``, every
    process offers the rate that file says instead (``set_rate``). Their status files."""
    per = math.ceil(pcs / publishers)
    paths = []
    for index in range(publishers):
        first = 1 + index * per
        count = min(per, pcs - first + 1)
        path = stack.data_dir / f"load-{index}.json"
        argv = [sys.executable, "-m", "icafe", "load-publish", "--certs", str(stack.certs_dir)]
        argv += ["--port", str(stack.ports.broker), "--site", stack.config.site]
        argv += ["--first", str(first), "--count", str(count), "--rate", str(rate * count / pcs)]
        argv += ["--status", str(path)] + (["--control", str(control)] if control else [])
        stack.supervisor.start(
            ServiceSpec(
                name=f"load-{index}", argv=argv, log_path=stack.log(f"load-{index}"), ready=lambda: True
            )
        )
        paths.append(path)
    return paths


def set_rate(control: Path, rate: float, publishers: int) -> None:
    """Every load process offers its share of ``rate`` from its next read of the file (twice a second)."""
    atomic_write(control, json.dumps({"rate": rate / publishers}).encode(), 0o600)


def start_count(stack: LocalStack) -> Path:
    """``icafe load-count``: a plain, non-shared subscriber to the PCs' telemetry with the hub's
    certificate, on the hub's listener. Its status file."""
    ca = stack.require_ca()
    hub = ca.get(HUB_IDENTITY)
    path = stack.data_dir / "load-count.json"
    argv = [sys.executable, "-m", "icafe", "load-count", "--port", str(stack.ports.broker_hub)]
    argv += ["--ca", str(ca.ca_cert_path), "--cert", str(hub.cert_path), "--key", str(hub.key_path)]
    argv += ["--status", str(path)]
    stack.supervisor.start(
        ServiceSpec(name="load-count", argv=argv, log_path=stack.log("load-count"), ready=path.exists)
    )
    return path


def load_status(paths: Sequence[Path]) -> dict[str, float]:
    """The load processes' counters, summed (a process that has not written yet counts nothing)."""
    total: Counter[str] = Counter()
    for status in statuses(paths):
        for key in ("connected", "sent", "missed", "commands_answered", "received"):
            total[key] += status.get(key, 0)
    return dict(total)


# ---- the hubs' metrics -------------------------------------------------------------------------


def metric_value(text: str, name: str, labels: Mapping[str, str] | None = None) -> float:
    """One sample of the Prometheus text format; 0 when absent (a labelled child not yet created)."""
    key = name
    if labels:
        key += "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
    for line in text.splitlines():
        if line.startswith(key + " "):
            return float(line.split()[1])
    return 0.0


def metric_sum(texts: Sequence[str], name: str, labels: Mapping[str, str] | None = None) -> float:
    """One sample summed over several hubs' metrics."""
    return sum(metric_value(text, name, labels) for text in texts)


async def scrape(clients: Sequence[httpx.AsyncClient]) -> list[str]:
    """Every hub's ``/metrics``."""
    texts = []
    for client in clients:
        response = await client.get("/metrics")
        response.raise_for_status()
        texts.append(response.text)
    return texts


# ---- CPU shares --------------------------------------------------------------------------------


def process_cpu_seconds(process: psutil.Process) -> float:
    """User and system CPU seconds of a process; 0 once it is gone."""
    try:
        return float(sum(process.cpu_times()[:2]))
    except psutil.Error:
        return 0.0


def cpu_snapshot(stack: LocalStack) -> dict[str, float]:
    """CPU seconds of every service with its descendants, of each descendant alone as
    ``<service>/<process>`` (e.g. ``mosquitto/mosquitto``: the broker without its log watcher), and of
    this process alone (``bench``)."""
    seconds: dict[str, float] = {}
    for name, service in stack.supervisor.services.items():
        if service.pid is None:
            continue
        try:
            process = psutil.Process(service.pid)
            children = process.children(recursive=True)
        except psutil.Error:
            continue
        seconds[name] = process_cpu_seconds(process)
        for child in children:
            with contextlib.suppress(psutil.Error):
                own = process_cpu_seconds(child)
                seconds[name] += own
                key = f"{name}/{child.name()}"
                seconds[key] = seconds.get(key, 0.0) + own
    # The services are this process's children: count only its own time.
    seconds["bench"] = process_cpu_seconds(psutil.Process())
    return seconds


def cpu_percent(
    before: Mapping[str, float], after: Mapping[str, float], elapsed_s: float
) -> dict[str, float]:
    """Each process's CPU share between two snapshots (100 % = one core)."""
    return {
        name: round(100 * (after[name] - before.get(name, 0.0)) / elapsed_s, 1)
        for name in after
        if elapsed_s > 0
    }


# ---- open-loop requests ------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty sequence."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Latency:
    """Client-side latency of one kind of request, from when each was due."""

    sent: int = 0
    ok: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    failures: dict[str, int] = field(default_factory=dict)
    failure_examples: dict[str, str] = field(default_factory=dict)
    # Per request, over the phase (the telemetry's own included: compare with the bare phases).
    store_round_trips: float | None = None
    redis_commands: float | None = None


@dataclass(frozen=True)
class Outcome:
    """One request's outcome (``ok`` or why not) and its latency from when it was due."""

    outcome: str
    detail: str
    ms: float


Request = Callable[[int], Awaitable[tuple[str, str]]]  # the i-th request: (outcome, detail); "ok" is ok


async def open_loop_outcomes(rate: float, count: int, request: Request) -> list[Outcome]:
    """``count`` requests started at ``rate`` a second whatever the answers; timed from when it was due."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    results: list[Outcome] = []

    async def timed(index: int, due: float) -> None:
        try:
            outcome, detail = await request(index)
        except Exception as exc:
            outcome, detail = type(exc).__name__, str(exc)[:200]
        results.append(Outcome(outcome, detail, (loop.time() - due) * 1000))

    tasks = []
    for index in range(count):
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - loop.time()))
        tasks.append(asyncio.create_task(timed(index, due)))
    await asyncio.gather(*tasks)
    return results


def latency(results: Sequence[Outcome]) -> Latency:
    """p50/p99/max of the requests answered ``ok``; the others counted by outcome."""
    latencies = sorted(r.ms for r in results if r.outcome == "ok")
    figures = Latency(sent=len(results), ok=len(latencies))
    for r in results:
        if r.outcome != "ok":
            figures.failures[r.outcome] = figures.failures.get(r.outcome, 0) + 1
            figures.failure_examples.setdefault(r.outcome, r.detail)
    if latencies:
        figures.p50_ms = round(percentile(latencies, 0.50), 1)
        figures.p99_ms = round(percentile(latencies, 0.99), 1)
        figures.max_ms = round(latencies[-1], 1)
    return figures


async def open_loop(rate: float, count: int, request: Request) -> Latency:
    return latency(await open_loop_outcomes(rate, count, request))
