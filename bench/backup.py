"""The backup benchmark: how long `icafe backup` and `icafe restore` take and how big the archive is, for a
store with N ledger transactions.

Usage::

    python bench/backup.py [--transactions N] [--concurrency C] [--members M] [--data-dir DIR] [--json]

It starts its own local stack (Mosquitto, Redis, the embedded store, the hub) in a fresh temporary data
directory, writes N cash top-ups through the HTTP API (each one a ledger transaction and an audit entry),
then measures, each as the wall time of the command:

* **baseline**: copying the store's SQLite file with SQLite's online backup (what a snapshot alone costs),
  and that file's size;
* **backup**: ``icafe backup`` with the hub running (snapshot, serving the copy, writing the compressed,
  signed archive, verifying the ledger and the audit chain on the copy), and the archive's size;
* **restore**: with the stack stopped and its store removed, ``icafe restore`` (checking the archive,
  starting the embedded store, loading it, verifying both chains against the archive's heads).

The exit status is 1 when a step failed. The stack is always stopped; its data directory is removed unless
given with ``--data-dir``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from hub.backups.archive import archives_in
from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

TOP_UP = 10_000_00  # 10 000 so'm in tiyin
DATABASE = "icafe_bench"


async def write_payments(stack: LocalStack, count: int, members: int, concurrency: int) -> int:
    """``count`` cash top-ups; the number that failed."""
    async with httpx.AsyncClient(base_url=f"{stack.api_url}/api/v1", timeout=60) as http:
        login = await http.post(
            "/auth/login", json={"username": "admin", "password": stack.secrets["admin_password"]}
        )
        login.raise_for_status()
        http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        (await http.post("/shifts", json={"opening_float": 0})).raise_for_status()
        ids = []
        for _ in range(members):
            created = await http.post(
                "/members", json={"login": f"b{uuid.uuid4().hex[:10]}", "secret": "1234"}
            )
            created.raise_for_status()
            ids.append(created.json()["id"])
        failed = 0
        pending = list(range(count))

        async def worker() -> None:
            nonlocal failed
            while pending:
                i = pending.pop()
                body = {"purpose": "topup", "method": "cash", "amount": TOP_UP, "member_id": ids[i % members]}
                answer = await http.post(
                    "/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
                )
                failed += answer.status_code != 201

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return failed


def icafe(data_dir: Path, *args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ICAFE_")}
    environment["ICAFE_DATA_DIR"] = str(data_dir)
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "icafe", *args], env=environment, capture_output=True, text=True, check=False
    )
    return round(time.perf_counter() - began, 2), done


def snapshot_baseline(store_file: Path, target: Path) -> float:
    began = time.perf_counter()
    source, copy = sqlite3.connect(f"file:{store_file}?mode=ro", uri=True), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()
    return round(time.perf_counter() - began, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transactions", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="icafe-bench-backup-"))
    stack = LocalStack(
        StackConfig(
            data_dir=data_dir / "cafe",
            http_port=free_port(),
            pcs=0,
            admin_password=secrets.token_urlsafe(16),
            hub_env={
                "ICAFE_ADMIN_2FA_OPTIONAL": "1",
                "ICAFE_API_RATE_LIMIT": "1000000",
                "ICAFE_MONGO_DB": DATABASE,
            },
        )
    )
    report: dict[str, Any] = {"transactions": options.transactions}
    ok = False
    try:
        stack.start_infrastructure()
        stack.start_hub()
        began = time.perf_counter()
        failed = asyncio.run(
            write_payments(stack, options.transactions, options.members, options.concurrency)
        )
        report["write_s"] = round(time.perf_counter() - began, 1)
        store_file = stack.data_dir / "store" / f"{DATABASE}.db"
        report["store_file_bytes"] = store_file.stat().st_size
        report["snapshot_copy_s"] = snapshot_baseline(store_file, data_dir / "baseline.db")
        report["backup_s"], backup = icafe(stack.data_dir, "backup", str(data_dir / "backups"), "--json")
        written = json.loads(backup.stdout) if backup.returncode == 0 else {}
        report["archive_bytes"] = written.get("bytes")
        report["documents"] = written.get("documents")
        stack.stop()
        shutil.rmtree(stack.data_dir / "store")
        (archive,) = archives_in(data_dir / "backups")
        report["restore_s"], restore = icafe(stack.data_dir, "restore", str(archive), "--json")
        restored = json.loads(restore.stdout) if restore.stdout else {}
        report["restored_ok"] = bool(restored.get("ok"))
        ok = not failed and backup.returncode == 0 and restore.returncode == 0 and report["restored_ok"]
        if not ok:
            report["errors"] = {
                "payments_failed": failed,
                "backup": backup.stderr[-400:],
                "restore": restore.stderr[-400:],
            }
    finally:
        stack.stop()
        if options.data_dir is None and ok:
            shutil.rmtree(data_dir, ignore_errors=True)
    if options.json:
        print(json.dumps(report))
    else:
        mib = 1024 * 1024
        written_line = f"{options.transactions} top-ups written in {report['write_s']} s"
        print(f"{written_line} ({report.get('documents')} documents in the store)")
        store_mib = report["store_file_bytes"] / mib
        print(
            f"baseline: SQLite snapshot of the {store_mib:.1f} MiB store file: {report['snapshot_copy_s']} s"
        )
        if report.get("archive_bytes"):
            print(f"icafe backup:  {report['backup_s']} s, archive {report['archive_bytes'] / mib:.1f} MiB")
        print(f"icafe restore: {report['restore_s']} s, {'verified' if report['restored_ok'] else 'FAILED'}")
        for what, error in report.get("errors", {}).items():
            print(f"  {what}: {error}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
