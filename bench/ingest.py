"""The ingest benchmark: how many simulated PCs one hub keeps up with, and how fast commands go round.

Usage::

    python bench/ingest.py [--pcs N] [--telemetry-s S] [--duration S] [--commands K] [--data-dir DIR] [--json]

What is measured, and how:

* The benchmark starts its own local stack (Mosquitto with mutual TLS, Redis, the embedded store, the
  hub) on loopback ports, with all state in a fresh temporary data directory.
* **enroll**: ``LocalStack.start_simulator`` writes the N PCs' agent bundles, then spawns the simulator
  process (milliseconds); the duration of that call is the enrollment. The certificates themselves are
  issued when the stack starts (``LocalStack.prepare``), so that the broker's access list admits every PC
  from its first start.
* **all PCs online after**: the time from the simulator process's launch (N agents, one TLS connection
  each) until the hub has marked all N PCs ``online`` in the Redis presence hash ``icafe:presence``
  (polled with HGETALL): agents, broker and the hub's status handling end to end. For comparison, the
  bare subscriber below also reads every PC's own retained ``status``: when all say ``online``, the
  agents have connected, whatever the hub's lag.
* After a warm-up of one telemetry interval, over the measurement window:

  - **bare subscriber**: a plain MQTT client in this process, using the hub's certificate and a
    non-shared subscription to ``icafe/v1/+/pc/+/telemetry``, counts the telemetry messages the broker
    delivers; this is what the broker and agents produce, without any hub work.
  - **hub ingests**: the difference of the hub's ``icafe_telemetry_ingested_total`` counter
    (``GET /metrics``: readings accepted, each on the live feed) between the start and the end of the
    window; the ratio hub/bare shows whether the hub keeps up. **Stored** is
    ``icafe_telemetry_persisted_total``: the bounded history (one sample per PC every
    ``telemetry_sample_s``, ``hub.mqtt.telemetry_plan``), not every reading.
  - the hub's telemetry backlog (``icafe_mqtt_intake_backlog{lane="telemetry"}``: received, not yet
    handled), sampled every second; a backlog that keeps growing means the hub falls behind, and beyond
    its cap telemetry is shed (``dropped``, reason ``shed``).
  - the CPU share of every process in the window (100 % = one core), to show where the time goes.

* **command round trip**: K ``message`` commands, ``POST /api/v1/pcs/{id}/commands``, to random online
  PCs with a few requests in flight; the client-side latency of each 200 answer (publish, agent,
  acknowledgement, hub) gives p50/p99/max; every other outcome counts as a failure.

Every wait is bounded; the stack is always stopped at the end. The data directory is removed unless it
was given with ``--data-dir`` or the run failed (then its logs are kept for inspection).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import ssl
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import psutil
from redis.asyncio import Redis

from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port
from protocol.transport import tls_context
from provisioning import HUB_IDENTITY

TELEMETRY_FILTER = "icafe/v1/+/pc/+/telemetry"
STATUS_FILTER = "icafe/v1/+/pc/+/status"
PRESENCE_KEY = "icafe:presence"
PERSISTED_METRIC = "icafe_telemetry_persisted_total"
INGESTED_METRIC = "icafe_telemetry_ingested_total"
BACKLOG_METRIC = "icafe_mqtt_intake_backlog"
RECEIVED_METRIC = "icafe_mqtt_messages_in_total"
DROPPED_METRIC = "icafe_mqtt_messages_dropped_total"
COMMAND_TIMEOUT_S = 10.0
COMMANDS_IN_FLIGHT = 10
POLL_S = 0.5
BACKLOG_SAMPLE_S = 1.0


class BenchmarkError(RuntimeError):
    """The benchmark could not complete; the message says what went wrong."""


# ---- options and figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    pcs: int
    telemetry_s: float
    duration_s: float
    commands: int
    data_dir: Path | None
    online_timeout_s: float
    warmup_s: float
    as_json: bool


@dataclass
class CommandFigures:
    sent: int = 0
    ok: int = 0
    p50_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    failures: int = 0
    failure_kinds: dict[str, int] = field(default_factory=dict)
    # The first answer of each failure kind, shortened: says why, e.g. which permission was missing.
    failure_examples: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Backlog:
    """Telemetry received by the hub but not yet persisted, sampled through the window."""

    start: float
    max: float
    end: float


@dataclass
class Figures:
    pcs: int
    telemetry_s: float
    window_s: float
    cores: int
    expected_msg_s: float
    enroll_s: float | None = None
    announced_online_s: float | None = None
    online_after_s: float | None = None
    bare_msg_s: float | None = None
    hub_received_msg_s: float | None = None
    hub_ingested_msg_s: float | None = None
    hub_persisted_msg_s: float | None = None
    ratio: float | None = None
    hub_backlog: Backlog | None = None
    hub_dropped: dict[str, float] = field(default_factory=dict)
    cpu_percent: dict[str, float] = field(default_factory=dict)
    commands: CommandFigures = field(default_factory=CommandFigures)


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="icafe ingest benchmark (see the module docstring)")
    parser.add_argument("--pcs", type=int, default=2000, help="simulated PCs (default 2000)")
    parser.add_argument("--telemetry-s", type=float, default=5.0, help="telemetry interval per PC")
    parser.add_argument("--duration", type=float, default=30.0, help="measurement window in seconds")
    parser.add_argument("--commands", type=int, default=200, help="commands for the round-trip test")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep all state here (kept afterwards)")
    parser.add_argument("--online-timeout", type=float, default=180.0, help="max wait for all PCs online")
    parser.add_argument("--warmup", type=float, default=None, help="seconds after all online (default S)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.pcs < 1 or args.telemetry_s <= 0 or args.duration <= 0 or args.commands < 0:
        parser.error("--pcs must be >= 1, --telemetry-s and --duration > 0, --commands >= 0")
    return Options(
        pcs=args.pcs,
        telemetry_s=args.telemetry_s,
        duration_s=args.duration,
        commands=args.commands,
        data_dir=args.data_dir,
        online_timeout_s=args.online_timeout,
        warmup_s=args.telemetry_s if args.warmup is None else args.warmup,
        as_json=args.json,
    )


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ---- the stack ---------------------------------------------------------------------------------


def build_stack(options: Options, data_dir: Path) -> LocalStack:
    config = StackConfig(
        data_dir=data_dir,
        http_port=free_port(),
        pcs=options.pcs,
        telemetry_s=options.telemetry_s,
        admin_password=secrets.token_urlsafe(16),
        hub_env={
            "ICAFE_COMMAND_TIMEOUT_S": str(COMMAND_TIMEOUT_S),
            # A throw-away local stack, as in the demo and the integration tests: the bootstrap owner
            # `admin` works without enrolling 2FA first.
            "ICAFE_ADMIN_2FA_OPTIONAL": "1",
        },
    )
    return LocalStack(config)


def start_services(stack: LocalStack) -> None:
    stack.start_infrastructure()
    stack.start_hub()


def simulator_alive(stack: LocalStack) -> bool:
    service = stack.supervisor.services.get("simulator")
    return service is not None and service.alive()


# ---- the bare subscriber -----------------------------------------------------------------------


class BareSubscriber:
    """What a plain, non-shared subscriber sees: telemetry messages, and each PC's own last status."""

    def __init__(self) -> None:
        self.received = 0
        self.online: set[str] = set()
        self.error: str | None = None

    async def consume(self, client: aiomqtt.Client) -> None:
        try:
            async for message in client.messages:
                self._count(str(message.topic), message.payload)
        except aiomqtt.MqttError as exc:
            self.error = str(exc)

    def _count(self, topic: str, payload: Any) -> None:
        if topic.endswith("/telemetry"):
            self.received += 1
            return
        pc_id = topic.split("/")[-2]
        try:
            state = json.loads(payload).get("state")
        except (ValueError, TypeError, AttributeError):
            return
        if state == "online":
            self.online.add(pc_id)
        else:
            self.online.discard(pc_id)


