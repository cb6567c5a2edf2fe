"""The ingest benchmark: where the hub itself saturates on telemetry, against what the broker delivers to a
bare subscriber, and whether commands are delayed meanwhile.

Usage::

    python -m bench.ingest [--hubs N] [--publishers P] [--pcs K] [--rates 2000,5000,10000,15000]
                           [--window S] [--settle S] [--command-rate R] [--json]

What it does:

* starts its own local stack (Mosquitto with mutual TLS, Redis, the embedded store, N hub processes behind
  the broker's shared subscription; ``--hubs 0``: none, to measure the load alone) in a fresh temporary
  data directory;
* connects K PCs with P processes of ``icafe load-publish`` (each PC with its own certificate; each sends
  its hello, then telemetry open-loop at the rate a control file says, spread over its PCs) and starts
  ``icafe load-count``, a plain non-shared subscriber to every PC's telemetry (the hub's certificate);
* once every PC is on record at the hubs, offers each rate of the sweep in turn (the control file), lets it
  settle, then over a window measures:

  - **sent** and **missed** by the load (what it could not send in time is counted, never owed), and what
    the **bare** subscriber received: the broker's delivery without any hub work;
  - what the hubs **received** (``icafe_mqtt_messages_in_total{kind="telemetry"}``), **accepted**
    (``icafe_telemetry_ingested_total``: each reading handled and on the live feed), **shed**
    (``icafe_mqtt_messages_dropped_total{reason="shed"}``: the oldest readings dropped when the hub's
    telemetry queue is full) and **stored** (``icafe_telemetry_persisted_total``: the bounded history, one
    sample per PC every 30 s by design), summed over the hubs; the telemetry backlog
    (``icafe_mqtt_intake_backlog{lane="telemetry"}``) sampled every 5 s;
  - every process's CPU share (100 % = one core);
  - the round trip of ``message`` commands (``POST /api/v1/pcs/{id}/commands``, round-robin over the hubs)
    offered open-loop at R a second meanwhile, timed from when each was due, and of ``GET /healthz`` at
    the same rate (the hubs' HTTP path without the command's work: how late their event loops answer).

* **hub/bare** of a step is accepted over received by the bare subscriber. The **saturation point** is the
  highest step at which it is at least 0.9; ``hub_to_bare_at_saturation`` is that ratio at the step where
  the bare subscriber received the most (the most this machine delivers: the figure of merit).
  ``command_p50_ms`` and ``command_p99_ms`` are over the steps
  beyond the saturation point (every step when the hubs never saturated): commands while telemetry is shed.

Rates come from counters over the time between the processes' own status writes (twice a second), so
that a window's edges do not bias them. ``--json`` prints one object. The exit status is 1 when a step
failed; the data directory, with ``logs/``, is then kept.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.harness import (
    Latency,
    Outcome,
    cpu_percent,
    cpu_snapshot,
    latency,
    login,
    metric_sum,
    open_loop,
    open_loop_outcomes,
    progress,
    scrape,
    set_rate,
    start_count,
    start_hubs,
    start_load,
    until,
)
from icafe.load import statuses
from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

KEEPS_UP = 0.9  # accepted / bare received at or above this: the hubs keep up
COMMAND_TIMEOUT_S = 10.0
# Every scrape costs the hub (its frozen-objects gauge walks them all): sampled sparingly.
BACKLOG_SAMPLE_S = 5.0
DEFAULT_RATES = (500, 1000, 1500, 2000, 3000, 5000, 10000)


@dataclass(frozen=True)
class Options:
    hubs: int
    publishers: int
    pcs: int
    rates: tuple[float, ...]
    window_s: float
    settle_s: float
    command_rate: float
    data_dir: Path | None
    as_json: bool


@dataclass
class Step:
    """One rate of the sweep, over its window (msg/s unless said otherwise)."""

    offered: float
    window_s: float = 0.0
    sent: float = 0.0
    missed: float = 0.0
    bare: float = 0.0
    hub_received: float = 0.0
    # What the bare subscriber received and the hubs did not handle: dropped by the broker (its queue per
    # client) or still waiting in a hub (aiomqtt's queue of received messages, unbounded and in no gauge,
    # or the intake's).
    unhandled: float = 0.0
    accepted: float = 0.0
    shed: float = 0.0
    stored: float = 0.0
    backlog_max: float = 0.0
    backlog_end: float = 0.0
    hub_to_bare: float | None = None
    cpu_percent: dict[str, float] = field(default_factory=dict)
    # Each hub's resident memory at the end of the step: what it holds that no backlog gauge shows.
    hub_rss_mib: list[float] = field(default_factory=list)
    commands: Latency = field(default_factory=Latency)
    # GET /healthz at the same rate: the hubs' HTTP path without a command's work (its event loop's delay).
    healthz: Latency = field(default_factory=Latency)


@dataclass(frozen=True)
class Saturation:
    saturation_msg_s: float | None  # the highest step offered at which the hubs kept up
    hub_max_accepted_msg_s: float | None
    hub_to_bare_at_saturation: float | None  # at the step where the bare subscriber received the most


def saturation(steps: Sequence[Step]) -> Saturation:
    """Where the hubs stop keeping up with what the broker delivers (see the module docstring)."""
    measured = [s for s in steps if s.hub_to_bare is not None]
    if not measured:
        return Saturation(None, None, None)
    kept_up = [s.offered for s in measured if s.hub_to_bare is not None and s.hub_to_bare >= KEEPS_UP]
    heaviest = max(measured, key=lambda s: s.bare)
    return Saturation(
        saturation_msg_s=max(kept_up) if kept_up else None,
        hub_max_accepted_msg_s=max(s.accepted for s in measured),
        hub_to_bare_at_saturation=heaviest.hub_to_bare,
    )


def beyond_saturation(steps: Sequence[Step]) -> list[int]:
    """The steps (indexes) offered more than the saturation point; all of them if the hubs never saturated
    (or kept up nowhere)."""
    point = saturation(steps).saturation_msg_s
    beyond = [i for i, s in enumerate(steps) if point is not None and s.offered > point]
    return beyond or list(range(len(steps)))


def counter_rate(before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]], key: str) -> float:
    """A counter's rate summed over processes, each over the time between its own two status writes."""
    earlier = {status["pid"]: status for status in before if "at" in status}
    total = 0.0
    for status in after:
        first = earlier.get(status.get("pid"))
        if first is None or "at" not in status or status["at"] <= first["at"]:
            continue
        total += (status.get(key, 0) - first.get(key, 0)) / (status["at"] - first["at"])
    return total


