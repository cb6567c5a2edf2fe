"""The console benchmark: how fast the admin console loads, and whether the live map keeps up with 200 PCs.

Usage::

    python bench/console.py [--pcs N] [--frames-s S] [--telemetry-s T] [--checkpoint-s C]
                            [--data-dir DIR] [--json]

What is measured, and how:

* The benchmark builds the console when its sources changed (``admin_web/scripts/console.sh build``),
  starts its own local stack (Mosquitto with mutual TLS, Redis, the embedded store, the hub serving the
  built console) on loopback ports in a fresh temporary data directory, and N simulated PCs
  (``icafe simulate``) reporting telemetry every T seconds (default 1). Once all are online it starts a
  prepaid session on every PC through the API, with the agents' journal checkpoint every C seconds
  (default 5): every PC then updates every second (telemetry, pushed as ``pc.telemetry``) and its
  session every C seconds (a checkpoint, pushed as ``session.progress`` with the cost so far), all of
  which reach the console's WebSocket.
* A reference client in this process holds its own ``/api/v1/ws`` socket and records every event the hub
  pushes: how many, and the last session state (id, cost) of each PC.
* The browser half (``bench/console_probe.mjs``, Playwright driving Debian's Chromium, a 1920x1080 window,
  a fresh profile) signs in as the owner and reports:

  - **login page**: the cold load of ``/pcs`` (redirected to sign-in) until the load event;
  - **JavaScript for the first route**: the encoded (gzip) bytes of every script transferred from that
    load until the map is on screen (DevTools protocol, ``Network.loadingFinished``);
  - **login to map shown**: from the click on "Sign in" until N tiles are in the page (page clock);
  - **login to map interactive**: until a click on a tile has selected it (the main thread answered);
  - **map reload**: a new tab on ``/pcs`` while signed in (warm cache) until N tiles are shown, and when
    its scripts had run (``DOMContentLoaded``);
  - **frames**: a requestAnimationFrame loop over S seconds while the PCs report: frame time p50/p95/
    p99/max, frames over 50 ms, long tasks (main thread busy over 50 ms) and their total.

* **No update dropped**: a small cash top-up before and one after the frame window; the hub pushes each
  as ``payment.created``, a marker both sockets receive. The page's socket is wrapped by an init script
  (bench instrumentation, not the console's code) to count frames; the count between the two markers
  must equal the reference client's (the hub drops the oldest events of a console that reads too
  slowly). Then the simulator is paused (SIGSTOP) until the reference socket has been quiet for 2 s,
  and every tile's ``data-session`` and ``data-cost`` must equal the last session state the hub sent
  for that PC (the page gets up to 5 s to catch up).

The exit status is 1 when a step failed or a check did not hold. The stack is always stopped; the data
directory is removed unless it was given with ``--data-dir`` or the run failed (its logs are kept).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

ROOT = Path(__file__).resolve().parents[1]
CONSOLE = ROOT / "admin_web"
PROBE = ROOT / "bench" / "console_probe.mjs"
CHROMIUM = os.environ.get("ICAFE_CHROMIUM", "/usr/bin/chromium")
PREPAID_MINUTES = 240
STARTS_IN_FLIGHT = 8
START_TRIES = 5
QUIET_S = 2.0
PROBE_TIMEOUT_S = 120.0


class BenchmarkError(RuntimeError):
    """The benchmark could not complete; the message says what went wrong."""


@dataclass(frozen=True)
class Options:
    pcs: int
    frames_s: float
    telemetry_s: float
    checkpoint_s: int
    data_dir: Path | None
    online_timeout_s: float
    as_json: bool


@dataclass
class Figures:
    pcs: int
    telemetry_s: float
    checkpoint_s: int
    cores: int
    login_page_ms: float | None = None
    login_page_js_kb: float | None = None
    first_route_js_kb: float | None = None
    first_route_js_files: int | None = None
    map_shown_ms: float | None = None
    map_interactive_ms: float | None = None
    map_reload_ms: float | None = None
    map_reload_scripts_ms: float | None = None
    frames: dict[str, float] = field(default_factory=dict)
    hub_events_per_s: float | None = None
    events_between_markers: dict[str, int] = field(default_factory=dict)
    tiles_checked: int | None = None
    tiles_differing: int | None = None
    differences: list[dict[str, Any]] = field(default_factory=list)
    # The API requests after the click on "Sign in", in ms from it: where the time to the map goes.
    after_login: list[dict[str, Any]] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="icafe console benchmark (see the module docstring)")
    parser.add_argument("--pcs", type=int, default=200, help="simulated PCs (default 200)")
    parser.add_argument("--frames-s", type=float, default=20.0, help="frame-time window in seconds")
    parser.add_argument("--telemetry-s", type=float, default=1.0, help="telemetry interval per PC")
    parser.add_argument("--checkpoint-s", type=int, default=5, help="session checkpoint interval per PC")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep all state here (kept afterwards)")
    parser.add_argument("--online-timeout", type=float, default=120.0, help="max wait for all PCs online")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = parser.parse_args(argv)
    if args.pcs < 1 or args.frames_s <= 0 or args.telemetry_s <= 0 or args.checkpoint_s < 1:
        parser.error("--pcs, --checkpoint-s must be >= 1; --frames-s and --telemetry-s > 0")
    return Options(
        pcs=args.pcs,
        frames_s=args.frames_s,
        telemetry_s=args.telemetry_s,
        checkpoint_s=args.checkpoint_s,
        data_dir=args.data_dir,
        online_timeout_s=args.online_timeout,
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
            "ICAFE_ADMIN_2FA_OPTIONAL": "1",
            "ICAFE_API_RATE_LIMIT": "1000000",
            "ICAFE_SESSION_CHECKPOINT_S": str(options.checkpoint_s),
            # 200 agents in one simulator process answer slowly while they all start at once: a late
            # acknowledgement still counts instead of expiring the order and starting again.
            "ICAFE_COMMAND_TIMEOUT_S": "45",
        },
    )
    return LocalStack(config)


def build_console() -> None:
    subprocess.run([str(CONSOLE / "scripts" / "console.sh"), "build"], check=True, cwd=CONSOLE)


async def login(http: httpx.AsyncClient, password: str) -> str:
    response = await http.post("/api/v1/auth/login", json={"username": "admin", "password": password})
    if response.status_code != 200:
        raise BenchmarkError(f"login failed: {response.status_code} {response.text[:200]}")
    token: str = response.json()["access_token"]
    return token


class OwnerAuth(httpx.Auth):
    """The owner's bearer token, signed in again when it expires (starting 200 sessions on a loaded
    machine can outlast an access token)."""

    def __init__(self, api_url: str, password: str) -> None:
        self._api_url = api_url
        self._password = password
        self.token = ""

    async def renew(self) -> str:
        async with httpx.AsyncClient(base_url=self._api_url, timeout=60) as http:
            self.token = await login(http, self._password)
        return self.token

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {self.token or await self.renew()}"
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = f"Bearer {await self.renew()}"
            yield request


async def wait_all_online(http: httpx.AsyncClient, pcs: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    online = 0
    while time.monotonic() < deadline:
        answer = await http.get("/api/v1/pcs", params={"status": "online", "limit": 1})
        online = int(answer.json()["total"])
        if online >= pcs:
            return
        await asyncio.sleep(0.5)
    raise BenchmarkError(f"only {online}/{pcs} PCs online after {timeout_s:.0f} s")


async def active_session(http: httpx.AsyncClient, pc_id: str) -> str | None:
    answer = await http.get("/api/v1/sessions", params={"pc_id": pc_id, "state": "active", "limit": 1})
    if answer.status_code != 200:
        return None  # asked again on the next try
    items = answer.json()["items"]
    return str(items[0]["id"]) if items else None


async def start_sessions(http: httpx.AsyncClient, pc_ids: Sequence[str]) -> dict[str, str]:
    """A prepaid session on every PC; the session id of each. A loaded simulator may acknowledge late
    (504): the order may still land, so the PC is asked again before another try."""
    gate = asyncio.Semaphore(STARTS_IN_FLIGHT)

    async def one(pc_id: str) -> tuple[str, str]:
        for _ in range(START_TRIES):
            async with gate:
                answer = await http.post(
                    "/api/v1/sessions", json={"pc_id": pc_id, "guest": {"prepaid_minutes": PREPAID_MINUTES}}
                )
            if answer.status_code == 201:
                return pc_id, str(answer.json()["id"])
            if answer.status_code not in (409, 504):
                break
            await asyncio.sleep(2)
            running = await active_session(http, pc_id)
            if running is not None:
                return pc_id, running
        raise BenchmarkError(f"starting a session on {pc_id}: {answer.status_code} {answer.text[:200]}")

    return dict(await asyncio.gather(*(one(pc_id) for pc_id in pc_ids)))


# ---- the reference socket ----------------------------------------------------------------------


class Reference:
    """Every event the hub pushes to a console, counted, with each PC's last session state."""

    def __init__(self) -> None:
        self.messages = 0
        self.acks: dict[str, int] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.last_at = time.monotonic()
        self.last_type = ""

    def take(self, raw: str | bytes) -> None:
        self.messages += 1
        self.last_at = time.monotonic()
        event = json.loads(raw)
        kind = event.get("type")
        self.last_type = str(kind)
        if kind == "payment.created":
            self.acks[event["payment_id"]] = self.messages
        elif kind == "session.progress":
            self.sessions[event["pc_id"]] = {"session": event["session_id"], "cost": event["cost"]}
        elif kind == "session.ended":
            self.sessions[event["pc_id"]] = {"session": None, "cost": None}

    async def has_ack(self, marker_id: str, timeout_s: float = 10) -> None:
        deadline = time.monotonic() + timeout_s
        while marker_id not in self.acks:
            if time.monotonic() > deadline:
                raise BenchmarkError(f"the hub never pushed the marker {marker_id}")
            await asyncio.sleep(0.05)

    async def quiet(self, seconds: float, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() - self.last_at < seconds:
            if time.monotonic() > deadline:
                raise BenchmarkError(f"the hub's feed never went quiet (still pushing {self.last_type})")
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def reference_socket(stack: LocalStack, token: str) -> AsyncIterator[Reference]:
    url = stack.api_url.replace("http://", "ws://") + f"/api/v1/ws?token={token}"
    reference = Reference()
    async with websockets.connect(url, max_size=2**20) as socket:

        async def consume() -> None:
            async for raw in socket:
                reference.take(raw)

        task = asyncio.create_task(consume(), name="reference-socket")
        try:
            yield reference
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                await task


async def marker(http: httpx.AsyncClient, member_id: str) -> str:
    """A payment the hub pushes to every console (``payment.created``): a point both sockets see."""
    answer = await http.post(
        "/api/v1/payments",
        json={"purpose": "topup", "method": "cash", "amount": 100, "member_id": member_id},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    if answer.status_code != 201:
        raise BenchmarkError(f"marker payment: {answer.status_code} {answer.text[:200]}")
    return str(answer.json()["id"])


async def prepare_markers(http: httpx.AsyncClient) -> str:
    """The owner's shift (cash needs one) and a member to top up; the member's id."""
    shift = await http.post("/api/v1/shifts", json={"opening_float": 0})
    if shift.status_code != 201:
        raise BenchmarkError(f"opening a shift: {shift.status_code} {shift.text[:200]}")
    member = await http.post("/api/v1/members", json={"login": "bench", "name": "Bench", "secret": "2468"})
    if member.status_code != 201:
        raise BenchmarkError(f"creating a member: {member.status_code} {member.text[:200]}")
    return str(member.json()["id"])


# ---- the browser -------------------------------------------------------------------------------


class Probe:
    """bench/console_probe.mjs: JSON lines in, JSON lines out."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, stack: LocalStack, pcs: int) -> Probe:
        env = {
            **os.environ,
            "ICAFE_BENCH_URL": stack.api_url,
            "ICAFE_BENCH_PASSWORD": stack.secrets["admin_password"],
            "ICAFE_BENCH_PCS": str(pcs),
            "ICAFE_CHROMIUM": CHROMIUM,
            "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
        }
        process = await asyncio.create_subprocess_exec(
            str(CONSOLE / "scripts" / "console.sh"),
            "npx",
            "node",
            str(PROBE),
            cwd=CONSOLE,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def read(self, expected: str) -> dict[str, Any]:
        assert self.process.stdout is not None
        while True:
            line = await asyncio.wait_for(self.process.stdout.readline(), PROBE_TIMEOUT_S)
            if not line:
                raise BenchmarkError(f"the browser probe ended before {expected!r}")
            try:
                answer: dict[str, Any] = json.loads(line)
            except ValueError:
                continue  # npm's own output
            if answer.get("event") == "error":
                raise BenchmarkError(f"the browser probe failed: {answer.get('message')}")
            if answer.get("event") == expected:
                return answer

    async def send(self, command: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()

    async def acks(self, marker_id: str) -> dict[str, Any]:
        """The page's message count and where each marker came, once it has ``marker_id``."""
        deadline = time.monotonic() + 10
        while True:
            await self.send({"cmd": "acks"})
            answer = await self.read("acks")
            if marker_id in answer["acks"]:
                return answer
            if time.monotonic() > deadline:
                raise BenchmarkError(f"the page never received the marker {marker_id}")
            await asyncio.sleep(0.2)

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.send({"cmd": "quit"})
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


# ---- the run -----------------------------------------------------------------------------------


def kb(value: float) -> float:
    return round(value / 1024, 1)


async def benchmark(stack: LocalStack, options: Options, figures: Figures) -> None:
    progress(f"starting the stack in {stack.data_dir}")
    await asyncio.to_thread(stack.start_infrastructure)
    await asyncio.to_thread(stack.start_hub)
    auth = OwnerAuth(stack.api_url, stack.secrets["admin_password"])
    async with httpx.AsyncClient(base_url=stack.api_url, timeout=90, auth=auth) as http:
        progress(f"launching {options.pcs} simulated PCs")
        simulator = await asyncio.to_thread(stack.start_simulator, options.pcs)
        await wait_all_online(http, options.pcs, options.online_timeout_s)
        listed = (await http.get("/api/v1/pcs", params={"limit": 500})).json()["items"]
        pcs = sorted(pc["id"] for pc in listed)
        progress(f"all online; starting a prepaid session on each of {len(pcs)} PCs")
        started = await start_sessions(http, pcs)
        member_id = await prepare_markers(http)
        async with reference_socket(stack, await auth.renew()) as reference:
            probe = await Probe.start(stack, options.pcs)
            try:
                signed_in = await probe.read("signed_in")
                figures.login_page_ms = round(signed_in["login_page"]["load_ms"], 1)
                figures.login_page_js_kb = kb(signed_in["login_page_js"]["bytes"])
                figures.first_route_js_kb = kb(signed_in["first_route_js"]["bytes"])
                figures.first_route_js_files = signed_in["first_route_js"]["files"]
                figures.map_shown_ms = round(signed_in["map_shown_ms"], 1)
                figures.map_interactive_ms = round(signed_in["map_interactive_ms"], 1)
                figures.after_login = signed_in["after_login"]
                reloaded = await probe.read("reloaded")
                figures.map_reload_ms = round(reloaded["map_reload_ms"], 1)
                figures.map_reload_scripts_ms = round(reloaded["scripts_ran_ms"], 1)

                progress(f"measuring frames for {options.frames_s:.0f} s while the PCs report")
                first = await marker(http, member_id)
                before = reference.messages
                at = time.monotonic()
                await probe.send({"cmd": "frames", "seconds": options.frames_s})
                frames = await probe.read("frames")
                figures.hub_events_per_s = round((reference.messages - before) / (time.monotonic() - at), 1)
                figures.frames = {k: round(float(v), 1) for k, v in frames.items() if k != "event"}

                last = await marker(http, member_id)
                await reference.has_ack(last)
                page = await probe.acks(last)
                page_count = page["acks"][last] - page["acks"][first]
                hub_count = reference.acks[last] - reference.acks[first]
                figures.events_between_markers = {"hub": hub_count, "page": page_count}

                progress("pausing the PCs; comparing the page with what the hub sent")
                os.kill(simulator.pid or 0, signal.SIGSTOP)
                try:
                    await reference.quiet(QUIET_S)
                    expected = {
                        pc: reference.sessions.get(pc, {"session": started[pc], "cost": None}) for pc in pcs
                    }
                    await probe.send({"cmd": "compare", "expected": expected})
                    compared = await probe.read("compared")
                finally:
                    os.kill(simulator.pid or 0, signal.SIGCONT)
                figures.tiles_checked = compared["checked"]
                figures.tiles_differing = compared["differences"]
                figures.differences = compared["examples"]
            finally:
                await probe.stop()
    markers = figures.events_between_markers
    figures.checks = {
        "first_route_js_under_350kb": (figures.first_route_js_kb or 1e9) < 350,
        "map_interactive_under_1500ms": (figures.map_interactive_ms or 1e9) < 1500,
        "no_event_dropped": bool(markers) and markers.get("hub") == markers.get("page"),
        "tiles_match_the_hub": figures.tiles_differing == 0,
    }


def run(options: Options) -> tuple[Figures, bool]:
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="icafe-bench-console-"))
    figures = Figures(
        pcs=options.pcs,
        telemetry_s=options.telemetry_s,
        checkpoint_s=options.checkpoint_s,
        cores=os.cpu_count() or 1,
    )
    completed = False
    stack = build_stack(options, data_dir)
    try:
        progress("building the console (when its sources changed)")
        build_console()
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
    return figures, completed and all(figures.checks.values())


