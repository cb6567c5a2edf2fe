"""The command benchmark: a command's round trip through the hub while N PCs send telemetry, against the
same round trip without the hub, in one run.

Usage::

    python -m bench.commands [--pcs N] [--telemetry-s S] [--hubs H] [--rate R] [--commands K] [--json]

What it does:

* starts its own local stack (Mosquitto with mutual TLS, Redis, the embedded store, H hub processes on H
  HTTP ports, all behind the broker's shared subscription) in a fresh temporary data directory;
* connects the N PCs with ``icafe load-publish`` (``--publishers`` processes, each PC with its own
  certificate): each sends its hello, then telemetry every S seconds on average, open-loop, and acknowledges
  every command at once;
* after every PC is on record at the hub and a warm-up, offers K requests of each kind **open-loop** at R a
  second (each is timed from the moment it was due, so a slow answer cannot hold the next ones back and
  hide the queue it causes), PCs chosen at random, one kind after the other under the same telemetry:

  - **bare MQTT**: the benchmark publishes the command itself (as the hub would, QoS 1) and waits for the
    PC's acknowledgement on a plain subscription: the broker and the load, without the hub;
  - **bare HTTP**: ``GET /healthz`` on the hubs: their HTTP path without the command's work;
  - **hub**: ``POST /api/v1/pcs/{id}/commands`` (a ``message``), round-robin over the hubs: the HTTP route,
    its checks and audit, the store, the broker both ways, the acknowledging replica, the live channel.

It prints p50/p99/max of each, the hub's against the bare MQTT round trip, failures by kind, the telemetry
the load sent and the hubs received, and every process's CPU share during the hub's commands (100 % = one
core). ``--json`` prints one object (``command_p50_ms`` and ``command_p99_ms`` among its keys). The exit
status is 1 when a step failed; the data directory, with ``logs/``, is then kept.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import psutil
from redis.asyncio import Redis

from bench.harness import (
    Latency,
    cpu_percent,
    cpu_snapshot,
    hub_tls,
    load_status,
    login,
    metric_value,
    open_loop,
    progress,
    start_hubs,
    start_load,
    until,
)
from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port
from protocol import Command, CommandType, encode

COMMAND_TIMEOUT_S = 10.0
ACK_FILTER = "icafe/v1/+/pc/+/cmd-ack"


@dataclass(frozen=True)
class Options:
    pcs: int
    telemetry_s: float
    hubs: int
    rate: float
    commands: int
    publishers: int
    warmup_s: float
    data_dir: Path | None
    as_json: bool
    gc_tuning: bool = True


@dataclass
class Figures:
    pcs: int
    telemetry_s: float
    hubs: int
    rate: float
    cores: int
    load_average: tuple[float, float, float] = (0.0, 0.0, 0.0)
    connect_s: float | None = None
    on_record_s: float | None = None
    telemetry_offered_msg_s: float | None = None
    telemetry_sent_msg_s: float | None = None
    telemetry_hub_msg_s: float | None = None
    bare_mqtt: Latency = field(default_factory=Latency)
    bare_http: Latency = field(default_factory=Latency)
    hub: Latency = field(default_factory=Latency)
    cpu_percent: dict[str, float] = field(default_factory=dict)
    gc_tuning: bool = True
    # The hubs' garbage collections during their commands, by generation: how many, and their pauses'
    # total and mean in ms (icafe_gc_pause_seconds).
    hub_gc: dict[str, dict[str, float]] = field(default_factory=dict)
    hub_frozen_objects: list[float] = field(default_factory=list)
    hub_rss_mib: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        out = asdict(self)
        out["command_p50_ms"] = self.hub.p50_ms
        out["command_p99_ms"] = self.hub.p99_ms
        if self.hub.p50_ms and self.bare_mqtt.p50_ms:
            out["p50_to_bare_mqtt"] = round(self.hub.p50_ms / self.bare_mqtt.p50_ms, 2)
        return out


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="icafe command benchmark (see the module docstring)")
    parser.add_argument("--pcs", type=int, default=2000, help="PCs connected (default 2000)")
    parser.add_argument("--telemetry-s", type=float, default=5.0, help="telemetry interval per PC")
    parser.add_argument("--hubs", type=int, default=1, help="hub processes (shared subscription)")
    parser.add_argument("--rate", type=float, default=20.0, help="requests a second, open-loop")
    parser.add_argument("--commands", type=int, default=600, help="requests of each kind")
    parser.add_argument("--publishers", type=int, default=2, help="load processes the PCs are spread over")
    parser.add_argument("--warmup", type=float, default=None, help="seconds after all PCs are on record")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep all state here (kept afterwards)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument(
        "--no-gc-tuning", action="store_true", help="hubs with the collector as Python sets it (to compare)"
    )
    args = parser.parse_args(argv)
    if (
        min(args.pcs, args.hubs, args.publishers, args.commands) < 1
        or args.telemetry_s <= 0
        or args.rate <= 0
    ):
        parser.error("--pcs, --hubs, --publishers, --commands must be >= 1; --telemetry-s and --rate > 0")
    return Options(
        pcs=args.pcs,
        telemetry_s=args.telemetry_s,
        hubs=args.hubs,
        rate=args.rate,
        commands=args.commands,
        publishers=min(args.publishers, args.pcs),
        warmup_s=args.telemetry_s * 2 if args.warmup is None else args.warmup,
        data_dir=args.data_dir,
        as_json=args.json,
        gc_tuning=not args.no_gc_tuning,
    )


# ---- the stack and the load --------------------------------------------------------------------


def build_stack(options: Options, data_dir: Path) -> LocalStack:
    config = StackConfig(
        data_dir=data_dir,
        http_port=free_port(),
        pcs=options.pcs,  # their certificates are issued first, so the broker admits them from its start
        telemetry_s=options.telemetry_s,
        admin_password=secrets.token_urlsafe(16),
        hub_env={
            "ICAFE_COMMAND_TIMEOUT_S": str(COMMAND_TIMEOUT_S),
            "ICAFE_ADMIN_2FA_OPTIONAL": "1",
            "ICAFE_GC_TUNING": "1" if options.gc_tuning else "0",
        },
    )
    return LocalStack(config)


class BareCommands:
    """Commands published straight to the PCs (as the hub would) and their acknowledgements: no hub."""

    def __init__(self, client: aiomqtt.Client, site: str) -> None:
        self._client = client
        self._site = site
        self._waiting: dict[str, asyncio.Future[None]] = {}

    async def consume(self) -> None:
        async for message in self._client.messages:
            try:
                command_id = json.loads(message.payload)["id"]
            except (ValueError, KeyError, TypeError):
                continue
            waiting = self._waiting.get(command_id)
            if waiting is not None and not waiting.done():
                waiting.set_result(None)

    async def send(self, pc_id: str) -> tuple[str, str]:
        now = int(time.time() * 1000)
        command = Command(
            id=uuid.uuid4().hex,
            type=CommandType.MESSAGE,
            text="bench",
            issued_at=now,
            expires_at=now + int(COMMAND_TIMEOUT_S * 1000),
        )
        acknowledged = self._waiting[command.id] = asyncio.get_running_loop().create_future()
        try:
            await self._client.publish(f"icafe/v1/{self._site}/pc/{pc_id}/cmd", encode(command), qos=1)
            await asyncio.wait_for(acknowledged, COMMAND_TIMEOUT_S)
        except TimeoutError:
            return "timeout", f"{pc_id} did not acknowledge"
        finally:
            del self._waiting[command.id]
        return "ok", ""


class RoundTrips:
    """The hubs' store commands (``icafe_store_commands_total``) and Redis's commands (``INFO
    commandstats``, those a script runs included) over a phase, per request."""

    def __init__(self, stack: LocalStack, clients: Sequence[httpx.AsyncClient]) -> None:
        self._clients = clients
        self._redis = Redis.from_url(stack.redis_url)

    async def count(self) -> tuple[float, float]:
        store = 0.0
        for client in self._clients:
            text = (await client.get("/metrics")).text
            store += sum(
                float(line.rsplit(" ", 1)[1])
                for line in text.splitlines()
                if line.startswith("icafe_store_commands_total{")
            )
        stats = await self._redis.info("commandstats")
        return store, float(sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info"))

    async def phase(self, requests: Awaitable[Latency]) -> Latency:
        store, redis = await self.count()
        figures = await requests
        store_after, redis_after = await self.count()
        figures.store_round_trips = round((store_after - store) / max(1, figures.sent), 2)
        figures.redis_commands = round((redis_after - redis - 1) / max(1, figures.sent), 2)
        return figures

    async def close(self) -> None:
        await self._redis.aclose()


# ---- the run -----------------------------------------------------------------------------------


def pc_ids(options: Options) -> list[str]:
    return [f"pc-{index:03d}" for index in range(1, options.pcs + 1)]


async def benchmark(stack: LocalStack, options: Options, figures: Figures) -> None:
    progress(f"starting the stack with {options.hubs} hub(s) in {stack.data_dir}")
    urls = await asyncio.to_thread(start_hubs, stack, options.hubs)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    timeout = httpx.Timeout(COMMAND_TIMEOUT_S + 10)
    clients = [httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) for url in urls]
    first = clients[0]
    trips = RoundTrips(stack, clients)
    try:
        token = await login(first, stack.secrets["admin_password"])
        headers = {"Authorization": f"Bearer {token}"}
        progress(f"connecting {options.pcs} PCs over {options.publishers} load processes")
        rate = options.pcs / options.telemetry_s
        paths = start_load(stack, pcs=options.pcs, publishers=options.publishers, rate=rate)

        async def connected() -> bool:
            return load_status(paths).get("connected", 0) >= options.pcs

        async def on_record() -> bool:
            answer = await first.get("/api/v1/pcs", params={"limit": 1}, headers=headers)
            return answer.status_code == 200 and answer.json()["total"] >= options.pcs

        figures.connect_s = await until(connected, 300, "every PC connected", stack)
        figures.on_record_s = await until(on_record, 120, "every PC on record at the hub", stack)
        progress(f"warming up for {options.warmup_s:.0f} s")
        await asyncio.sleep(options.warmup_s)
        pcs = pc_ids(options)
        rng = random.Random(7)

        progress(f"bare MQTT: {options.commands} commands at {options.rate}/s")
        async with aiomqtt.Client(
            "localhost",
            stack.ports.broker_hub,
            identifier=f"bench-{uuid.uuid4().hex[:8]}",
            tls_context=hub_tls(stack),
        ) as mqtt:
            await mqtt.subscribe(ACK_FILTER, qos=1)
            bare = BareCommands(mqtt, stack.config.site)
            consuming = asyncio.create_task(bare.consume())
            try:
                figures.bare_mqtt = await trips.phase(
                    open_loop(options.rate, options.commands, lambda _: bare.send(rng.choice(pcs)))
                )
            finally:
                consuming.cancel()

        progress(f"bare HTTP: {options.commands} GET /healthz at {options.rate}/s")

        async def healthz(index: int) -> tuple[str, str]:
            answer = await clients[index % len(clients)].get("/healthz")
            return ("ok", "") if answer.status_code == 200 else (str(answer.status_code), answer.text[:200])

        figures.bare_http = await trips.phase(open_loop(options.rate, options.commands, healthz))

        progress(f"hub: {options.commands} commands at {options.rate}/s over {len(clients)} hub(s)")

        async def command(index: int) -> tuple[str, str]:
            answer = await clients[index % len(clients)].post(
                f"/api/v1/pcs/{rng.choice(pcs)}/commands",
                json={"type": "message", "text": "bench"},
                headers=headers,
            )
            return ("ok", "") if answer.status_code == 200 else (str(answer.status_code), answer.text[:200])

        metrics_before = [(await c.get("/metrics")).text for c in clients]
        load_before, cpu_before, started = load_status(paths), cpu_snapshot(stack), time.monotonic()
        figures.hub = await trips.phase(open_loop(options.rate, options.commands, command))
        elapsed = time.monotonic() - started
        load_after, cpu_after = load_status(paths), cpu_snapshot(stack)
        metrics_after = [(await c.get("/metrics")).text for c in clients]
        figures.cpu_percent = cpu_percent(cpu_before, cpu_after, elapsed)
        figures.telemetry_offered_msg_s = round(options.pcs / options.telemetry_s, 1)
        figures.telemetry_sent_msg_s = round(
            (load_after.get("sent", 0) - load_before.get("sent", 0)) / elapsed, 1
        )
        received = sum(
            metric_value(after, "icafe_mqtt_messages_in_total", {"kind": "telemetry"})
            - metric_value(before, "icafe_mqtt_messages_in_total", {"kind": "telemetry"})
            for before, after in zip(metrics_before, metrics_after, strict=True)
        )
        figures.telemetry_hub_msg_s = round(received / elapsed, 1)
        figures.hub_gc = gc_pauses(metrics_before, metrics_after)
        figures.hub_frozen_objects = [metric_value(m, "icafe_gc_frozen_objects") for m in metrics_after]
        figures.hub_rss_mib = [
            round(psutil.Process(s.pid).memory_info().rss / 2**20, 1)
            for name, s in stack.supervisor.services.items()
            if name.startswith("hub") and s.pid is not None
        ]
    finally:
        await trips.close()
        for client in clients:
            await client.aclose()


def gc_pauses(before: Sequence[str], after: Sequence[str]) -> dict[str, dict[str, float]]:
    pauses = {}
    for generation in ("0", "1", "2"):
        labels = {"generation": generation}
        count = sum(
            metric_value(a, "icafe_gc_pause_seconds_count", labels)
            - metric_value(b, "icafe_gc_pause_seconds_count", labels)
            for b, a in zip(before, after, strict=True)
        )
        seconds = sum(
            metric_value(a, "icafe_gc_pause_seconds_sum", labels)
            - metric_value(b, "icafe_gc_pause_seconds_sum", labels)
            for b, a in zip(before, after, strict=True)
        )
        mean = 1000 * seconds / count if count else 0.0
        pauses[generation] = {"count": count, "total_ms": round(1000 * seconds, 1), "mean_ms": round(mean, 2)}
    return pauses


def run(options: Options) -> tuple[Figures, bool]:
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="icafe-bench-"))
    figures = Figures(
        pcs=options.pcs,
        telemetry_s=options.telemetry_s,
        hubs=options.hubs,
        rate=options.rate,
        cores=os.cpu_count() or 1,
        load_average=tuple(round(x, 2) for x in os.getloadavg()),  # type: ignore[arg-type]
        gc_tuning=options.gc_tuning,
    )
    stack = build_stack(options, data_dir)
    completed = False
    try:
        progress(f"issuing {options.pcs} certificates")
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


def fmt(value: float | None, unit: str = " ms") -> str:
    return "-" if value is None else f"{value:.1f}{unit}"


def render(figures: Figures) -> str:
    load = ", ".join(f"{x:.2f}" for x in figures.load_average)
    lines = [
        f"{figures.pcs} PCs, telemetry every {figures.telemetry_s:g} s, {figures.hubs} hub(s), "
        f"{figures.rate:g} requests/s open-loop, {figures.cores} cores, load average at start {load}",
        f"  connected in {fmt(figures.connect_s, ' s')}, "
        f"on record at the hub {fmt(figures.on_record_s, ' s')} later",
        f"  telemetry: offered {fmt(figures.telemetry_offered_msg_s, ' msg/s')}, sent "
        f"{fmt(figures.telemetry_sent_msg_s, ' msg/s')}, "
        f"hub received {fmt(figures.telemetry_hub_msg_s, ' msg/s')}",
        f"  {'':<28}{'ok':>7}{'p50':>11}{'p99':>11}{'max':>11}{'store':>7}{'redis':>7}  failures",
    ]
    for name, figure in (
        ("bare MQTT (broker + PC)", figures.bare_mqtt),
        ("bare HTTP (GET /healthz)", figures.bare_http),
        ("hub (POST .../commands)", figures.hub),
    ):
        failures = ", ".join(
            f"{k}: {v} ({figure.failure_examples.get(k, '')[:80]})" for k, v in figure.failures.items()
        )
        lines.append(
            f"  {name:<28}{figure.ok:>4}/{figure.sent:<3}{fmt(figure.p50_ms):>10}{fmt(figure.p99_ms):>11}"
            f"{fmt(figure.max_ms):>11}{fmt(figure.store_round_trips, ''):>7}"
            f"{fmt(figure.redis_commands, ''):>7}  {failures or 'none'}"
        )
    cpu = ", ".join(f"{name} {share:.0f} %" for name, share in sorted(figures.cpu_percent.items()))
    lines.append(
        "  (store, redis: round trips and commands per request over the phase, telemetry's included)"
    )
    lines.append(f"  CPU during the hub's commands: {cpu}")
    gc = ", ".join(
        f"gen {g}: {p['count']:.0f} x {p['mean_ms']:.1f} ms" for g, p in figures.hub_gc.items() if p["count"]
    )
    tuning = "frozen after start-up" if figures.gc_tuning else "as Python sets it"
    lines.append(f"  hubs' garbage collections meanwhile (collector {tuning}): {gc or 'none'}")
    frozen = ", ".join(f"{n:.0f}" for n in figures.hub_frozen_objects)
    rss = ", ".join(f"{n:.0f} MiB" for n in figures.hub_rss_mib)
    lines.append(f"  hubs' objects frozen after start-up: {frozen}; RSS at the end: {rss}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    figures, completed = run(options)
    print(json.dumps(figures.summary()) if options.as_json else render(figures))
    return 0 if completed else 1


if __name__ == "__main__":
    sys.exit(main())