def parse_rates(text: str) -> tuple[float, ...]:
    """``--rates``: msg/s separated by commas."""
    try:
        rates = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        rates = ()
    if not rates or min(rates) <= 0:
        raise ValueError("--rates: positive msg/s separated by commas, e.g. 2000,5000,10000")
    return rates


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="icafe ingest benchmark (see the module docstring)")
    parser.add_argument("--hubs", type=int, default=1, help="hub processes (0: the load alone)")
    parser.add_argument("--publishers", type=int, default=3, help="load-publish processes")
    parser.add_argument("--pcs", type=int, default=1000, help="PCs the load connects (default 1000)")
    parser.add_argument(
        "--rates", default=",".join(str(r) for r in DEFAULT_RATES), help="telemetry msg/s of each step"
    )
    parser.add_argument("--window", type=float, default=15.0, help="seconds measured per step")
    parser.add_argument("--settle", type=float, default=4.0, help="seconds at a new rate before measuring")
    parser.add_argument("--command-rate", type=float, default=4.0, help="commands a second meanwhile")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep all state here (kept afterwards)")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    try:
        rates = parse_rates(args.rates)
    except ValueError as exc:
        parser.error(str(exc))
    if args.hubs < 0 or min(args.publishers, args.pcs) < 1 or min(args.window, args.command_rate) <= 0:
        parser.error("--hubs >= 0, --publishers and --pcs >= 1, --window and --command-rate > 0")
    return Options(
        hubs=args.hubs,
        publishers=min(args.publishers, args.pcs),
        pcs=args.pcs,
        rates=rates,
        window_s=args.window,
        settle_s=max(0.0, args.settle),
        command_rate=args.command_rate,
        data_dir=args.data_dir,
        as_json=args.json,
    )