def hub_tls(stack: LocalStack) -> ssl.SSLContext:
    ca = stack.require_ca()
    hub = ca.get(HUB_IDENTITY)
    return tls_context(ca.ca_cert_path, hub.cert_path, hub.key_path)


@contextlib.asynccontextmanager
async def bare_subscriber(stack: LocalStack) -> AsyncIterator[BareSubscriber]:
    client = aiomqtt.Client(
        "localhost",
        stack.ports.broker_hub,
        identifier=f"icafe-bench-{os.getpid()}",
        protocol=aiomqtt.ProtocolVersion.V5,
        tls_context=hub_tls(stack),
        clean_start=True,
        keepalive=30,
        timeout=10,
    )
    counter = BareSubscriber()
    async with client:
        await client.subscribe(TELEMETRY_FILTER, qos=0)
        await client.subscribe(STATUS_FILTER, qos=0)
        task = asyncio.create_task(counter.consume(client), name="bare-subscriber")
        try:
            yield counter
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await task


# ---- presence ----------------------------------------------------------------------------------


async def online_pcs(redis: Redis) -> list[str]:
    entries = await redis.hgetall(PRESENCE_KEY)
    online: list[str] = []
    for pc_id, raw in entries.items():
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            if json.loads(raw).get("status") == "online":
                online.append(pc_id.decode() if isinstance(pc_id, bytes) else pc_id)
    return online


