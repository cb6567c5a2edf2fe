"""The soak: a small branch runs sessions and takes money while its parts are killed at random.

Usage::

    python bench/soak.py [--kills N] [--interval S] [--pcs P] [--members M] [--hubs H] [--data-dir DIR]
                         [--json]

It starts its own local stack (Mosquitto, Redis, the embedded store, H hubs behind the shared subscription,
each on a port of its own) with P real agent processes
(``icafe agent --simulated``, clocks 60 times faster: a minute a second) and runs, through the real HTTP
API, side by side (with several hubs, each request goes to the next hub in turn, as a balancer would send
it: a session started on one is stopped through another, and a request a dead hub did not answer is
retried on the next):

* **the desk**: cash top-ups to M members and small refunds of them, each with an ``Idempotency-Key`` and
  retried with the same key until answered; sessions on idle PCs for members, prepaid guests (paid at
  once) and postpaid guests (paid when they end), stopped by staff after a few seconds or left to run out;
* **the chaos loop**: every S seconds, ``kill -9`` of one running part picked at random (an agent, the
  broker, a hub, the store or Redis), N times. Nobody restarts anything by hand: the stack's supervisor
  (``icafe.supervisor.Supervisor.watch``) does.

Then it stops the chaos, lets the branch settle (every part back, every session ended and paid, every
agent's journal acknowledged) and checks from the outside, in the store and the agents' own journals:

* every event an agent journaled is stored exactly once (seqs 1..last of each journal, none missing);
* every acknowledged payment and refund exists exactly once, an unacknowledged one at most once;
* each member's balance equals the model: acknowledged top-ups, less acknowledged refunds, less the cost
  of the member's ended sessions;
* every ended session is charged exactly once at the hub's price (a member's from the balance, a guest's
  paid at the desk), and none is stuck unended;
* ``icafe ledger verify`` and ``icafe audit verify`` pass; every part is running again on its own.

It prints the figures (kills by part, operations, sessions, anything lost, duplicated or stuck); the exit
status is 1 on any violation. The data directory is removed unless given or the soak failed.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pymongo

from icafe.stack import LocalStack, StackConfig, pc_name
from icafe.supervisor import ServiceSpec, free_port

DATABASE = "icafe_soak"
CLOCK_SCALE = 60  # an agent's minute is a second
TOP_UP_RANGE = (5_000_00, 50_000_00)
REFUND = 1_000_00
INFRASTRUCTURE = ("mosquitto", "hub", "store", "redis")
# An answer worth retrying with the same key: the part that would give it is down or restarting.
RETRYABLE = {401, 500, 502, 503, 504}
ACK_DEADLINE_S = 90.0


@dataclass
class Operation:
    """A payment or refund the desk sent: ``acked`` once the hub answered it."""

    key: str  # the ledger's idempotency key (hub.money: payment:<branch>:<key>, refund:<payment>:<key>)
    kind: str  # topup, refund, session
    amount: int
    member_id: str | None = None
    session_id: str | None = None
    acked: bool = False
    tx_id: str | None = None


@dataclass
class Figures:
    kills: Counter[str] = field(default_factory=Counter)
    restarts: dict[str, int] = field(default_factory=dict)
    operations: Counter[str] = field(default_factory=Counter)
    sessions: Counter[str] = field(default_factory=Counter)
    journal_events: int = 0
    broker_dropped: int = 0  # "Outgoing messages are being dropped" in the broker's log
    answered_by: Counter[str] = field(default_factory=Counter)  # the desk's answers, by hub
    violations: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


class Desk:
    """The cashier: a client of the API like any other, retrying what it may retry with the same key."""

    def __init__(self, stack: LocalStack, http: httpx.AsyncClient, figures: Figures) -> None:
        self.stack = stack
        self.http = http
        self.hubs = {url: name for url, name in zip(stack.api_urls, stack.hub_names, strict=True)}
        self._turn = itertools.count()
        self.figures = figures
        self.password = stack.secrets["admin_password"]
        self.operations: list[Operation] = []
        self.members: list[str] = []
        self.member_sessions: dict[str, str] = {}  # member -> running session (as the desk knows it)
        self.running: dict[str, tuple[str, float]] = {}  # pc -> (session, when to stop it)
        self.paid_sessions: set[str] = set()
        self.opening = True  # False once the soak winds down: no new sessions
        # Set by the chaos loop just before it kills the broker: the desk then makes a burst of traffic.
        self.burst = threading.Event()

    def url(self, path: str) -> str:
        """An API path on the next hub in turn."""
        hubs = list(self.hubs)
        return f"{hubs[next(self._turn) % len(hubs)]}/api/v1{path}"

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """One request (a path on the next hub, or a full URL); None when nothing answered (a part is
        down). Logs in again on a 401."""
        try:
            response = await self.http.request(
                method, self.url(path) if path.startswith("/") else path, **kwargs
            )
        except httpx.HTTPError:
            return None
        origin = f"{response.url.scheme}://{response.url.host}:{response.url.port}"
        self.figures.answered_by[self.hubs.get(origin, origin)] += 1
        if response.status_code == 401:
            await self.login()
        if response.status_code >= 500:  # an outage is 503; a 500 is a bug (the hub's log says which)
            self.figures.operations[f"answered {response.status_code}"] += 1
        return response

    async def login(self) -> None:
        body = {"username": "admin", "password": self.password}
        try:
            answer = await self.http.post(self.url("/auth/login"), json=body)
        except httpx.HTTPError:
            return
        if answer.status_code == 200:
            self.http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    async def until_answered(self, method: str, path: str, **kwargs: Any) -> httpx.Response | None:
        """Send until an answer that is not an outage's, for up to ACK_DEADLINE_S; the same request (and
        so the same idempotency key) every time."""
        deadline = time.monotonic() + ACK_DEADLINE_S
        while time.monotonic() < deadline:
            response = await self.request(method, path, **kwargs)
            if response is not None and response.status_code not in RETRYABLE:
                return response
            await asyncio.sleep(0.3)
        return None

    async def setup(self, members: int) -> None:
        await wait_for(self.login_ok, 60, "the owner's login")
        opened = await self.until_answered("POST", "/shifts", json={"opening_float": 0})
        if opened is None or opened.status_code not in (201, 409):
            raise RuntimeError(f"could not open a shift: {opened and opened.text}")
        for _ in range(members):
            body = {"login": f"soak{uuid.uuid4().hex[:8]}", "secret": "1234"}
            created = await self.until_answered("POST", "/members", json=body)
            if created is None or created.status_code != 201:
                raise RuntimeError(f"could not create a member: {created and created.text}")
            self.members.append(created.json()["id"])
            await self.top_up(created.json()["id"])

    async def login_ok(self) -> bool:
        await self.login()
        return "Authorization" in self.http.headers

    async def pay(self, operation: Operation, body: dict[str, Any]) -> httpx.Response | None:
        self.operations.append(operation)
        self.figures.operations[operation.kind] += 1
        key = operation.key.rsplit(":", 1)[-1]
        path = "/payments" if operation.kind != "refund" else f"/payments/{body.pop('payment_id')}/refunds"
        answer = await self.until_answered("POST", path, json=body, headers={"Idempotency-Key": key})
        if answer is not None and answer.status_code in (200, 201):
            operation.acked = True
            operation.tx_id = answer.json()["id"]
            if answer.status_code == 200:
                self.figures.operations["replayed"] += 1
        elif answer is not None:
            self.figures.operations[f"refused {answer.status_code}"] += 1
        return answer

    async def top_up(self, member_id: str) -> None:
        amount = random.randint(*TOP_UP_RANGE)
        key = uuid.uuid4().hex
        body = {"purpose": "topup", "method": "cash", "amount": amount, "member_id": member_id}
        await self.pay(Operation(f"payment:main:{key}", "topup", amount, member_id=member_id), body)

    async def refund(self) -> None:
        top_ups = [
            op
            for op in self.operations
            if op.kind == "topup" and op.acked and op.member_id not in self.member_sessions
        ]
        if not top_ups:
            return
        paid = random.choice(top_ups)
        assert paid.tx_id is not None
        if sum(op.amount for op in self.refunds_of(paid.tx_id)) + REFUND > paid.amount:
            return
        key = uuid.uuid4().hex
        body = {
            "payment_id": paid.tx_id,
            "amount": REFUND,
            "reason": "soak refund",
            "password": self.password,
        }
        operation = Operation(f"refund:{paid.tx_id}:{key}", "refund", REFUND, member_id=paid.member_id)
        await self.pay(operation, body)

    def refunds_of(self, tx_id: str) -> list[Operation]:
        return [op for op in self.operations if op.kind == "refund" and op.key.startswith(f"refund:{tx_id}:")]

    async def start_session(self, pc: str) -> None:
        free = [m for m in self.members if m not in self.member_sessions]
        kind = random.choice(["member", "prepaid", "postpaid"] if free else ["prepaid", "postpaid"])
        body: dict[str, Any] = {"pc_id": pc}
        if kind == "member":
            member = random.choice(free)
            body["member_id"] = member
        else:
            body["guest"] = (
                {"prepaid_minutes": random.randint(1, 4)} if kind == "prepaid" else {"postpaid": True}
            )
        # Not retried: a start has no key. A lost answer leaves a session the settling phase finds.
        started = await self.request("POST", "/sessions", json=body)
        self.figures.sessions[f"start {kind} answered {started.status_code if started else 'none'}"] += 1
        if started is None or started.status_code != 201:
            return
        session_id = started.json()["id"]
        self.running[pc] = (session_id, time.monotonic() + random.uniform(1, 6))
        if kind == "member":
            self.member_sessions[member] = session_id
        elif kind == "prepaid":
            await self.pay_session(session_id)

    async def pay_session(self, session_id: str) -> None:
        """A guest's session paid at the desk, with a key of its own: a retry can never pay twice."""
        if session_id in self.paid_sessions:
            return
        body = {"purpose": "session", "method": "cash", "session_id": session_id}
        operation = Operation(f"payment:main:soak-session-{session_id}", "session", 0, session_id=session_id)
        answer = await self.pay(operation, body)
        if answer is not None and answer.status_code in (200, 201):
            operation.amount = int(answer.json()["amount"])
            self.paid_sessions.add(session_id)

    async def stop_due(self) -> None:
        now = time.monotonic()
        for pc, (session_id, due) in list(self.running.items()):
            if due > now and self.opening:
                continue
            stopped = await self.request("POST", f"/sessions/{session_id}/stop", json={"reason": "soak"})
            if stopped is not None and stopped.status_code in (200, 404, 409):
                self.running.pop(pc, None)
                for member, running in list(self.member_sessions.items()):
                    if running == session_id:
                        self.member_sessions.pop(member, None)

    async def pcs_idle(self) -> list[str]:
        listed = await self.request("GET", "/pcs", params={"limit": 200})
        if listed is None or listed.status_code != 200:
            return []
        return [
            pc["id"]
            for pc in listed.json()["items"]
            if pc["status"] == "online" and pc["session_id"] is None and pc["id"] not in self.running
        ]

    async def run(self, stop: asyncio.Event) -> None:
        """The desk's work, side by side: two tills taking money, one looking after the PCs, and bursts
        when the chaos loop asks."""
        await asyncio.gather(self.till(stop), self.till(stop), self.floor(stop), self.bursts(stop))

    async def till(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if random.random() < 0.75:
                await self.top_up(random.choice(self.members))
            else:
                await self.refund()
            await asyncio.sleep(0.05)

    async def floor(self, stop: asyncio.Event) -> None:
        paid_at = time.monotonic()
        while not stop.is_set():
            await self.stop_due()
            if self.opening:
                for pc in await self.pcs_idle():
                    await self.start_session(pc)
            if time.monotonic() - paid_at > 2:
                await self.pay_owed()
                paid_at = time.monotonic()
            await asyncio.sleep(0.2)

    async def bursts(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if self.burst.is_set():
                self.burst.clear()
                await self.make_burst()
            await asyncio.sleep(0.05)

    async def make_burst(self) -> None:
        """Stop every session and start one on every idle PC, with top-ups, all at once: commands to the
        agents and their journaled events in flight when the broker dies."""
        self.figures.operations["bursts"] += 1
        self.running = {pc: (session, 0.0) for pc, (session, _) in self.running.items()}
        await self.stop_due()
        idle = await self.pcs_idle()
        top_ups = [self.top_up(random.choice(self.members)) for _ in range(10)]
        await asyncio.gather(*(self.start_session(pc) for pc in idle), *top_ups)

    async def pay_owed(self) -> bool:
        """Pay every ended guest session that still owes (postpaid ones, and any whose start was lost);
        True when none owes any more."""
        settled = True
        for kind in ("postpaid", "prepaid"):
            params = {"state": "ended", "kind": kind, "limit": 200}
            listed = await self.request("GET", "/sessions", params=params)
            if listed is None or listed.status_code != 200:
                return False
            for session in listed.json()["items"]:
                if session["id"] in self.paid_sessions:
                    continue
                detail = await self.request("GET", f"/sessions/{session['id']}")
                if detail is None or detail.status_code != 200:
                    settled = False
                elif (detail.json().get("owed") or 0) > 0:
                    await self.pay_session(session["id"])
                    settled = settled and session["id"] in self.paid_sessions
                else:
                    self.paid_sessions.add(session["id"])  # nothing owed: already paid
        return settled


async def wait_for(predicate: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not await predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"not within {timeout_s}s: {what}")
        await asyncio.sleep(0.2)


def start_agents(stack: LocalStack, count: int) -> list[str]:
    pcs = [pc_name(i) for i in range(1, count + 1)]
    for pc in pcs:
        config = stack.enroll(pc)
        stack.supervisor.start(
            ServiceSpec(
                name=f"agent-{pc}",
                argv=[sys.executable, "-m", "icafe", "agent", "--config", str(config), "--simulated"],
                env={"ICAFE_TELEMETRY_S": "2", "ICAFE_CLOCK_SCALE": str(CLOCK_SCALE)},
                log_path=stack.log(f"agent-{pc}"),
                ready=lambda: True,
            )
        )
    return pcs


def part_kind(name: str) -> str:
    """The kind a part is picked by: every agent is an agent, every hub replica a hub."""
    return name.split("-", 1)[0] if name.startswith(("agent-", "hub-")) else name


def chaos(
    stack: LocalStack,
    kills: int,
    interval_s: float,
    figures: Figures,
    done: threading.Event,
    burst: threading.Event,
) -> None:
    """kill -9 a running part picked at random (a kind of part first, so agents do not dominate); the
    broker during a burst of the desk's traffic."""
    rng = random.Random()
    while sum(figures.kills.values()) < kills and not done.is_set():
        time.sleep(interval_s)
        alive = {name: s for name, s in stack.supervisor.services.items() if s.alive()}
        kinds = sorted({part_kind(name) for name in alive})
        if not kinds:
            continue
        kind = rng.choice(kinds)
        name = rng.choice(sorted(n for n in alive if part_kind(n) == kind))
        if kind == "mosquitto":
            burst.set()
            time.sleep(0.3)  # the burst under way: a fixed lead, not a wait for a condition
        alive[name].kill()
        figures.kills[kind] += 1
    done.set()


async def settle(desk: Desk, stack: LocalStack, db: Any, figures: Figures) -> None:
    """Every part back, every session ended and every guest's paid, every journal acknowledged."""
    began = time.monotonic()

    async def parts_up() -> bool:
        if not all(s.alive() for s in stack.supervisor.services.values()):
            return False
        for url in stack.api_urls:
            answer = await desk.request("GET", f"{url}/healthz")
            if answer is None or answer.status_code != 200:
                return False
        return True

    try:
        await wait_for(parts_up, 180, "every part running again")
    except TimeoutError:
        dead = [name for name, s in stack.supervisor.services.items() if not s.alive()]
        figures.violations.append(f"parts not back on their own: {dead}")
        return
    desk.opening = False

    async def sessions_ended() -> bool:
        await desk.stop_due()
        for doc in db.sessions.find({"state": {"$in": ["pending", "active"]}}, {"pc_id": 1}):
            desk.running.setdefault(doc["pc_id"], (doc["_id"], 0.0))
        unended = db.sessions.count_documents({"state": {"$in": ["pending", "active"]}})
        return await desk.pay_owed() and unended == 0

    try:
        await wait_for(sessions_ended, 180, "every session ended")
    except TimeoutError:
        stuck = [doc["_id"] for doc in db.sessions.find({"state": {"$in": ["pending", "active"]}})]
        figures.violations.append(f"sessions stuck unended or unpaid: {stuck}")

    async def journals_acked() -> bool:
        return all(meta[1] == meta[2] for meta in journals(stack).values())

    try:
        await wait_for(journals_acked, 120, "every agent's journal acknowledged")
    except TimeoutError:
        figures.violations.append(f"journals not acknowledged: {journals(stack)}")
    figures.seconds["settle"] = round(time.monotonic() - began, 1)


def journals(stack: LocalStack) -> dict[str, tuple[str, int, int]]:
    """Each PC's journal as (journal id, last seq, acknowledged seq), read from its SQLite file."""
    found: dict[str, tuple[str, int, int]] = {}
    for path in sorted(stack.agents_dir.glob("*/**/journal.sqlite")):
        pc = path.relative_to(stack.agents_dir).parts[0]
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            row = conn.execute("SELECT journal_id, last_seq, acked_seq FROM meta").fetchone()
        found[pc] = (str(row[0]), int(row[1]), int(row[2]))
    return found


def check(desk: Desk, stack: LocalStack, db: Any, figures: Figures) -> None:
    violations = figures.violations
    # Every journaled event stored exactly once.
    for pc, (journal, last, _) in journals(stack).items():
        seqs = [doc["seq"] for doc in db.journal_events.find({"pc_id": pc, "journal": journal}, {"seq": 1})]
        figures.journal_events += last
        if sorted(seqs) != list(range(1, last + 1)):
            missing = sorted(set(range(1, last + 1)) - set(seqs))
            violations.append(
                f"{pc}: journal {journal} has {last} events, stored {len(seqs)}, missing {missing}"
            )
    # The whole ledger read once: a count per key on the embedded store is a scan of its own.
    fields = {"idem": 1, "session_id": 1, "kind": 1, "amount": 1, "uncollected": 1}
    ledger = list(db.ledger.find({}, fields))
    by_key = Counter(str(doc["idem"]) for doc in ledger)
    by_session: dict[str, list[dict[str, Any]]] = {}
    for doc in ledger:
        if doc.get("session_id"):
            by_session.setdefault(str(doc["session_id"]), []).append(doc)
    # Payments and refunds: acknowledged exactly once, unacknowledged at most once.
    model: Counter[str] = Counter()
    for op in desk.operations:
        count = by_key[op.key]
        if count > 1 or (op.acked and count != 1):
            violations.append(f"{op.kind} {op.key}: acknowledged={op.acked}, stored {count} times")
        if not op.acked:
            figures.operations["unacknowledged"] += 1
            figures.operations["unacknowledged, stored"] += count
        if count and op.member_id is not None:
            model[op.member_id] += op.amount if op.kind == "topup" else -op.amount
    # Sessions: every one ended, charged once at the hub's price.
    for session in db.sessions.find({}):
        sid, state = session["_id"], session["state"]
        figures.sessions[f"{session['kind']} {state}"] += 1
        if state != "ended":
            if session["kind"] == "prepaid" and by_session.get(sid):
                figures.sessions["prepaid paid, never started"] += 1  # the desk refunds it by hand
            continue
        charges = [doc for doc in by_session.get(sid, []) if doc["kind"] in ("charge", "payment")]
        cost = int(session.get("cost") or 0)
        expected = 1 if cost > 0 and session.get("review") != "pending" else 0
        if len(charges) != expected:
            violations.append(f"session {sid} ({session['kind']}, cost {cost}) charged {len(charges)} times")
            continue
        if charges and int(charges[0]["amount"]) != cost and session["kind"] != "prepaid":
            violations.append(f"session {sid}: charged {charges[0]['amount']}, the hub's price is {cost}")
        if session.get("member_id") and charges:
            model[session["member_id"]] -= int(charges[0]["amount"]) - int(charges[0].get("uncollected") or 0)
    # Balances against the model.
    for member in desk.members:
        answer = httpx.get(f"{stack.api_url}/api/v1/members/{member}", headers=dict(desk.http.headers))
        balance = answer.json()["balance"] if answer.status_code == 200 else None
        if balance != model[member]:
            violations.append(f"member {member}: balance {balance}, model {model[member]}")
    # The books and the audit chain.
    for command in (["ledger", "verify"], ["audit", "verify"]):
        environment = {k: v for k, v in os.environ.items() if not k.startswith("ICAFE_")}
        environment["ICAFE_DATA_DIR"] = str(stack.data_dir)
        done = subprocess.run(
            [sys.executable, "-m", "icafe", *command],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            violations.append(f"icafe {' '.join(command)} failed: {(done.stdout + done.stderr)[-500:]}")
    log = stack.log("mosquitto")
    text = log.read_text(errors="replace") if log.exists() else ""
    figures.broker_dropped = text.count("are being dropped")
    figures.restarts = {name: s.restarts for name, s in stack.supervisor.services.items() if s.restarts}


async def soak(stack: LocalStack, options: argparse.Namespace, figures: Figures) -> None:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(stack.mongo_url)
    db = client[DATABASE]
    async with httpx.AsyncClient(timeout=10) as http:
        desk = Desk(stack, http, figures)
        await desk.setup(options.members)
        watcher = threading.Thread(target=stack.supervisor.watch, kwargs={"poll_s": 0.2}, daemon=True)
        watcher.start()
        done = threading.Event()
        killer = threading.Thread(
            target=chaos, args=(stack, options.kills, options.interval, figures, done, desk.burst)
        )
        began = time.monotonic()
        killer.start()
        stop = asyncio.Event()
        cashier = asyncio.create_task(desk.run(stop))
        await asyncio.to_thread(done.wait)
        figures.seconds["chaos"] = round(time.monotonic() - began, 1)
        stop.set()
        await cashier
        await settle(desk, stack, db, figures)
        await asyncio.to_thread(check, desk, stack, db, figures)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=3.0, help="seconds between kills")
    parser.add_argument("--pcs", type=int, default=5)
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--hubs", type=int, default=1, help="hub replicas")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="icafe-soak-"))
    stack = LocalStack(
        StackConfig(
            data_dir=data_dir,
            http_port=free_port(),
            pcs=0,
            hubs=options.hubs,
            admin_password=uuid.uuid4().hex,
            hub_env={
                "ICAFE_MONGO_DB": DATABASE,
                "ICAFE_ADMIN_2FA_OPTIONAL": "1",
                "ICAFE_API_RATE_LIMIT": "1000000",
                "ICAFE_ACCESS_TOKEN_TTL_S": "14400",
                "ICAFE_STAFF_SESSION_IDLE_S": "14400",
                "ICAFE_AGENT_CLOCK_SCALE": str(CLOCK_SCALE),
                "ICAFE_COMMAND_TIMEOUT_S": "3",
            },
        )
    )
    figures = Figures()
    began = time.monotonic()
    try:
        stack.start_infrastructure()
        stack.start_hubs(ready_timeout_s=300)
        start_agents(stack, options.pcs)
        asyncio.run(soak(stack, options, figures))
    except Exception as exc:
        figures.violations.append(f"the soak itself failed: {type(exc).__name__}: {exc}")
    finally:
        stack.stop()
    figures.seconds["total"] = round(time.monotonic() - began, 1)
    ok = not figures.violations
    if options.data_dir is None and ok:
        shutil.rmtree(data_dir, ignore_errors=True)
    report(figures, options, data_dir, ok)
    return 0 if ok else 1


def report(figures: Figures, options: argparse.Namespace, data_dir: Path, ok: bool) -> None:
    if options.json:
        print(
            json.dumps(
                {
                    "ok": ok,
                    "kills": dict(figures.kills),
                    "restarts": figures.restarts,
                    "operations": dict(figures.operations),
                    "sessions": dict(figures.sessions),
                    "journal_events": figures.journal_events,
                    "broker_dropped": figures.broker_dropped,
                    "answered_by": dict(figures.answered_by),
                    "seconds": figures.seconds,
                    "violations": figures.violations,
                }
            )
        )
        return
    print(f"kills: {sum(figures.kills.values())} {dict(sorted(figures.kills.items()))}")
    print(f"restarted by the supervisor: {figures.restarts}")
    print(f"operations: {dict(sorted(figures.operations.items()))}")
    print(f"sessions: {dict(sorted(figures.sessions.items()))}")
    print(f"journaled events checked: {figures.journal_events}")
    print(f"broker queue drops logged: {figures.broker_dropped}")
    print(f"the desk's answers by hub: {dict(sorted(figures.answered_by.items()))}")
    print(f"seconds: {figures.seconds}")
    for violation in figures.violations:
        print(f"VIOLATION: {violation}")
    print("ok: nothing lost, duplicated or stuck" if ok else f"FAILED (data kept in {data_dir})")


if __name__ == "__main__":
    sys.exit(main())