# ---- the run -----------------------------------------------------------------------------------


@dataclass
class Figures:
    hubs: int
    publishers: int
    pcs: int
    cores: int
    load_average_start: tuple[float, ...]
    load_average_end: tuple[float, ...] = ()
    connect_s: float | None = None
    on_record_s: float | None = None
    steps: list[Step] = field(default_factory=list)
    command_p50_ms: float | None = None
    command_p99_ms: float | None = None
    commands_failed: int = 0

    def summary(self) -> dict[str, Any]:
        point = saturation(self.steps)
        return {
            **asdict(self),
            **asdict(point),
            "load_max_sent_msg_s": max((s.sent for s in self.steps), default=None),
            "bare_max_msg_s": max((s.bare for s in self.steps), default=None),
        }


class Bench:
    """The stack, the load and the hubs' clients of one run."""

    def __init__(self, stack: LocalStack, options: Options, urls: Sequence[str]) -> None:
        self.stack = stack
        self.options = options
        self.control = stack.data_dir / "load-rate.json"
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        timeout = httpx.Timeout(COMMAND_TIMEOUT_S + 10)
        self.clients = [httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) for url in urls]
        self.load: list[Path] = []
        self.count: Path | None = None
        self.headers: dict[str, str] = {}

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()

    async def connect(self, figures: Figures) -> None:
        stack, options = self.stack, self.options
        if self.clients:
            token = await login(self.clients[0], stack.secrets["admin_password"])
            self.headers = {"Authorization": f"Bearer {token}"}
        self.count = await asyncio.to_thread(start_count, stack)
        set_rate(self.control, 0, options.publishers)
        progress(f"connecting {options.pcs} PCs over {options.publishers} load processes")
        self.load = start_load(
            stack, pcs=options.pcs, publishers=options.publishers, rate=0, control=self.control
        )

        async def connected() -> bool:
            connections: int = sum(s.get("connected", 0) for s in statuses(self.load))
            return connections >= options.pcs

        async def on_record() -> bool:
            for client in self.clients:
                answer = await client.get("/api/v1/pcs", params={"limit": 1}, headers=self.headers)
                if answer.status_code != 200 or answer.json()["total"] < options.pcs:
                    return False
            return True

        figures.connect_s = await until(connected, 300, "every PC connected", stack)
        figures.on_record_s = await until(on_record, 120, "every PC on record at the hubs", stack)

    async def command(self, index: int, rng: random.Random) -> tuple[str, str]:
        pc_id = f"pc-{rng.randrange(1, self.options.pcs + 1):03d}"
        answer = await self.clients[index % len(self.clients)].post(
            f"/api/v1/pcs/{pc_id}/commands", json={"type": "message", "text": "bench"}, headers=self.headers
        )
        return ("ok", "") if answer.status_code == 200 else (str(answer.status_code), answer.text[:200])

    async def healthz(self, index: int) -> tuple[str, str]:
        answer = await self.clients[index % len(self.clients)].get("/healthz")
        return ("ok", "") if answer.status_code == 200 else (str(answer.status_code), answer.text[:200])

    async def backlog(self) -> float:
        return metric_sum(await scrape(self.clients), "icafe_mqtt_intake_backlog", {"lane": "telemetry"})

    async def step(self, rate: float, rng: random.Random) -> tuple[Step, list[Outcome]]:
        options = self.options
        set_rate(self.control, rate, options.publishers)
        await asyncio.sleep(options.settle_s)
        paths = [*self.load, *([self.count] if self.count else [])]
        before, metrics, cpu = list(statuses(paths)), await scrape(self.clients), cpu_snapshot(self.stack)
        started = time.monotonic()
        count = round(options.command_rate * options.window_s) if self.clients else 0
        commands = asyncio.create_task(
            open_loop_outcomes(options.command_rate, count, lambda index: self.command(index, rng))
        )
        healthz = asyncio.create_task(open_loop(options.command_rate, count, self.healthz))
        backlog: list[float] = []
        deadline = started + options.window_s
        while (now := time.monotonic()) < deadline or not commands.done():
            await asyncio.sleep(min(BACKLOG_SAMPLE_S, max(0.5, deadline - now)))
            if self.clients:
                backlog.append(await self.backlog())
        outcomes, http = await commands, await healthz
        after, metrics_after = list(statuses(paths)), await scrape(self.clients)
        elapsed = time.monotonic() - started
        step = Step(offered=rate, window_s=round(elapsed, 1))
        step.cpu_percent = cpu_percent(cpu, cpu_snapshot(self.stack), elapsed)
        step.sent = round(counter_rate(before, after, "sent"), 1)
        step.missed = round(counter_rate(before, after, "missed"), 1)
        step.bare = round(counter_rate(before, after, "received"), 1)

        def hub_rate(name: str, labels: dict[str, str] | None = None) -> float:
            return round(
                (metric_sum(metrics_after, name, labels) - metric_sum(metrics, name, labels)) / elapsed, 1
            )

        if self.clients:
            step.hub_received = hub_rate("icafe_mqtt_messages_in_total", {"kind": "telemetry"})
            step.unhandled = round(max(0.0, step.bare - step.hub_received), 1)
            step.accepted = hub_rate("icafe_telemetry_ingested_total")
            step.shed = hub_rate("icafe_mqtt_messages_dropped_total", {"reason": "shed"})
            step.stored = hub_rate("icafe_telemetry_persisted_total")
            step.backlog_max, step.backlog_end = max(backlog, default=0.0), backlog[-1] if backlog else 0.0
            step.hub_to_bare = round(step.accepted / step.bare, 3) if step.bare else None
        step.commands, step.healthz = latency(outcomes), http
        step.hub_rss_mib = hub_rss_mib(self.stack)
        return step, outcomes


