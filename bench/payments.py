"""The payments benchmark: how fast the front desk's money path goes, and what contention costs.

Usage::

    python -m bench.payments [--payments N] [--batches B] [--concurrency C] [--members M] [--data-dir DIR]
                             [--json]

It starts its own local stack (Mosquitto, Redis, the embedded store, the hub) on loopback ports in a fresh
temporary data directory, logs in as the owner, opens a shift, and measures through the real HTTP API:

* **top-ups**: B consecutive batches of N cash top-ups (``POST /api/v1/payments``) to M members, C requests
  in flight. Every payment takes the branch's next receipt number, so all of them contend on one sequence.
  Each batch runs on a ledger grown by the ones before; ``last_to_first`` is the last batch's rate over the
  first's: 1.0 when a payment costs the same however long the ledger (the target is at least 0.9).
* **one balance**: N sales paid from one member's balance (topped up first with enough for all), C in
  flight: every request contends on the member's spend sequence and on the receipt sequence.
* **retries**: N/10 keys each sent 5 times at once; all but one answer must be replays.
* **verify**: ``icafe ledger verify`` over the resulting ledger (wall time of the command).
* **bare insert**, the baseline, run just before the top-ups: N ``POST /insert`` to a minimal Sanic app
  (``bench/bare_insert.py``) that inserts the body into the same store, C in flight.
  ``ratio_to_baseline`` is the first top-up batch's rate over it (the target is at least 0.6), and
  ``one_balance_to_baseline`` the one-balance batch's (at least 0.3).

Each batch also says what one request cost in round trips: to the store (the hub's
``icafe_store_commands_total``) and to Redis (its ``INFO commandstats``), over the batch divided by its
requests; the hub's background work in the meantime (a few health checks) is counted in. And what it cost
in CPU, in milliseconds per request, of each process: the hub (or the bare app), the store, Redis and this
benchmark's own client, from their CPU times before and after the batch: on a machine shared with other
work, rates move with the scheduler, but the CPU a request costs does not.

For each: requests per second (wall clock of the batch) and client-side latency p50/p99/max of the
answers; any answer other than the expected status counts as a failure. The exit status is 1 when a
step failed. The stack is always stopped; its data directory is removed unless given with ``--data-dir``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from redis.asyncio import Redis

from bench.harness import cpu_snapshot
from icafe.stack import LocalStack, StackConfig, http_ready
from icafe.supervisor import ServiceSpec, free_port

TOP_UP = 10_000_00  # 10 000 so'm in tiyin
BARE = "bare insert"
ONE_BALANCE = "one balance"
PRICE = 3_000_00
CPU_OF = ("hub", "bare-insert", "store", "redis", "bench")  # the processes whose CPU a batch shows


@dataclass
class Batch:
    name: str
    requests: int
    seconds: float
    per_second: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    failures: dict[str, int] = field(default_factory=dict)
    store_round_trips: float | None = None
    redis_round_trips: float | None = None
    cpu_ms: dict[str, float] = field(default_factory=dict)  # CPU per request, by process


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def run_batch(
    name: str, calls: Sequence[Callable[[], Awaitable[httpx.Response]]], concurrency: int, ok: set[int]
) -> Batch:
    latencies: list[float] = []
    failures: dict[str, int] = {}
    queue = list(reversed(calls))

    async def worker() -> None:
        while queue:
            call = queue.pop()
            started = time.perf_counter()
            response = await call()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code not in ok:
                key = f"{response.status_code} {response.text[:80]}"
                failures[key] = failures.get(key, 0) + 1

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - began
    return Batch(
        name,
        len(calls),
        round(seconds, 2),
        round(len(calls) / seconds, 1),
        round(percentile(latencies, 0.5), 1),
        round(percentile(latencies, 0.99), 1),
        round(max(latencies), 1),
        failures,
    )


class RoundTrips:
    """Commands the hub has sent the store, and commands Redis has run, so far."""

    def __init__(self, stack: LocalStack, http: httpx.AsyncClient) -> None:
        self.stack = stack
        self._http = http
        self._redis = Redis.from_url(stack.redis_url)
        self._metrics = f"{stack.api_url}/metrics"

    async def count(self) -> tuple[float, float]:
        text = (await self._http.get(self._metrics)).text
        store = sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("icafe_store_commands_total{")
        )
        stats = await self._redis.info("commandstats")
        redis = sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")
        return store, float(redis)

    async def close(self) -> None:
        await self._redis.aclose()


async def measured(
    trips: RoundTrips,
    name: str,
    calls: Sequence[Callable[[], Awaitable[httpx.Response]]],
    c: int,
    ok: set[int],
) -> Batch:
    store, redis = await trips.count()
    cpu = cpu_snapshot(trips.stack)
    batch = await run_batch(name, calls, c, ok)
    cpu_after = cpu_snapshot(trips.stack)
    store_after, redis_after = await trips.count()
    batch.store_round_trips = round((store_after - store) / len(calls), 2)
    batch.redis_round_trips = round((redis_after - redis - 1) / len(calls), 2)  # less the first INFO
    batch.cpu_ms = {
        process: round(1000 * (cpu_after[process] - cpu.get(process, 0.0)) / len(calls), 2)
        for process in CPU_OF
        if process in cpu_after
    }
    return batch


async def bench(stack: LocalStack, options: argparse.Namespace, bare_url: str) -> list[Batch]:
    base = f"{stack.api_url}/api/v1"
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        trips = RoundTrips(stack, http)
        try:
            return await _bench(http, trips, options, bare_url, stack.secrets["admin_password"])
        finally:
            await trips.close()


async def _bench(
    http: httpx.AsyncClient, trips: RoundTrips, options: argparse.Namespace, bare_url: str, password: str
) -> list[Batch]:
    login = await http.post("/auth/login", json={"username": "admin", "password": password})
    login.raise_for_status()
    http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    (await http.post("/shifts", json={"opening_float": 0})).raise_for_status()
    members = []
    for _ in range(options.members):
        created = await http.post("/members", json={"login": f"b{uuid.uuid4().hex[:10]}", "secret": "1234"})
        created.raise_for_status()
        members.append(created.json()["id"])
    product = await http.post("/products", json={"name": "Bench cola", "price": PRICE})
    product.raise_for_status()

    def payment(body: dict[str, Any], key: str | None = None) -> Callable[[], Awaitable[httpx.Response]]:
        headers = {"Idempotency-Key": key or uuid.uuid4().hex}
        return lambda: http.post("/payments", json=body, headers=headers)

    n, c = options.payments, options.concurrency
    bare_rows = [
        (lambda: http.post(f"{bare_url}/insert", json={"amount": TOP_UP, "member_id": members[0]}))
        for _ in range(n)
    ]
    results = [await measured(trips, BARE, bare_rows, c, {201})]
    for batch in range(1, options.batches + 1):
        top_ups = [
            payment(
                {
                    "purpose": "topup",
                    "method": "cash",
                    "amount": TOP_UP,
                    "member_id": members[i % len(members)],
                }
            )
            for i in range(n)
        ]
        results.append(await measured(trips, f"top-ups {batch}/{options.batches}", top_ups, c, {201}))

    spender = await http.post("/members", json={"login": f"b{uuid.uuid4().hex[:10]}", "secret": "1234"})
    spender.raise_for_status()
    rich = spender.json()["id"]  # not among the top-ups' members: its history is this batch's alone
    funding = {"purpose": "topup", "method": "cash", "amount": PRICE * n, "member_id": rich}
    (
        await http.post("/payments", json=funding, headers={"Idempotency-Key": uuid.uuid4().hex})
    ).raise_for_status()
    sale = {
        "purpose": "sale",
        "method": "balance",
        "member_id": rich,
        "items": [{"product_id": product.json()["id"], "quantity": 1}],
    }
    results.append(await measured(trips, ONE_BALANCE, [payment(sale) for _ in range(n)], c, {201}))

    keys = [uuid.uuid4().hex for _ in range(max(1, n // 10))]
    retried = [
        payment({"purpose": "topup", "method": "cash", "amount": 100, "member_id": rich}, k)
        for k in keys
        for _ in range(5)
    ]
    results.append(await measured(trips, "retries (5 per key)", retried, c, {200, 201}))
    history = (await http.get("/payments", params={"member_id": rich, "purpose": "topup", "limit": 1})).json()
    duplicates = history["total"] - 1 - len(keys)  # the funding top-up plus one per key
    if duplicates:
        results[-1].failures["duplicate payments"] = duplicates
    return results


def start_bare(stack: LocalStack) -> str:
    """The baseline app (``bench/bare_insert.py``) on a port of its own, on the stack's store."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    script = Path(__file__).with_name("bare_insert.py")
    stack.supervisor.start(
        ServiceSpec(
            name="bare-insert",
            argv=[sys.executable, str(script), "--port", str(port), "--mongo-url", stack.mongo_url],
            log_path=stack.log("bare-insert"),
            ready=http_ready(f"{url}/healthz"),
            ready_timeout_s=120,
        )
    )
    return url


