"""The reports benchmark: how long each report takes over months and a year of a busy branch, read from
the per-day rollups, against the baseline of folding the same days from their records.

Usage::

    python bench/reports.py [--days D] [--per-day T] [--sessions-per-day S] [--pcs P] [--members M]
                            [--reads R] [--json] [--compare BEFORE.json]

It starts the embedded store (nx-27017) alone on a loopback port in a fresh temporary directory, opens
the repositories on it (the hub's indexes) and seeds one branch (timezone Asia/Tashkent) with D days of
activity ending yesterday: P PCs in three zones, M members, 50 products, and each day about T ledger
transactions (cash and card top-ups, sales by cash, card and balance, guest session payments, members'
session charges, voucher sales, refunds) and S sessions, busier in the evening and at weekends. The
transactions are written as the ledger stores them (``LedgerRepository``'s rows, with their sequence
numbers, receipt numbers and unique claims), in batches: posting them one by one through the ledger's
checks would take hours at this size.

Then it measures:

* **seeding**: the wall time to write the data set, and ``icafe reports rebuild``'s (every closed day's
  rollup built from its records);
* **reports**: each report (takings, revenue, usage, members, staff) for the last 30 days and the last
  365 (or D) days, R times each: p50, p99 and max in ms, read as the API reads them (``hub.reports``, a
  new reader per request), and what one read sends to the store: round trips (commands), documents
  returned and their size;
* **members without running totals**: the year's members report read once after the months' running
  totals are dropped (as after an upgrade): it sums the months before the range and stores their totals;
* **baseline**: the same ranges folded from their records without rollups (a full recomputation: every
  transaction and session of the range read and folded), timed once for the year and three times for the
  month.

It prints a table, each report's figures next to the baseline's (and next to an earlier run's, given its
``--json`` output with ``--compare``), or with ``--json`` one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import bson
from pymongo import monitoring

from billing.ledger import (
    AccountKind,
    Line,
    Posting,
    branch_account,
    member_account,
    revenue_account,
    session_charge,
    transfer,
    voucher_account,
)
from hub.reports.calendar import DateRange, Grouping, day_start, zone
from hub.reports.facts import merge_all
from hub.reports.service import Reports
from hub.store import BranchRecord, MemberRecord, PcGroup, Store, open_store
from hub.store.ledger import LedgerRepository
from hub.store.sessions import SessionRecord, SessionState
from hub.store.transactions import LedgerTransaction, Position, Slot, TxItem, TxKind
from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port
from protocol import SessionKind

BRANCH = "main"
TZ = "Asia/Tashkent"
CASH, CARD = branch_account(AccountKind.CASH, BRANCH), branch_account(AccountKind.CARD, BRANCH)
TIME, PRODUCTS = revenue_account("time", BRANCH), revenue_account("products", BRANCH)
REFUNDS = branch_account(AccountKind.REFUNDS, BRANCH)
UNCOLLECTED = branch_account(AccountKind.UNCOLLECTED, BRANCH)
CASHIERS = ("aziz", "dilnoza", "javlon", "malika")
ZONES = ("Hall", "VIP", "Bootcamp")
# The share of a day's activity in each local hour: quiet mornings, busy evenings.
HOURLY = (2, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 7, 7, 8, 9, 10, 11, 12, 12, 11, 8, 4)
BATCH = 1000
HOUR_MS = 3_600_000


class Seeder:
    """Builds the branch's history in memory, a day at a time, and writes it in batches."""

    def __init__(self, store: Store, options: argparse.Namespace, rnd: random.Random) -> None:
        self.store, self.options, self.rnd = store, options, rnd
        self.balances: dict[str, int] = {}
        self.sequences: dict[tuple[Slot, str], int] = {}
        self.receipts = 0
        self.serial = 0
        self.pcs = [f"pc-{i:03d}" for i in range(options.pcs)]
        self.products = [(f"p{i:02d}", f"Product {i}", 5_000 + 1_000 * (i % 20)) for i in range(50)]
        self.members = [f"m{i:05d}" for i in range(options.members)]
        self.payments: list[LedgerTransaction] = []  # today's, for refunds
        self.transactions = 0
        self.sessions = 0

    def moment(self, day_ms: int) -> int:
        hour = self.rnd.choices(range(24), weights=HOURLY)[0]
        return day_ms + hour * HOUR_MS + self.rnd.randrange(HOUR_MS)

    def _next(self, slot: Slot, key: str) -> int:
        number = self.sequences.get((slot, key), 0) + 1
        self.sequences[(slot, key)] = number
        return number

    def row(self, tx: LedgerTransaction, *, receipt: bool) -> dict[str, Any]:
        """The transaction as the ledger stores it: its place in each sequence it extends."""
        positions: dict[Slot, Position] = {}
        for account, change in tx.posting.guarded_changes().items():
            slot = Slot.MEMBER if account.startswith("member:") else Slot.VOUCHER
            self.balances[account] = self.balances.get(account, 0) + change
            positions[slot] = Position(account, self._next(slot, account), self.balances[account])
        if receipt:
            positions[Slot.RECEIPT] = Position(BRANCH, self._next(Slot.RECEIPT, BRANCH))
        return LedgerRepository._row(tx, positions)

    def tx(
        self, kind: TxKind, purpose: str, amount: int, at: int, posting: Posting, **details: Any
    ) -> LedgerTransaction:
        self.serial += 1
        return LedgerTransaction(
            id=f"b{self.serial:09d}",
            idem=f"bench:{self.serial}",
            kind=kind,
            purpose=purpose,
            amount=amount,
            currency="UZS",
            branch=BRANCH,
            at=at,
            posting=posting,
            **details,
        )

    def day(self, day: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        rnd = self.rnd
        day_ms = day_start(day, zone(TZ))
        weekend = day.weekday() >= 5
        busy = 1.3 if weekend else 1.0
        rows: list[dict[str, Any]] = []
        sessions: list[dict[str, Any]] = []
        self.payments = []
        shift = f"shift-{day.isoformat()}"
        for _ in range(int(self.options.per_day * busy * rnd.uniform(0.8, 1.2))):
            at = self.moment(day_ms)
            staff = rnd.choice(CASHIERS)
            desk = {"staff": staff, "staff_id": staff, "shift_id": f"{shift}-{staff}"}
            pick = rnd.random()
            if pick < 0.25:  # a top-up
                member = rnd.choice(self.members)
                amount = rnd.choice((10_000, 20_000, 50_000, 100_000)) * 100
                source = rnd.choice((CASH, CARD))
                tx = self.tx(
                    TxKind.PAYMENT,
                    "topup",
                    amount,
                    at,
                    transfer(source, member_account(member), amount),
                    method="cash" if source == CASH else "card",
                    member_id=member,
                    source=source,
                    destination=member_account(member),
                    items=(TxItem.single("topup", amount),),
                    **desk,
                )
            elif pick < 0.55:  # goods at the counter
                product_id, name, price = rnd.choice(self.products)
                quantity = rnd.randint(1, 3)
                amount = price * quantity * 100
                member = rnd.choice(self.members)
                account = member_account(member)
                by_balance = rnd.random() < 0.3 and self.balances.get(account, 0) >= amount
                source = account if by_balance else rnd.choice((CASH, CARD))
                method = "balance" if by_balance else ("cash" if source == CASH else "card")
                item = TxItem("product", quantity, price * 100, amount, product_id=product_id, name=name)
                tx = self.tx(
                    TxKind.PAYMENT,
                    "sale",
                    amount,
                    at,
                    transfer(source, PRODUCTS, amount),
                    method=method,
                    member_id=member if by_balance else None,
                    payer=member if by_balance else None,
                    source=source,
                    destination=PRODUCTS,
                    items=(item,),
                    **desk,
                )
            elif pick < 0.75:  # a guest pays for their time
                amount = rnd.randint(1, 5) * 12_000 * 100
                source = rnd.choice((CASH, CARD))
                tx = self.tx(
                    TxKind.PAYMENT,
                    "session",
                    amount,
                    at,
                    transfer(source, TIME, amount),
                    method="cash" if source == CASH else "card",
                    source=source,
                    destination=TIME,
                    **desk,
                )
            elif pick < 0.97:  # a member's session charged to their balance
                member = rnd.choice(self.members)
                account = member_account(member)
                amount = rnd.randint(1, 4) * 12_000 * 100
                posting = session_charge(account, TIME, UNCOLLECTED, amount, self.balances.get(account, 0))
                tx = self.tx(
                    TxKind.CHARGE,
                    "session",
                    amount,
                    at,
                    posting,
                    method="balance",
                    member_id=member,
                    session_id=f"charge-{self.serial}",
                    uncollected=amount - posting.guarded_spends().get(account, 0),
                )
                rows.append(self.row(tx, receipt=False))
                continue
            elif pick < 0.985:  # a voucher sold
                amount = 50_000 * 100
                voucher = voucher_account(f"v{self.serial + 1}")
                tx = self.tx(
                    TxKind.PAYMENT,
                    "voucher",
                    amount,
                    at,
                    transfer(CASH, voucher, amount),
                    method="cash",
                    voucher_id=f"v{self.serial + 1}",
                    source=CASH,
                    destination=voucher,
                    **desk,
                )
            elif self.payments:  # a refund of a cash or card sale earlier today
                paid = rnd.choice(self.payments)
                amount = max(1, paid.amount // 2)
                posting = Posting((Line(REFUNDS, amount), Line(paid.source or CASH, -amount)))
                tx = self.tx(
                    TxKind.REFUND,
                    "sale",
                    amount,
                    max(at, paid.at + 1),
                    posting,
                    method=paid.method,
                    refund_of=paid.id,
                    reason="returned",
                    **desk,
                )
                self.payments.remove(paid)
            else:
                continue
            rows.append(self.row(tx, receipt=True))
            if tx.kind is TxKind.PAYMENT and tx.purpose == "sale" and tx.method in ("cash", "card"):
                self.payments.append(tx)
        for _ in range(int(self.options.sessions_per_day * busy * rnd.uniform(0.8, 1.2))):
            self.serial += 1
            created = self.moment(day_ms)
            used = rnd.randint(10, 300) * 60_000
            player = rnd.choice(self.members) if rnd.random() < 0.6 else None
            record = SessionRecord(
                id=f"s{self.serial:09d}",
                pc_id=rnd.choice(self.pcs),
                kind=SessionKind.MEMBER
                if member
                else rnd.choice((SessionKind.PREPAID, SessionKind.POSTPAID)),
                state=SessionState.ENDED,
                created_at=created,
                tariff_id=rnd.choice(("standard", "night", "vip")),
                member_id=player,
                started_by=rnd.choice(CASHIERS),
                started_at=created + 5_000,
                ended_at=created + 5_000 + used,
                used_ms=used,
                cost=used // 60_000 * 200 * 100,
            )
            sessions.append(record.to_document())
        self.transactions += len(rows)
        self.sessions += len(sessions)
        return rows, sessions

    async def seed(self, days: DateRange) -> None:
        store = self.store
        await store.branches.save(BranchRecord(id=BRANCH, name="Bench", timezone=TZ))
        for i, name in enumerate(ZONES):
            await store.tariffs.save_group(PcGroup(f"g{i}", name, "standard"))
        for i, pc in enumerate(self.pcs):
            await store.pcs.record_seen(pc, BRANCH, 1)
            await store.pcs.set_group(
                pc, f"g{0 if i < len(self.pcs) * 0.7 else 1 if i < len(self.pcs) * 0.9 else 2}"
            )
        first_ms = day_start(days.first, zone(TZ))
        span_ms = day_start(days.last, zone(TZ)) - first_ms
        for member in self.members:
            joined = first_ms + self.rnd.randrange(max(1, span_ms))
            await store.members.create(MemberRecord(member, f"login-{member}", member, "x", joined))
        ledger, sessions = store.db["ledger"], store.db["sessions"]
        pending: list[dict[str, Any]] = []
        pending_sessions: list[dict[str, Any]] = []
        for day in days.each():
            rows, day_sessions = self.day(day)
            pending += rows
            pending_sessions += day_sessions
            if len(pending) >= BATCH:
                await ledger.insert_many(pending, ordered=False)
                pending = []
            if len(pending_sessions) >= BATCH:
                await sessions.insert_many(pending_sessions, ordered=False)
                pending_sessions = []
        if pending:
            await ledger.insert_many(pending, ordered=False)
        if pending_sessions:
            await sessions.insert_many(pending_sessions, ordered=False)


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p99_ms": round(p99, 1),
        "max_ms": round(ordered[-1], 1),
    }


class Traffic(monitoring.CommandListener):
    """Commands sent to the store, the documents their answers carried, and (while ``sizing``, since
    encoding every answer again would slow the timed reads) the answers' size."""

    def __init__(self) -> None:
        self.commands = 0
        self.documents = 0
        self.bytes = 0
        self.sizing = False

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        cursor = event.reply.get("cursor") or {}
        self.documents += len(cursor.get("firstBatch") or cursor.get("nextBatch") or ())
        if self.sizing:
            self.bytes += len(bson.encode(event.reply))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


async def traffic(counter: Traffic, call: Callable[[], Awaitable[Any]]) -> dict[str, int]:
    """What one call sends to the store."""
    commands, documents, size = counter.commands, counter.documents, counter.bytes
    counter.sizing = True
    try:
        await call()
    finally:
        counter.sizing = False
    return {
        "round_trips": counter.commands - commands,
        "documents": counter.documents - documents,
        "kb": round((counter.bytes - size) / 1024),
    }


async def timed(call: Callable[[], Awaitable[Any]], times: int) -> dict[str, float]:
    samples = []
    for _ in range(times):
        began = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - began) * 1000)
    return percentiles(samples)


