"""Reports over the real hub and store: takings equal the payment history, balances outstanding equal
``icafe ledger verify``, stored day and month rollups equal a full recomputation after any payments,
refunds, charges and sessions (and a replay adds nothing), every report over any range answers what the
recomputation gives, and bad ranges are refused with a message."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from typing import Any

import httpx
import pytest

from billing.ledger import (
    AccountKind,
    Line,
    Posting,
    branch_account,
    member_account,
    revenue_account,
    session_charge,
    transfer,
)
from hub.reports import views
from hub.reports.calendar import DateRange, day_end, day_of, day_start, zone
from hub.reports.facts import (
    RUNNING_SECTIONS,
    SECTIONS,
    Facts,
    add_daily,
    fold_session,
    fold_transaction,
    merge_all,
    only,
)
from hub.reports.service import Reports
from hub.store import BranchRecord, MemberRecord, Store
from hub.store.ledger import HistoryFilter
from hub.store.sessions import SessionRecord, SessionState
from hub.store.transactions import LedgerTransaction, TxItem, TxKind
from icafe.stack import LocalStack
from protocol import SessionKind

from .conftest import ADMIN_PASSWORD, create_staff, icafe
from .test_money_api import ensure_shift, new_member, new_product, pay, refund

SOM = 100


def _day_bounds(report: dict[str, Any]) -> tuple[int, int]:
    tz = zone(report["timezone"])
    first, last = dt.date.fromisoformat(report["first_day"]), dt.date.fromisoformat(report["last_day"])
    return day_start(first, tz), day_end(last, tz)


def _history(api: httpx.Client, since: int, until: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        page = api.get("/payments", params={"from": since, "to": until, "offset": len(rows), "limit": 500})
        assert page.status_code == 200, page.text
        rows += page.json()["items"]
        if len(rows) >= page.json()["total"]:
            return rows


def test_takings_equal_the_payment_history_and_its_export(api: httpx.Client) -> None:
    ensure_shift(api)
    member = new_member(api)
    product = new_product(api, 4_000 * SOM)
    top_up = pay(api, {"purpose": "topup", "method": "cash", "amount": 20_000 * SOM, "member_id": member})
    assert top_up.status_code == 201, top_up.text
    sale = {"purpose": "sale", "method": "cash", "items": [{"product_id": product, "quantity": 3}]}
    sold = pay(api, sale)
    assert sold.status_code == 201, sold.text
    by_balance = pay(api, sale | {"method": "balance", "member_id": member})
    assert by_balance.status_code == 201, by_balance.text
    given = refund(
        api, sold.json()["id"], {"amount": 4_000 * SOM, "reason": "spilled", "password": ADMIN_PASSWORD}
    )
    assert given.status_code == 201, given.text

    report = api.get("/reports/takings", params={"group": "day"})
    assert report.status_code == 200, report.text
    takings = report.json()
    since, until = _day_bounds(takings)
    history = _history(api, since, until)
    paid = sum(row["amount"] for row in history if row["kind"] == "payment")
    refunded = sum(row["amount"] for row in history if row["kind"] == "refund")
    assert (takings["paid"], takings["refunded"]) == (paid, refunded)
    assert takings["total"] == paid - refunded
    exported = api.get("/payments/export.csv", params={"from": since, "to": until})
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    signed = sum(int(row["amount_minor"]) * (1 if row["kind"] == "payment" else -1) for row in rows)
    assert signed == takings["total"]
    assert sum(row["net"] for row in takings["by_method"]) == takings["total"]
    assert sum(row["net"] for row in takings["by_period"]) == takings["total"]
    assert {row["method"] for row in takings["by_method"]} >= {"cash", "balance"}
    assert any(row["staff"] == "admin" and row["refunds"] >= 1 for row in takings["by_staff"])


def test_balances_outstanding_equal_the_ledger_verify(stack: LocalStack, api: httpx.Client) -> None:
    ensure_shift(api)
    member = new_member(api)
    assert (
        pay(
            api, {"purpose": "topup", "method": "cash", "amount": 7_000 * SOM, "member_id": member}
        ).status_code
        == 201
    )
    revenue = api.get("/reports/revenue", params={"group": "month"})
    assert revenue.status_code == 200, revenue.text
    verified = icafe(stack, "ledger", "verify", "--json")
    assert verified.returncode == 0, verified.stderr
    balances = json.loads(verified.stdout)["balances"]
    members = sum(value for account, value in balances.items() if account.startswith("member:"))
    vouchers = sum(value for account, value in balances.items() if account.startswith("voucher:"))
    assert revenue.json()["outstanding"]["members"] == members
    assert revenue.json()["outstanding"]["vouchers"] == vouchers
    assert members >= 7_000 * SOM


def test_the_other_reports_answer_and_bad_ranges_are_refused(
    stack: LocalStack, api: httpx.Client, token: str
) -> None:
    for name in ("usage", "members", "staff"):
        answer = api.get(f"/reports/{name}", params={"from": "2026-01-01", "to": "2026-03-31"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["first_day"] == "2026-01-01"
    usage = api.get("/reports/usage", params={"group": "week"}).json()
    assert len(usage["heatmap"]) == 7 * 24
    backwards = api.get("/reports/takings", params={"from": "2026-03-01", "to": "2026-02-01"})
    assert backwards.status_code == 400
    assert "swap" in backwards.json()["error"]["message"]
    not_a_date = api.get("/reports/revenue", params={"from": "last week"})
    assert not_a_date.status_code == 400
    assert not_a_date.json()["error"]["message"].startswith("from:")
    assert api.get("/reports/takings", params={"group": "year"}).status_code == 400
    assert api.get("/reports/takings", params={"branch": "nowhere"}).status_code == 404
    cashier = create_staff(stack, token, "cashier")
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=cashier.headers, timeout=15) as client:
        assert client.get("/reports/takings").status_code == 403
    rebuilt = icafe(stack, "reports", "rebuild", "--json")
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "main" in json.loads(rebuilt.stdout)["days"]


# ---- rollups against a full recomputation, on the real store ---------------------------------------------

TZ_NAME = "Asia/Tashkent"
FIRST_DAY = dt.date(2026, 2, 20)
DAYS = 40  # to the end of March: a whole month between two stretches of days
CASH, CARD = branch_account(AccountKind.CASH, "main"), branch_account(AccountKind.CARD, "main")
TIME, PRODUCTS = revenue_account("time", "main"), revenue_account("products", "main")


def _random_history(rnd: random.Random) -> tuple[list[LedgerTransaction], list[SessionRecord]]:
    tz = zone(TZ_NAME)
    start = day_start(FIRST_DAY, tz)
    span_ms = day_end(FIRST_DAY + dt.timedelta(days=DAYS - 1), tz) - start
    txs: list[LedgerTransaction] = []
    sessions: list[SessionRecord] = []
    balances = {f"m{i}": 0 for i in range(4)}
    for n in range(160):
        at = start + rnd.randrange(span_ms)
        member = rnd.choice(list(balances))
        op = rnd.choice(["topup", "sale", "charge", "refund", "session"])
        amount = rnd.randrange(1, 50_000) * SOM
        common = {"currency": "UZS", "branch": "main", "at": at, "staff": rnd.choice(["aziz", "dilnoza"])}
        if op == "topup":
            posting = transfer(CASH, member_account(member), amount)
            balances[member] += amount
            tx = LedgerTransaction(
                f"t{n}",
                f"rt{n}",
                TxKind.PAYMENT,
                "topup",
                amount,
                posting=posting,
                method="cash",
                member_id=member,
                **common,
            )
        elif op == "sale":
            item = TxItem("product", 2, amount, 2 * amount, product_id=rnd.choice(["tea", "cola"]), name="x")
            tx = LedgerTransaction(
                f"t{n}",
                f"rt{n}",
                TxKind.PAYMENT,
                "sale",
                2 * amount,
                posting=transfer(CARD, PRODUCTS, 2 * amount),
                method="card",
                items=(item,),
                **common,
            )
        elif op == "charge":
            uncollected = branch_account(AccountKind.UNCOLLECTED, "main")
            posting = session_charge(member_account(member), TIME, uncollected, amount, balances[member])
            balances[member] -= min(amount, balances[member])
            tx = LedgerTransaction(
                f"t{n}",
                f"rt{n}",
                TxKind.CHARGE,
                "session",
                amount,
                posting=posting,
                method="balance",
                member_id=member,
                session_id=f"s{n}",
                **common,
            )
        elif op == "refund":
            posting = Posting(
                (Line(branch_account(AccountKind.REFUNDS, "main"), amount), Line(CASH, -amount))
            )
            tx = LedgerTransaction(
                f"t{n}",
                f"rt{n}",
                TxKind.REFUND,
                "sale",
                amount,
                posting=posting,
                method="cash",
                refund_of="t0",
                **common,
            )
        else:
            used = rnd.randrange(60_000, 5 * 3_600_000)
            sessions.append(
                SessionRecord(
                    id=f"s{n}",
                    pc_id=rnd.choice(["pc-a", "pc-b", "pc-c"]),
                    kind=SessionKind.POSTPAID,
                    state=SessionState.ENDED,
                    created_at=at,
                    tariff_id="default",
                    member_id=member,
                    started_at=at,
                    ended_at=at + used,
                    used_ms=used,
                    cost=amount,
                )
            )
            continue
        txs.append(tx)
    return txs, sessions


def _recomputed(
    txs: list[LedgerTransaction], sessions: list[SessionRecord], zones: dict[str, str], joins: list[int]
) -> dict[dt.date, Facts]:
    """Every record folded at once, by day (each with its daily row): what the rollups must equal."""
    tz = zone(TZ_NAME)
    days: dict[dt.date, Facts] = {}
    for tx in txs:
        fold_transaction(days.setdefault(day_of(tx.at, tz), Facts()), tx)
    for session in sessions:
        if session.pc_id in zones:
            fold_session(days.setdefault(day_of(session.created_at, tz), Facts()), session, zones, tz)
    for at in joins:
        day = day_of(at, tz)
        days.setdefault(day, Facts()).add("joined", (day.isoformat(),), 1)
    return {day: add_daily(facts, day) for day, facts in days.items()}


def _expected(recomputed: dict[dt.date, Facts], span: DateRange) -> views.Rollup:
    """What a report over ``span`` reads, from the recomputation (every day in it, with or without
    records)."""
    return views.Rollup.of({day: recomputed.get(day) or add_daily(Facts(), day) for day in span.each()})


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rollups_equal_a_full_recomputation(store: Store, seed: int) -> None:
    rnd = random.Random(seed)
    await store.branches.create_if_missing(BranchRecord(id="main", name="Reports", timezone=TZ_NAME))
    for pc in ("pc-a", "pc-b"):  # pc-c is another branch's
        await store.pcs.record_seen(pc, "main", 1)
    await store.pcs.record_seen("pc-c", "annex", 1)
    txs, sessions = _random_history(rnd)
    for tx in txs:
        await store.ledger.post(tx, enforce=False)
    for session in sessions:
        await store.sessions.insert(session)
    later = day_end(FIRST_DAY + dt.timedelta(days=DAYS + 5), zone(TZ_NAME))
    reports = Reports(store, store.reports, "main", clock=lambda: later)
    branch = await reports.branch("main")
    span = DateRange(FIRST_DAY - dt.timedelta(days=1), FIRST_DAY + dt.timedelta(days=DAYS))
    zones = await reports.zones(branch)
    assert set(zones) == {"pc-a", "pc-b"}
    tz = zone(TZ_NAME)
    joins = [
        rnd.randrange(day_start(FIRST_DAY, tz), day_start(FIRST_DAY + dt.timedelta(days=DAYS), tz))
        for _ in range(4)
    ]
    for i, at in enumerate(joins):  # members who joined and did nothing yet
        await store.members.create(MemberRecord(f"new{i}", f"new-{i}", f"New {i}", "x", at))
    recomputed = _recomputed(txs, sessions, zones, joins)
    expected = _expected(recomputed, span).facts

    built = await reports.rollup(branch, span)  # folds each day, stores it and March (all closed)
    stored = await reports.days(branch, span)  # reads the stored day rollups back
    assert built.facts == expected
    assert merge_all(stored.values()) == expected
    assert len(await store.reports.days("main", span.first, span.last, ["desk"])) == span.days
    march = dt.date(2026, 3, 1)
    months = await store.reports.months("main", span.first, span.last, SECTIONS)
    assert list(months) == [march]  # February and April are cut by the span
    assert Facts.from_document(months[march]) == merge_all(
        stored[day] for day in DateRange(march, dt.date(2026, 3, 31)).each()
    )
    assert (
        await Reports(store, store.reports, "main", clock=lambda: later).rollup(branch, span)
    ).facts == expected

    # A replayed transaction (the same idempotency key) adds nothing; a rebuild gives the same days.
    assert not (await store.ledger.post(txs[0], enforce=False)).created
    assert await reports.rebuild(branch) >= DAYS
    assert merge_all((await reports.days(branch, span)).values()) == expected
    # the rebuild also folds the empty days of February before the first record: February is whole too
    assert list(await store.reports.months("main", span.first, span.last, SECTIONS)) == [
        march.replace(month=2),
        march,
    ]
    assert (
        await Reports(store, store.reports, "main", clock=lambda: later).rollup(branch, span)
    ).facts == expected

    # The rebuild stores the running totals of February (from the first transaction's day) and March: every
    # day up to the month's end. Balances read without one (never stored, dropped) fall back to the one
    # before or to every day, and store it again.
    since = day_of(min(tx.at for tx in txs), tz)

    def upto(last: dt.date) -> Facts:
        return _expected(recomputed, DateRange(since, last)).facts

    for month_end in (dt.date(2026, 2, 28), dt.date(2026, 3, 31)):
        found = await store.reports.running("main", since, month_end, RUNNING_SECTIONS)
        assert found is not None
        assert found[0] == month_end.replace(day=1)
        assert Facts.from_document(found[1]) == only(upto(month_end), RUNNING_SECTIONS)
    unset = {"$unset": {"c_accounts": "", "c_members": "", "c_since": ""}}
    await store.db["report_months"].update_one({"_id": "main|2026-03"}, unset)
    for last in (dt.date(2026, 3, 31), dt.date(2026, 3, 10), dt.date(2026, 4, 1)):
        reader = Reports(store, store.reports, "main", clock=lambda: later)
        balances = views.member_balances(await reader.history(last, ["members"]))
        assert balances == views.member_balances(upto(last))
        held = views.outstanding(await reader.history(last, ["accounts"]), 0)
        assert held == views.outstanding(upto(last), 0)
        await store.db["report_months"].update_one({"_id": "main|2026-02"}, unset)  # then February's too
    found = await store.reports.running("main", since, march, RUNNING_SECTIONS)
    assert found is not None
    assert found[0] == march  # stored again by the first read

    # Every report over any range (a fresh reader each time: months and days from the store) answers
    # what the recomputation gives.
    for _ in range(3):
        ends = sorted(rnd.sample(list(span.each()), 2))
        part, group = DateRange(ends[0], ends[1]), rnd.choice(["day", "week", "month"])
        reader = Reports(store, store.reports, "main", clock=lambda: later)
        want = _expected(recomputed, part)
        so_far = _expected(recomputed, DateRange(min(recomputed), part.last)).facts
        held = views.outstanding(so_far, day_end(part.last, zone(TZ_NAME)))
        assert await reader.takings(branch, part, group) == views.takings(want, group)
        assert await reader.revenue(branch, part, group) == views.revenue(want, group, held)
        assert await reader.usage(branch, part, group) == views.usage(want, group, part, zones)
        new = {day: sum(day_of(at, tz) == day for at in joins) for day in part.each()}
        members = await reader.members(branch, part, group)
        assert members == views.members(want, group, new, views.member_balances(so_far))
        assert members["new"] == sum(part.first <= day_of(at, tz) <= part.last for at in joins)
        assert await reader.staff(branch, part) == views.staff(want, [], [])

    # The reports' answers from rollups equal the ledger's own figures.
    group = rnd.choice(["day", "week", "month"])
    takings = await reports.takings(branch, span, group)
    assert takings["total"] == sum(t.amount for t in txs if t.kind is TxKind.PAYMENT) - sum(
        t.amount for t in txs if t.kind is TxKind.REFUND
    )
    history = await store.ledger.find(HistoryFilter(branch="main"))
    held = views.outstanding(merge_all(_recomputed(history, [], zones, []).values()), 0)
    revenue = await reports.revenue(branch, span, group)
    assert revenue["outstanding"]["members"] == held.members
    balances = await store.ledger.balances([member_account(f"m{i}") for i in range(4)])
    assert revenue["outstanding"]["members"] == sum(balances.values())
    members = await reports.members(branch, span, group)
    assert members["balances"]["total"] == sum(balances.values())
    assert members["balances"]["members"] == len(balances)
    usage = await reports.usage(branch, span, group)
    mine = [s for s in sessions if s.pc_id in zones]
    assert usage["sessions"] == len(mine)
    assert usage["used_ms"] == sum(s.used_ms for s in mine)