def verify_seconds(stack: LocalStack) -> tuple[float, bool]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ICAFE_")}
    environment["ICAFE_DATA_DIR"] = str(stack.data_dir)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "icafe", "ledger", "verify"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    return round(time.perf_counter() - began, 2), done.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payments", type=int, default=1000, help="per batch")
    parser.add_argument("--batches", type=int, default=4, help="consecutive batches of top-ups")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    load_at_start = os.getloadavg()
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="icafe-bench-payments-"))
    stack = LocalStack(
        StackConfig(
            data_dir=data_dir,
            http_port=free_port(),
            pcs=0,
            admin_password=secrets.token_urlsafe(16),
            hub_env={"ICAFE_ADMIN_2FA_OPTIONAL": "1", "ICAFE_API_RATE_LIMIT": "1000000"},
        )
    )
    ok = False
    try:
        stack.start_infrastructure()
        stack.start_hub(ready_timeout_s=300)  # minutes on a busy machine
        bare_url = start_bare(stack)
        batches = asyncio.run(bench(stack, options, bare_url))
        seconds, verified = verify_seconds(stack)
        ok = verified and not any(batch.failures for batch in batches)
    finally:
        stack.stop()
        if options.data_dir is None and ok:
            shutil.rmtree(data_dir, ignore_errors=True)
    top_ups = [batch for batch in batches if batch.name.startswith("top-ups")]
    last_to_first = round(top_ups[-1].per_second / top_ups[0].per_second, 2)
    by_name = {batch.name: batch for batch in batches}
    bare = by_name[BARE].per_second
    ratio_to_baseline = round(top_ups[0].per_second / bare, 2)
    one_balance_to_baseline = round(by_name[ONE_BALANCE].per_second / bare, 2)
    if options.json:
        report = {
            "batches": [asdict(b) for b in batches],
            "last_to_first": last_to_first,
            "ratio_to_baseline": ratio_to_baseline,
            "one_balance_to_baseline": one_balance_to_baseline,
            "load_average": [round(x, 2) for x in load_at_start],
            "verify_s": seconds,
            "verified": verified,
        }
        print(json.dumps(report))
    else:
        load = ", ".join(f"{x:.2f}" for x in load_at_start)
        print(f"{os.cpu_count()} cores, load average at start {load}")
        head = f"{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'store':>7}{'redis':>7}"
        print(f"{'batch':<22}{head}  failures")
        for b in batches:
            figures = f"{b.requests:>9}{b.per_second:>9}{b.p50_ms:>9}{b.p99_ms:>9}{b.max_ms:>9}"
            trips = f"{b.store_round_trips:>7}{b.redis_round_trips:>7}"
            print(f"{b.name:<22}{figures}{trips}  {b.failures or '-'}")
        print("(store, redis: round trips per request)")
        print(f"{'CPU ms per request':<22}" + "".join(f"{process:>13}" for process in CPU_OF))
        for b in batches:
            print(f"{b.name:<22}" + "".join(f"{b.cpu_ms.get(process, 0.0):>13}" for process in CPU_OF))
        print(
            f"top-ups: the first batch ran at {ratio_to_baseline} of the bare insert's rate (target >= 0.6)"
        )
        print(f"one balance: {one_balance_to_baseline} of the bare insert's rate (target >= 0.3)")
        print(f"top-ups: the last batch ran at {last_to_first} of the first's rate (target >= 0.9)")
        print(f"icafe ledger verify: {seconds} s, {'ok' if verified else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