REPORTS = ("takings", "revenue", "usage", "members", "staff")
# The grouping each report is read with.
GROUPS: dict[str, Grouping] = {"takings": "day", "revenue": "month", "usage": "week", "members": "month"}


def reader(store: Store, branch: BranchRecord, name: str, span: DateRange) -> Callable[[], Awaitable[Any]]:
    """One read of report ``name`` as the API makes it (a new ``Reports`` per request)."""

    async def call() -> Any:
        reports = Reports(store, store.reports, BRANCH)
        if name == "staff":
            return await reports.staff(branch, span)
        return await getattr(reports, name)(branch, span, GROUPS[name])

    return call


async def bench(url: str, options: argparse.Namespace) -> dict[str, Any]:
    counter = Traffic()
    store = await open_store(
        url, f"bench_{uuid.uuid4().hex[:8]}", socket_timeout_ms=600_000, listeners=[counter]
    )
    try:
        reports = Reports(store, store.reports, BRANCH)
        today = dt.datetime.now(zone(TZ)).date()
        history = DateRange(today - dt.timedelta(days=options.days), today - dt.timedelta(days=1))
        seeder = Seeder(store, options, random.Random(7))
        began = time.perf_counter()
        await seeder.seed(history)
        seeded = time.perf_counter() - began
        branch = await reports.branch(BRANCH)
        began = time.perf_counter()
        built = await reports.rebuild(branch)
        rebuilt = time.perf_counter() - began
        result: dict[str, Any] = {
            "days": options.days,
            "transactions": seeder.transactions,
            "sessions": seeder.sessions,
            "pcs": options.pcs,
            "members": options.members,
            "seed_s": round(seeded, 1),
            "rebuild_s": round(rebuilt, 1),
            "rebuilt_days": built,
        }
        ranges = {"month": 30, "year": min(365, options.days)}
        for label, length in ranges.items():
            span = DateRange(today - dt.timedelta(days=length - 1), today)

            for name in REPORTS:
                call = reader(store, branch, name, span)
                result[f"{label}_{name}"] = await timed(call, options.reads) | await traffic(counter, call)

            async def recompute(span: DateRange = span) -> None:
                zones = await reports.zones(branch)
                merge_all([await reports.fold_day(branch, day, zones) for day in span.each()])

            result[f"{label}_baseline_recompute"] = await timed(
                recompute, 1 if label == "year" else 3
            ) | await traffic(counter, recompute)

        # The year's members report with no running totals stored (after an upgrade, or a month closed
        # late): it adds up every month before the range and stores their totals as it goes, once.
        await store.db["report_months"].update_many(
            {}, {"$unset": dict.fromkeys(("c_accounts", "c_members", "c_since"), "")}
        )
        began = time.perf_counter()
        year = DateRange(today - dt.timedelta(days=ranges["year"] - 1), today)
        figures = await traffic(counter, reader(store, branch, "members", year))
        once = round((time.perf_counter() - began) * 1000, 1)
        result["year_members_without_totals"] = {"p50_ms": once, "p99_ms": once, "max_ms": once} | figures
        return result
    finally:
        await store.client.drop_database(store.db.name)
        await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--per-day", type=int, default=250, help="ledger transactions on an ordinary day")
    parser.add_argument("--sessions-per-day", type=int, default=80)
    parser.add_argument("--pcs", type=int, default=100)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--compare", type=Path, help="an earlier run's --json output, shown alongside")
    options = parser.parse_args()
    before = json.loads(options.compare.read_text()) if options.compare else None
    data_dir = Path(tempfile.mkdtemp(prefix="icafe-bench-reports-"))
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
        print(table(report, before))
    return 0