@dataclass(frozen=True)
class OnlineTimes:
    announced_s: float | None  # every PC's own retained ``online`` status seen by the bare subscriber
    hub_s: float  # every PC marked online by the hub in Redis


async def wait_all_online(
    stack: LocalStack, redis: Redis, bare: BareSubscriber, pcs: int, timeout_s: float
) -> OnlineTimes:
    """Seconds until ``pcs`` PCs are online; BenchmarkError on timeout or if the simulator dies."""
    started = time.monotonic()
    deadline = started + timeout_s
    last_report = started
    announced: float | None = None
    count = 0
    while time.monotonic() < deadline:
        count = len(await online_pcs(redis))
        elapsed = time.monotonic() - started
        if announced is None and len(bare.online) >= pcs:
            announced = elapsed
        if count >= pcs:
            return OnlineTimes(announced_s=announced, hub_s=elapsed)
        if not simulator_alive(stack):
            raise BenchmarkError(f"the simulator exited with {count}/{pcs} PCs online")
        if time.monotonic() - last_report >= 10:
            progress(f"after {elapsed:.0f} s: {len(bare.online)} PCs announced online, hub has {count}")
            last_report = time.monotonic()
        await asyncio.sleep(POLL_S)
    raise BenchmarkError(
        f"only {count}/{pcs} PCs online at the hub after {timeout_s:.0f} s "
        f"({len(bare.online)} announced online on the broker)"
    )


# ---- hub metrics -------------------------------------------------------------------------------


def metric_value(text: str, name: str, labels: Mapping[str, str] | None = None) -> float:
    """One sample of the Prometheus text format; 0 when absent (a labelled child not yet created)."""
    key = name
    if labels:
        key += "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"
    for line in text.splitlines():
        if line.startswith(key + " "):
            return float(line.split()[1])
    return 0.0


def labelled_values(text: str, name: str, label: str) -> dict[str, float]:
    """Every child of a counter with one label, e.g. the drop counter by reason."""
    prefix = f'{name}{{{label}="'
    values: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(prefix):
            value_name, _, rest = line[len(prefix) :].partition('"}')
            values[value_name] = float(rest.split()[0])
    return values


