"""The store-reads benchmark: what the repository layer's reads cost on the embedded store as data grows.

Usage::

    python bench/store_reads.py [--pcs N] [--ledger A,B] [--reads R] [--json]

It starts the embedded store (nx-27017) alone on a loopback port in a fresh temporary directory, opens the
repositories on it (``hub.store.open_store``: the hub's indexes) and measures, each as the mean of R reads:

* **counts** over N PCs: PyMongo's ``count_documents`` (an aggregation) against the count command the
  repositories use (``hub.store.counting``), unfiltered and filtered by site;
* **head reads** on the ledger at A, then B transactions (topped-up members, numbered receipts, a capped
  sequence per session, as payments make them): a member's balance, the branch's next receipt number and a
  cap's running total. Flat from A to B means each is served by an index; a scan grows with the ledger.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from billing.ledger import AccountKind, branch_account, member_account, transfer
from hub.store import Store, open_store
from hub.store.counting import count_matching
from hub.store.ledger import CapClaim
from hub.store.transactions import LedgerTransaction, Slot, TxKind
from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

CASH = branch_account(AccountKind.CASH, "main")


async def mean_ms(read: Callable[[], Awaitable[Any]], times: int) -> float:
    await read()  # warm
    began = time.perf_counter()
    for _ in range(times):
        await read()
    return round((time.perf_counter() - began) / times * 1000, 2)


async def counts(store: Store, pcs: int, reads: int) -> dict[str, float]:
    for i in range(pcs):
        await store.pcs.record_seen(f"pc-{i:05d}", "main" if i % 2 else "annex", i)
    collection = store.db["pcs"]
    return {
        "count_documents_all_ms": await mean_ms(lambda: collection.count_documents({}), reads),
        "count_command_all_ms": await mean_ms(lambda: count_matching(collection, {}), reads),
        "count_documents_site_ms": await mean_ms(lambda: collection.count_documents({"site": "main"}), reads),
        "count_command_site_ms": await mean_ms(lambda: count_matching(collection, {"site": "main"}), reads),
    }


async def grow_ledger(store: Store, start: int, end: int) -> None:
    for i in range(start, end):
        tx = LedgerTransaction.new(
            TxKind.PAYMENT,
            idem=f"bench:{i}",
            purpose="topup",
            amount=100,
            currency="UZS",
            branch="main",
            posting=transfer(CASH, member_account(f"m{i % 50}"), 100),
        )
        await store.ledger.post(tx, receipt_branch="main", cap=CapClaim(f"session:{i % 100}", 10**12, 100))


async def heads(store: Store, reads: int) -> dict[str, float]:
    return {
        "member_balance_ms": await mean_ms(lambda: store.ledger.balance(member_account("m7")), reads),
        # The read a payment makes for its receipt number (the ledger keeps it to itself).
        "receipt_head_ms": await mean_ms(lambda: store.ledger._head(Slot.RECEIPT, "main"), reads),
        "cap_total_ms": await mean_ms(lambda: store.ledger.capped_sum("session:5"), reads),
    }


async def bench(url: str, options: argparse.Namespace) -> dict[str, Any]:
    store = await open_store(url, f"bench_{uuid.uuid4().hex[:8]}")
    try:
        report: dict[str, Any] = {"pcs": options.pcs, **await counts(store, options.pcs, options.reads)}
        grown = 0
        for size in options.ledger:
            await grow_ledger(store, grown, size)
            grown = size
            report[f"ledger_{size}"] = await heads(store, options.reads)
        return report
    finally:
        await store.client.drop_database(store.db.name)
        await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pcs", type=int, default=2000)
    parser.add_argument("--ledger", type=lambda v: [int(n) for n in v.split(",")], default=[1000, 5000])
    parser.add_argument("--reads", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="icafe-bench-store-"))
    stack = LocalStack(StackConfig(data_dir=data_dir, http_port=free_port(), pcs=0))
    try:
        stack.prepare()
        stack.start_store()
        report = asyncio.run(bench(stack.mongo_url, options))
    finally:
        stack.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    if options.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