def _cell(figures: dict[str, Any] | None) -> str:
    if not figures:
        return "-"
    cell = f"{figures['p50_ms']:.0f} / {figures['p99_ms']:.0f} ms"
    if "round_trips" in figures:
        size = f", {figures['kb']:,} kB" if "kb" in figures else ""
        cell += f" ({figures['round_trips']} trips, {figures['documents']} docs{size})"
    return cell


def table(report: dict[str, Any], before: dict[str, Any] | None) -> str:
    """Each report's p50 / p99 (and what one read sends to the store) for the month and the year, next
    to the baseline (a full recomputation) and to ``before`` (an earlier run) when given."""
    lines = [
        f"{report['days']} days: {report['transactions']} transactions, {report['sessions']} sessions, "
        f"{report['pcs']} PCs, {report['members']} members; seeded in {report['seed_s']} s, "
        f"rebuilt in {report['rebuild_s']} s ({report['rebuilt_days']} days)"
    ]
    header = ["report", "30 days", "365 days"]
    if before:
        header = ["report", "30 days", "before", "365 days", "before"]
    rows = [header]
    labels = {
        "baseline_recompute": "baseline: recomputed from the records",
        "members_without_totals": "members, first read, no running totals stored (once)",
    }
    for name in (*REPORTS, "members_without_totals", "baseline_recompute"):
        row = [labels.get(name, name)]
        for label in ("month", "year"):
            row.append(_cell(report.get(f"{label}_{name}")))
            if before:
                row.append(_cell(before.get(f"{label}_{name}")))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