async def scrape(http: httpx.AsyncClient) -> str:
    response = await http.get("/metrics")
    response.raise_for_status()
    return response.text


# ---- CPU shares --------------------------------------------------------------------------------


def process_cpu_seconds(pid: int, *, with_children: bool) -> float:
    """User and system CPU seconds of a process (and, if asked, its descendants)."""
    try:
        process = psutil.Process(pid)
        total = sum(process.cpu_times()[:2])
        for child in process.children(recursive=True) if with_children else []:
            with contextlib.suppress(psutil.Error):
                total += sum(child.cpu_times()[:2])
        return total
    except psutil.Error:
        return 0.0


def cpu_snapshot(stack: LocalStack) -> dict[str, float]:
    seconds = {
        name: process_cpu_seconds(service.pid, with_children=True)
        for name, service in stack.supervisor.services.items()
        if service.pid is not None
    }
    # The services are this process's children: count only its own time.
    seconds["bench"] = process_cpu_seconds(os.getpid(), with_children=False)
    return seconds


def cpu_percent(
    before: Mapping[str, float], after: Mapping[str, float], elapsed_s: float
) -> dict[str, float]:
    return {
        name: round(100 * (after[name] - before.get(name, 0.0)) / elapsed_s, 1)
        for name in after
        if elapsed_s > 0
    }


# ---- the measurement window --------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    at: float
    bare: int
    metrics: str
    cpu: dict[str, float]


async def snapshot(stack: LocalStack, http: httpx.AsyncClient, counter: BareSubscriber) -> Snapshot:
    metrics = await scrape(http)
    return Snapshot(at=time.monotonic(), bare=counter.received, metrics=metrics, cpu=cpu_snapshot(stack))


def hub_backlog(metrics: str) -> float:
    """Telemetry the hub has received but not yet handled."""
    return metric_value(metrics, BACKLOG_METRIC, {"lane": "telemetry"})


def rate(before: float, after: float, elapsed_s: float) -> float:
    return round((after - before) / elapsed_s, 1)


async def measure_window(
    stack: LocalStack, http: httpx.AsyncClient, counter: BareSubscriber, figures: Figures
) -> None:
    start = await snapshot(stack, http, counter)
    deadline = start.at + figures.window_s
    backlogs = [hub_backlog(start.metrics)]
    while (left := deadline - time.monotonic()) > BACKLOG_SAMPLE_S:
        await asyncio.sleep(BACKLOG_SAMPLE_S)
        backlogs.append(hub_backlog(await scrape(http)))
    await asyncio.sleep(max(0.0, left))
    end = await snapshot(stack, http, counter)
    backlogs.append(hub_backlog(end.metrics))
    if counter.error:
        raise BenchmarkError(f"the bare subscriber lost its connection: {counter.error}")
    elapsed = end.at - start.at
    telemetry = {"kind": "telemetry"}
    figures.window_s = round(elapsed, 2)
    figures.bare_msg_s = rate(start.bare, end.bare, elapsed)
    figures.hub_received_msg_s = rate(
        metric_value(start.metrics, RECEIVED_METRIC, telemetry),
        metric_value(end.metrics, RECEIVED_METRIC, telemetry),
        elapsed,
    )
    figures.hub_ingested_msg_s = rate(
        metric_value(start.metrics, INGESTED_METRIC), metric_value(end.metrics, INGESTED_METRIC), elapsed
    )
    figures.hub_persisted_msg_s = rate(
        metric_value(start.metrics, PERSISTED_METRIC), metric_value(end.metrics, PERSISTED_METRIC), elapsed
    )
    figures.hub_backlog = Backlog(start=backlogs[0], max=max(backlogs), end=backlogs[-1])
    if figures.bare_msg_s > 0:
        figures.ratio = round(figures.hub_ingested_msg_s / figures.bare_msg_s, 3)
    figures.hub_dropped = labelled_values(end.metrics, DROPPED_METRIC, "reason")
    figures.cpu_percent = cpu_percent(start.cpu, end.cpu, elapsed)