# ---- output ------------------------------------------------------------------------------------


def fmt(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:.1f} {unit}"


def render(figures: Figures) -> str:
    f = figures.frames
    markers = figures.events_between_markers
    checks = ", ".join(f"{name} {'ok' if held else 'FAILED'}" for name, held in figures.checks.items())
    lines = [
        f"icafe console benchmark: {figures.pcs} PCs, telemetry every {figures.telemetry_s:g} s, a session "
        f"checkpoint every {figures.checkpoint_s} s, machine: {figures.cores} cores",
        f"  login page, cold load          : {fmt(figures.login_page_ms, 'ms')} "
        f"({fmt(figures.login_page_js_kb, 'KB')} of JavaScript, gzip)",
        f"  JavaScript for the first route : {fmt(figures.first_route_js_kb, 'KB')} gzip "
        f"in {figures.first_route_js_files} files (login page and map)",
        f"  login -> map of {figures.pcs} PCs shown  : {fmt(figures.map_shown_ms, 'ms')}",
        f"  login -> map interactive       : {fmt(figures.map_interactive_ms, 'ms')}",
        f"  map reload (signed in, cached) : {fmt(figures.map_reload_ms, 'ms')} "
        f"(the page's scripts had run at {fmt(figures.map_reload_scripts_ms, 'ms')})",
        f"  hub events pushed              : {fmt(figures.hub_events_per_s, '/s')}",
    ]
    if f:
        times = ", ".join(f"{q} {f.get(q + '_ms', 0):.1f} ms" for q in ("p50", "p95", "p99", "max"))
        lines += [
            f"  frames ({f.get('frames', 0):.0f}, {f.get('fps', 0):.1f} fps) : {times}",
            f"  frames over 50 ms / long tasks : {f.get('over_50ms', 0):.0f} / "
            f"{f.get('long_tasks', 0):.0f} ({f.get('long_task_ms', 0):.0f} ms busy)",
        ]
    lines += [
        f"  events between two markers     : hub {markers.get('hub', 'n/a')}, "
        f"page {markers.get('page', 'n/a')}",
        f"  tiles equal to the hub's state : {figures.tiles_checked} checked, "
        f"{figures.tiles_differing} differing",
        f"  checks                         : {checks or 'n/a'}",
    ]
    lines += [f"    differs: {difference}" for difference in figures.differences]
    if figures.after_login:
        lines.append("  after the click on Sign in (ms from it: start - end):")
        for entry in figures.after_login:
            end = "?" if entry["end_ms"] is None else entry["end_ms"]
            lines.append(f"    {entry['start_ms']:>6} - {end:>6}  {entry['request']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    figures, passed = run(options)
    if options.as_json:
        print(json.dumps({**asdict(figures), "passed": passed}))
    else:
        print(render(figures))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