async def benchmark(stack: LocalStack, options: Options, figures: Figures) -> None:
    progress(f"starting the stack with {options.hubs} hub(s) in {stack.data_dir}")
    urls = await asyncio.to_thread(start_hubs, stack, options.hubs)
    bench = Bench(stack, options, urls)
    rng = random.Random(7)
    outcomes: list[list[Outcome]] = []
    try:
        await bench.connect(figures)
        for rate in options.rates:
            progress(f"offering {rate:.0f} msg/s")
            step, step_outcomes = await bench.step(rate, rng)
            figures.steps.append(step)
            outcomes.append(step_outcomes)
            progress(
                f"  sent {step.sent:.0f}, bare {step.bare:.0f}, hubs accepted {step.accepted:.0f} "
                f"(shed {step.shed:.0f}), hub/bare {step.hub_to_bare}"
            )
        set_rate(bench.control, 0, options.publishers)
    finally:
        await bench.close()
    pooled = latency([o for i in beyond_saturation(figures.steps) for o in outcomes[i]])
    figures.command_p50_ms, figures.command_p99_ms = pooled.p50_ms, pooled.p99_ms
    figures.commands_failed = sum(s.commands.sent - s.commands.ok for s in figures.steps)


def hub_rss_mib(stack: LocalStack) -> list[float]:
    rss = []
    for name, service in stack.supervisor.services.items():
        if name.startswith("hub") and service.pid is not None:
            with contextlib.suppress(psutil.Error):
                rss.append(round(psutil.Process(service.pid).memory_info().rss / 2**20, 1))
    return rss


def build_stack(options: Options, data_dir: Path) -> LocalStack:
    config = StackConfig(
        data_dir=data_dir,
        http_port=free_port(),
        pcs=options.pcs,  # their certificates are issued first, so the broker admits them from its start
        admin_password=secrets.token_urlsafe(16),
        hub_env={"ICAFE_COMMAND_TIMEOUT_S": str(COMMAND_TIMEOUT_S), "ICAFE_ADMIN_2FA_OPTIONAL": "1"},
    )
    return LocalStack(config)