# ---- commands ----------------------------------------------------------------------------------


async def login(http: httpx.AsyncClient, password: str) -> str:
    response = await http.post("/api/v1/auth/login", json={"username": "admin", "password": password})
    if response.status_code != 200:
        raise BenchmarkError(f"login failed: {response.status_code} {response.text[:200]}")
    answer = response.json()
    if answer.get("required_actions"):
        raise BenchmarkError(f"the owner must first do {answer['required_actions']}: cannot send commands")
    token: str = answer["access_token"]
    return token


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending, non-empty sequence."""
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class CommandResult:
    outcome: str  # "200", another status code, or an exception's name
    seconds: float
    detail: str = ""


async def send_command(http: httpx.AsyncClient, token: str, pc_id: str) -> CommandResult:
    """One command, timed on the client side."""
    started = time.perf_counter()
    try:
        response = await http.post(
            f"/api/v1/pcs/{pc_id}/commands",
            json={"type": "message", "text": "bench"},
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as exc:
        return CommandResult(type(exc).__name__, time.perf_counter() - started, str(exc)[:200])
    elapsed = time.perf_counter() - started
    detail = "" if response.status_code == 200 else response.text[:200]
    return CommandResult(str(response.status_code), elapsed, detail)


async def command_round_trips(
    http: httpx.AsyncClient, token: str, targets: Sequence[str], in_flight: int
) -> CommandFigures:
    gate = asyncio.Semaphore(in_flight)

    async def one(pc_id: str) -> CommandResult:
        async with gate:
            return await send_command(http, token, pc_id)

    results = await asyncio.gather(*(one(pc_id) for pc_id in targets))
    latencies = sorted(r.seconds * 1000 for r in results if r.outcome == "200")
    failed = [r for r in results if r.outcome != "200"]
    figures = CommandFigures(
        sent=len(results),
        ok=len(latencies),
        failures=len(failed),
        failure_kinds=dict(Counter(r.outcome for r in failed)),
    )
    for r in failed:
        figures.failure_examples.setdefault(r.outcome, r.detail)
    if latencies:
        figures.p50_ms = round(percentile(latencies, 0.50), 1)
        figures.p99_ms = round(percentile(latencies, 0.99), 1)
        figures.max_ms = round(latencies[-1], 1)
    return figures


# ---- the run -----------------------------------------------------------------------------------


async def timed_in_thread(function: Callable[..., object], *args: Any) -> float:
    started = time.monotonic()
    await asyncio.to_thread(function, *args)
    return round(time.monotonic() - started, 2)


async def benchmark(stack: LocalStack, options: Options, figures: Figures) -> None:
    progress(f"starting the stack in {stack.data_dir}")
    await asyncio.to_thread(start_services, stack)
    timeout = httpx.Timeout(COMMAND_TIMEOUT_S + 10)
    redis = Redis.from_url(stack.redis_url)
    async with (
        httpx.AsyncClient(base_url=stack.api_url, timeout=timeout) as http,
        bare_subscriber(stack) as counter,
    ):
        try:
            token = await login(http, stack.secrets["admin_password"])
            progress(f"enrolling {options.pcs} PCs and launching the simulator")
            figures.enroll_s = await timed_in_thread(stack.start_simulator, options.pcs)
            progress("waiting for every PC to be online")
            times = await wait_all_online(stack, redis, counter, options.pcs, options.online_timeout_s)
            figures.online_after_s = round(times.hub_s, 2)
            figures.announced_online_s = None if times.announced_s is None else round(times.announced_s, 2)
            progress(f"all online; warming up for {options.warmup_s:.0f} s")
            await asyncio.sleep(options.warmup_s)
            progress(f"measuring for {options.duration_s:.0f} s")
            await measure_window(stack, http, counter, figures)
            online = await online_pcs(redis)
            targets = [random.choice(online) for _ in range(options.commands)] if online else []
            progress(f"sending {len(targets)} commands, {COMMANDS_IN_FLIGHT} in flight")
            figures.commands = await command_round_trips(http, token, targets, COMMANDS_IN_FLIGHT)
        finally:
            await redis.aclose()


def run(options: Options) -> tuple[Figures, bool]:
    """Run the benchmark; the figures (partial on failure) and whether it completed."""
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="icafe-bench-"))
    figures = Figures(
        pcs=options.pcs,
        telemetry_s=options.telemetry_s,
        window_s=options.duration_s,
        cores=os.cpu_count() or 1,
        expected_msg_s=round(options.pcs / options.telemetry_s, 1),
    )
    stack = build_stack(options, data_dir)
    completed = False
    try:
        asyncio.run(benchmark(stack, options, figures))
        completed = True
    except Exception as exc:
        print(f"icafe bench: FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)
        print(f"icafe bench: logs kept in {stack.data_dir / 'logs'}", file=sys.stderr)
    finally:
        progress("stopping the stack")
        stack.stop()
        if options.data_dir is None and completed:
            shutil.rmtree(data_dir, ignore_errors=True)
    return figures, completed


# ---- output ------------------------------------------------------------------------------------


def fmt(value: float | None, unit: str, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f} {unit}".rstrip()


def render(figures: Figures) -> str:
    c = figures.commands
    ratio = "n/a" if figures.ratio is None else f"{figures.ratio:.3f}"
    dropped = ", ".join(f"{k} {v:.0f}" for k, v in sorted(figures.hub_dropped.items())) or "none"
    b = figures.hub_backlog
    backlog = "n/a" if b is None else f"start {b.start:.0f}, max {b.max:.0f}, end {b.end:.0f} msgs"
    cpu = ", ".join(f"{k} {v:.0f}%" for k, v in figures.cpu_percent.items()) or "n/a"
    failures = f"{c.failures}" + (f" {c.failure_kinds}" if c.failure_kinds else "")
    lines = [
        f"icafe ingest benchmark: {figures.pcs} PCs, telemetry every {figures.telemetry_s:.1f} s, "
        f"window {figures.window_s:.0f} s, machine: {figures.cores} cores",
        f"  enroll (agent bundles)        : {fmt(figures.enroll_s, 's')}",
        f"  all PCs announce online after : {fmt(figures.announced_online_s, 's')}  (their MQTT status)",
        f"  all PCs online after          : {fmt(figures.online_after_s, 's')}  (at the hub)",
        f"  expected telemetry            : {fmt(figures.expected_msg_s, 'msg/s')}",
        f"  bare subscriber receives      : {fmt(figures.bare_msg_s, 'msg/s')}",
        f"  hub receives (MQTT)           : {fmt(figures.hub_received_msg_s, 'msg/s')}",
        f"  hub ingests                   : {fmt(figures.hub_ingested_msg_s, 'msg/s')}  (ratio {ratio})",
        f"  hub stores (bounded history)  : {fmt(figures.hub_persisted_msg_s, 'samples/s')}",
        f"  hub backlog (not yet handled) : {backlog}",
        f"  hub dropped (total)           : {dropped}",
        f"  CPU in window (100% = 1 core) : {cpu}",
        f"  command round trip ({c.sent} cmds) : p50 {fmt(c.p50_ms, 'ms')}, p99 {fmt(c.p99_ms, 'ms')}, "
        f"max {fmt(c.max_ms, 'ms')}, failures {failures}",
    ]
    lines += [f"    failed with {kind}: {detail}" for kind, detail in c.failure_examples.items()]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    figures, completed = run(options)
    if options.as_json:
        print(json.dumps({**asdict(figures), "completed": completed}))
    else:
        print(render(figures))
    return 0 if completed else 1


if __name__ == "__main__":
    sys.exit(main())
