"""The reports' pure core: rollups of days merge to the fold of everything at once, and the figures they
give agree with the ledger's own arithmetic, for any transactions and sessions (hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.ledger import (
    AccountKind,
    Line,
    Posting,
    balance_of,
    branch_account,
    member_account,
    revenue_account,
    session_charge,
    transfer,
    trial_balance,
)
from hub.reports import views
from hub.reports.calendar import (
    BadRange,
    DateRange,
    day_end,
    day_of,
    day_start,
    hour_slices,
    parse_range,
    period_of,
    zone,
)
from hub.reports.facts import Facts, fold_days, fold_session, fold_transaction, merge_all
from hub.store.sessions import SessionRecord, SessionState
from hub.store.transactions import LedgerTransaction, TxItem, TxKind
from protocol import SessionKind

IDS = itertools.count()
TZ = zone("Asia/Tashkent")
NEW_YORK = zone("America/New_York")  # has DST changes
BASE = 1_767_225_600_000  # 2026-01-01T00:00Z
YEAR_MS = 366 * 86_400_000
CASH, CARD = branch_account(AccountKind.CASH, "main"), branch_account(AccountKind.CARD, "main")
TIME, PRODUCTS = revenue_account("time", "main"), revenue_account("products", "main")
REFUNDS = branch_account(AccountKind.REFUNDS, "main")
UNCOLLECTED = branch_account(AccountKind.UNCOLLECTED, "main")

moments = st.integers(BASE, BASE + YEAR_MS)
amounts = st.integers(1, 5_000_000)
members = st.sampled_from(["m1", "m2", "m3"])
staff = st.sampled_from(["aziz", "dilnoza", None])


def _tx(kind: TxKind, purpose: str, amount: int, at: int, posting, **details) -> LedgerTransaction:  # type: ignore[no-untyped-def]
    return LedgerTransaction(
        id=f"t{next(IDS)}",
        idem=f"i{next(IDS)}",
        kind=kind,
        purpose=purpose,
        amount=amount,
        currency="UZS",
        branch="main",
        at=at,
        posting=posting,
        **details,
    )


@st.composite
def transactions(draw: st.DrawFn) -> LedgerTransaction:
    at, amount, member, who = draw(moments), draw(amounts), draw(members), draw(staff)
    choice = draw(st.sampled_from(["topup", "sale", "session", "charge", "refund", "adjust"]))
    source = draw(st.sampled_from([CASH, CARD, member_account(member)]))
    method = {CASH: "cash", CARD: "card"}.get(source, "balance")
    desk = {"staff": who, "shift_id": f"sh-{who}" if who else None, "method": method}
    if choice == "topup":
        src = CARD if source == member_account(member) else source
        return _tx(
            TxKind.PAYMENT,
            "topup",
            amount,
            at,
            transfer(src, member_account(member), amount),
            member_id=member,
            **(desk | {"method": "card" if src == CARD else "cash"}),
        )
    if choice == "sale":
        qty = draw(st.integers(1, 5))
        item = TxItem(
            "product", qty, amount, qty * amount, product_id=draw(st.sampled_from(["tea", "cola"])), name="x"
        )
        return _tx(
            TxKind.PAYMENT,
            "sale",
            qty * amount,
            at,
            transfer(source, PRODUCTS, qty * amount),
            items=(item,),
            member_id=member if method == "balance" else None,
            **desk,
        )
    if choice == "session":
        return _tx(TxKind.PAYMENT, "session", amount, at, transfer(source, TIME, amount), **desk)
    if choice == "charge":
        balance = draw(st.integers(0, 6_000_000))
        posting = session_charge(member_account(member), TIME, UNCOLLECTED, amount, balance)
        return _tx(TxKind.CHARGE, "session", amount, at, posting, member_id=member, method="balance")
    if choice == "refund":
        posting = Posting((Line(REFUNDS, amount), Line(source, -amount)))  # the money goes back
        return _tx(TxKind.REFUND, "sale", amount, at, posting, refund_of="p", **desk)
    posting = transfer(branch_account(AccountKind.ADJUSTMENTS, "main"), member_account(member), amount)
    return _tx(TxKind.ADJUSTMENT, "adjustment", amount, at, posting, member_id=member)


@st.composite
def sessions(draw: st.DrawFn) -> SessionRecord:
    created = draw(moments)
    state = draw(st.sampled_from(list(SessionState)))
    used = draw(st.integers(0, 12 * 3_600_000))
    started = created + draw(st.integers(0, 600_000)) if state is not SessionState.PENDING else None
    return SessionRecord(
        id=f"s{next(IDS)}",
        pc_id=draw(st.sampled_from(["pc-1", "pc-2", "pc-3"])),
        kind=draw(st.sampled_from(list(SessionKind))),
        state=state,
        created_at=created,
        tariff_id=draw(st.sampled_from(["day", "night"])),
        member_id=draw(st.one_of(st.none(), members)),
        started_at=started,
        ended_at=started + used + draw(st.integers(0, 600_000))
        if started and state is SessionState.ENDED
        else None,
        used_ms=used,
        cost=draw(st.one_of(st.none(), st.integers(0, 100_000))),
    )


ZONES = {"pc-1": "VIP", "pc-2": "Hall", "pc-3": ""}


def fold_all(txs: list[LedgerTransaction], sess: list[SessionRecord], tz=TZ) -> Facts:  # type: ignore[no-untyped-def]
    facts = Facts()
    for tx in txs:
        fold_transaction(facts, tx)
    for session in sess:
        fold_session(facts, session, ZONES, tz)
    return facts


@settings(max_examples=150, deadline=None)
@given(st.lists(transactions(), max_size=40), st.lists(sessions(), max_size=25), st.randoms())
def test_days_merge_to_the_fold_of_everything(txs, sess, rnd) -> None:  # type: ignore[no-untyped-def]
    """The rollup of each day, merged in any order, is the full recomputation."""
    days = fold_days(txs, sess, ZONES, TZ)
    parts = list(days.values())
    rnd.shuffle(parts)
    assert merge_all(parts) == fold_all(txs, sess)
    # and each day holds only that day's records
    for day, facts in days.items():
        assert facts == fold_all(
            [t for t in txs if day_of(t.at, TZ) == day], [s for s in sess if day_of(s.created_at, TZ) == day]
        )


@settings(max_examples=150, deadline=None)
@given(st.lists(transactions(), max_size=40), st.lists(sessions(), max_size=10))
def test_stored_form_round_trips(txs, sess) -> None:  # type: ignore[no-untyped-def]
    facts = fold_all(txs, sess)
    assert Facts.from_document(facts.to_document()) == facts


@settings(max_examples=150, deadline=None)
@given(st.lists(transactions(), max_size=60))
def test_figures_agree_with_the_ledger(txs) -> None:  # type: ignore[no-untyped-def]
    days = fold_days(txs, [], ZONES, TZ)
    taken = views.takings(views.Rollup.of(days), "month")
    paid = sum(t.amount for t in txs if t.kind is TxKind.PAYMENT)
    refunded = sum(t.amount for t in txs if t.kind is TxKind.REFUND)
    assert taken["total"] == paid - refunded
    assert sum(row["net"] for row in taken["by_period"]) == taken["total"]
    assert sum(row["net"] for row in taken["by_method"]) == taken["total"]
    assert sum(row["net"] for row in taken["by_staff"]) == taken["total"]
    sums = trial_balance(t.posting for t in txs)
    held = views.outstanding(merge_all(days.values()), 0)
    assert held.members == sum(balance_of(a, s) for a, s in sums.items() if a.startswith("member:"))
    earned = views.revenue(views.Rollup.of(days), "day", held)
    assert earned["earned"]["time"] == balance_of(TIME, sums.get(TIME, 0))
    assert earned["earned"]["products"] == balance_of(PRODUCTS, sums.get(PRODUCTS, 0))
    assert earned["refunds"] == sums.get(REFUNDS, 0)
    assert earned["uncollected"] == sums.get(UNCOLLECTED, 0)
    assert sum(row["net"] for row in earned["by_period"]) == earned["net"]


@settings(max_examples=100, deadline=None)
@given(st.lists(sessions(), max_size=30))
def test_usage_counts_ended_sessions_and_their_hours(sess) -> None:  # type: ignore[no-untyped-def]
    span = DateRange(dt.date(2026, 1, 1), dt.date(2027, 1, 2))
    report = views.usage(views.Rollup.of(fold_days([], sess, ZONES, TZ)), "week", span, ZONES)
    ended = [s for s in sess if s.state is SessionState.ENDED and s.started_at is not None]
    assert report["sessions"] == len(ended)
    assert report["used_ms"] == sum(s.used_ms for s in ended)
    assert sum(cell["occupied_ms"] for cell in report["heatmap"]) == sum(
        (s.ended_at or 0) - (s.started_at or 0) for s in ended
    )
    assert report["open"] == sum(s.state in (SessionState.PENDING, SessionState.ACTIVE) for s in sess)
    assert set(report["idle_pcs"]) == set(ZONES) - {s.pc_id for s in ended}
    assert all(cell["share"] >= 0 for cell in report["heatmap"])


@given(st.integers(BASE, BASE + YEAR_MS), st.integers(0, 3 * 86_400_000), st.sampled_from([TZ, NEW_YORK]))
def test_hours_cover_an_interval_exactly(start, length, tz) -> None:  # type: ignore[no-untyped-def]
    slices = list(hour_slices(start, start + length, tz))
    assert sum(ms for _, _, ms in slices) == length
    assert all(0 < ms <= 3_600_000 for _, _, ms in slices)


@given(moments, st.sampled_from([TZ, NEW_YORK]))
def test_an_instant_falls_within_its_day(at, tz) -> None:  # type: ignore[no-untyped-def]
    day = day_of(at, tz)
    assert day_start(day, tz) <= at < day_end(day, tz)
    assert period_of(day, "week").weekday() == 0
    assert period_of(day, "month").day == 1


def test_ranges_are_checked() -> None:
    today = dt.date(2026, 11, 30)
    assert parse_range(None, None, today) == DateRange(dt.date(2026, 11, 24), today)
    assert parse_range("2026-01-01", "2026-01-31", today).days == 31
    with pytest.raises(BadRange, match="after"):
        parse_range("2026-02-01", "2026-01-01", today)
    with pytest.raises(BadRange, match="YYYY-MM-DD"):
        parse_range("yesterday", None, today)
    with pytest.raises(BadRange, match="at most"):
        parse_range("2000-01-01", "2026-01-01", today)


def test_balances_fall_in_buckets() -> None:
    buckets = views.balance_buckets([0, 0, 5, 999, 1000, 250_000, 10**12])
    assert sum(b["members"] for b in buckets) == 7
    assert buckets[0] == {"at_least": 0, "below": 1, "members": 2}
    assert buckets[1] == {"at_least": 1, "below": 1000, "members": 2}
    assert buckets[-1]["below"] is None
    assert buckets[-1]["members"] == 1
