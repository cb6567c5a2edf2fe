"""The exports benchmark: how fast a background export writes, and whether the hub's memory grows with it.

Usage::

    python bench/exports.py [--rows N] [--baseline B] [--formats csv,xlsx] [--json]

It starts its own local stack (Mosquitto, Redis, the embedded store, the hub) on loopback ports in a fresh
temporary data directory, writes N ended sessions into the hub's store (as its repository stores them),
then, for each format, asks the hub for an export of them (``POST /api/v1/exports``), waits for it to be
done and downloads it. The same is done first for B rows: the baseline of the same run. For each:

* **rows_per_s**: rows over the job's own time (its ``started_at`` to ``finished_at``);
* **rss_growth_mb**: the hub process's resident memory at its highest while the job ran (sampled every
  20 ms from /proc) less what it was just before: flat from B to N rows means the export streams;
* **size_mb**: the file's size.

The exit status is 1 when an export failed. The stack is always stopped; its data directory (with the
hub's log) is removed unless an export failed.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pymongo

from hub.sessions.defaults import DEFAULT_TARIFF
from hub.store.sessions import SessionRecord, SessionState
from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port
from protocol import SessionKind

DATABASE = "icafe_bench_exports"
BASE_MS = 1_795_590_000_000


def seed(stack: LocalStack, pc_id: str, rows: int) -> float:
    """``rows`` ended sessions on ``pc_id``; the seconds it took."""
    began = time.perf_counter()
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(stack.mongo_url)
    try:
        sessions = client[DATABASE]["sessions"]
        for start in range(0, rows, 5000):
            sessions.insert_many(
                [
                    SessionRecord(
                        id=f"{pc_id}-{i:07d}",
                        pc_id=pc_id,
                        kind=SessionKind.POSTPAID,
                        state=SessionState.ENDED,
                        created_at=BASE_MS + i * 60_000,
                        started_at=BASE_MS + i * 60_000,
                        ended_at=BASE_MS + i * 60_000 + 30 * 60_000,
                        used_ms=30 * 60_000,
                        cost=600_000 + i,
                        tariff_id=DEFAULT_TARIFF.id,
                        end_reason="staff",
                        started_by="bench",
                    ).to_document()
                    for i in range(start, min(rows, start + 5000))
                ],
                ordered=False,
            )
    finally:
        client.close()
    return round(time.perf_counter() - began, 1)


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class PeakRss:
    """The highest resident memory of ``pid`` while in the ``with`` block."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def read(api: httpx.Client, job_id: str) -> dict[str, Any]:
    """The job; a moment's 503 (the store busy on a loaded machine) is asked again, a few times."""
    for _ in range(10):
        answer = api.get(f"/exports/{job_id}")
        if answer.status_code != 503:
            break
        time.sleep(1)
    if answer.status_code != 200:
        raise RuntimeError(f"GET /exports/{job_id}: {answer.status_code} {answer.text}")
    job: dict[str, Any] = answer.json()
    return job


def export(api: httpx.Client, pid: int, fmt: str, pc_id: str) -> dict[str, Any]:
    before = rss_kb(pid)
    with PeakRss(pid) as peak:
        job = api.post("/exports", json={"kind": "sessions", "format": fmt, "filters": {"pc_id": pc_id}})
        job.raise_for_status()
        job_id = job.json()["id"]
        while (view := read(api, job_id))["state"] not in ("done", "failed"):
            time.sleep(0.25)
    if view["state"] != "done":
        return {"format": fmt, "failed": view["error"]}
    size = len(api.get(f"/exports/{job_id}/download").content)
    seconds = (view["finished_at"] - view["started_at"]) / 1000
    return {
        "format": fmt,
        "rows": view["rows"],
        "seconds": round(seconds, 2),
        "rows_per_s": round(view["rows"] / seconds) if seconds else None,
        "rss_growth_mb": round((peak.peak - before) / 1024, 1),
        "size_mb": round(size / 1e6, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--formats", type=lambda v: v.split(","), default=["csv", "xlsx"])
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="icafe-bench-exports-"))
    password = secrets.token_urlsafe(16)
    stack = LocalStack(
        StackConfig(
            data_dir=data_dir,
            http_port=free_port(),
            pcs=0,
            admin_password=password,
            hub_env={
                "ICAFE_ADMIN_2FA_OPTIONAL": "1",
                "ICAFE_API_RATE_LIMIT": "1000000",
                "ICAFE_MONGO_DB": DATABASE,
            },
        )
    )
    report: dict[str, Any] = {}
    try:
        stack.start_infrastructure()
        stack.start_hub(ready_timeout_s=300)  # minutes on a busy machine
        pid = stack.supervisor.services["hub"].pid
        assert pid is not None
        login = httpx.post(
            f"{stack.api_url}/api/v1/auth/login", json={"username": "admin", "password": password}
        )
        login.raise_for_status()
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=60) as api:
            for name, rows in (("baseline", options.baseline), ("export", options.rows)):
                pc_id = f"pc-{name}-{uuid.uuid4().hex[:6]}"
                report[f"{name}_seed_s"] = seed(stack, pc_id, rows)
                report[name] = [export(api, pid, fmt, pc_id) for fmt in options.formats]
    finally:
        stack.stop()
    lines = [line for name in ("baseline", "export") for line in report.get(name, [{"failed": "not run"}])]
    failed = any("failed" in line for line in lines)
    if failed:
        print(f"an export failed: the stack's data and logs are kept in {data_dir}", file=sys.stderr)
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
    if options.json:
        print(json.dumps(report))
    else:
        for name in ("baseline", "export"):
            print(f"{name} (seeded in {report[f'{name}_seed_s']} s):")
            for line in report[name]:
                print("  " + ", ".join(f"{key}={value}" for key, value in line.items()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