def run(options: Options) -> tuple[Figures, bool]:
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="icafe-bench-"))
    figures = Figures(
        hubs=options.hubs,
        publishers=options.publishers,
        pcs=options.pcs,
        cores=os.cpu_count() or 1,
        load_average_start=tuple(round(x, 2) for x in os.getloadavg()),
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
        figures.load_average_end = tuple(round(x, 2) for x in os.getloadavg())
        progress("stopping the stack")
        stack.stop()
        if options.data_dir is None and completed:
            shutil.rmtree(data_dir, ignore_errors=True)
    return figures, completed


# ---- output ------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


# The table's columns: title, width, cell.
COLUMNS: tuple[tuple[str, int, Callable[[Step], str]], ...] = (
    ("offered", 8, lambda s: fmt(s.offered)),
    ("sent", 8, lambda s: fmt(s.sent)),
    ("missed", 8, lambda s: fmt(s.missed)),
    ("bare", 8, lambda s: fmt(s.bare)),
    ("hub rx", 8, lambda s: fmt(s.hub_received)),
    ("unhandled", 10, lambda s: fmt(s.unhandled)),
    ("accepted", 9, lambda s: fmt(s.accepted)),
    ("shed", 7, lambda s: fmt(s.shed)),
    ("stored", 7, lambda s: fmt(s.stored)),
    ("backlog", 8, lambda s: fmt(s.backlog_max)),
    ("hub/bare", 9, lambda s: fmt(s.hub_to_bare, 3)),
    ("cmd p50", 9, lambda s: fmt(s.commands.p50_ms)),
    ("p99", 7, lambda s: fmt(s.commands.p99_ms)),
    ("http p50", 9, lambda s: fmt(s.healthz.p50_ms)),
    ("p99", 7, lambda s: fmt(s.healthz.p99_ms)),
    ("RSS MiB", 9, lambda s: "+".join(fmt(m) for m in s.hub_rss_mib) or "-"),
)


def render(figures: Figures) -> str:
    point = saturation(figures.steps)
    start = ", ".join(f"{x:.1f}" for x in figures.load_average_start)
    end = ", ".join(f"{x:.1f}" for x in figures.load_average_end)
    lines = [
        f"{figures.hubs} hub(s), {figures.pcs} PCs over {figures.publishers} load processes, "
        f"{figures.cores} cores, load average {start} at the start, {end} at the end",
        f"  connected in {fmt(figures.connect_s, 1)} s, "
        f"on record at the hubs {fmt(figures.on_record_s, 1)} s later",
        "  " + "".join(f"{title:>{width}}" for title, width, _ in COLUMNS) + "  CPU % (100 = one core)",
    ]
    for s in figures.steps:
        cpu = ", ".join(f"{name} {share:.0f}" for name, share in sorted(s.cpu_percent.items()))
        failed = s.commands.sent - s.commands.ok
        cells = "".join(f"{cell(s):>{width}}" for _, width, cell in COLUMNS)
        lines.append(
            f"  {cells}  {cpu}" + (f"  ({failed} commands failed: {s.commands.failures})" if failed else "")
        )
    lines += [
        f"  saturation (the highest step at which hub/bare >= {KEEPS_UP}): "
        f"{fmt(point.saturation_msg_s)} msg/s; "
        f"the hubs' most accepted {fmt(point.hub_max_accepted_msg_s)} msg/s",
        f"  hub/bare where the bare subscriber received the most: {fmt(point.hub_to_bare_at_saturation, 3)}",
        f"  commands beyond saturation: p50 {fmt(figures.command_p50_ms, 1)} ms, "
        f"p99 {fmt(figures.command_p99_ms, 1)} ms; failed in the whole sweep: {figures.commands_failed}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    figures, completed = run(options)
    print(json.dumps({**figures.summary(), "completed": completed}) if options.as_json else render(figures))
    return 0 if completed else 1


if __name__ == "__main__":
    sys.exit(main())
