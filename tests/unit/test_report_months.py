"""Month rollups: a month's facts are the sum of its days', and a report read from whole months plus the
days around them answers exactly what it answers from every day's facts, per day, week and month too; a
month's running total is the sum of every day up to its end, and balances read from the latest one stored
plus the days after it are those of every day, whichever totals are missing (hypothesis, pure)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from test_report_facts import TZ, ZONES, sessions, transactions  # its strategies (tests/unit is on the path)

from hub.reports import views
from hub.reports.calendar import (
    DateRange,
    last_month_end,
    month_days,
    month_pieces,
    period_of,
    split_months,
)
from hub.reports.facts import (
    RUNNING_SECTIONS,
    Facts,
    account_sum,
    add_daily,
    fold_days,
    merge_all,
    only,
    running_totals,
)

FIRST = dt.date(2026, 1, 1)
spans = st.tuples(st.integers(0, 400), st.integers(0, 400)).map(
    lambda ends: DateRange(FIRST + dt.timedelta(days=min(ends)), FIRST + dt.timedelta(days=max(ends)))
)


@given(spans)
def test_a_span_splits_into_whole_months_and_the_days_around_them(span: DateRange) -> None:
    months, stretches = split_months(span)
    covered = [day for month in months for day in month_days(month).each()]
    covered += [day for stretch in stretches for day in stretch.each()]
    assert sorted(covered) == list(span.each())  # every day once
    assert all(month.day == 1 and month_days(month).last <= span.last for month in months)
    assert len(stretches) <= 2
    for stretch in stretches:  # a stretch holds no whole month
        assert not any(day.day == 1 and month_days(day).last <= stretch.last for day in stretch.each())
    pieces = month_pieces(span)  # every day once, in order, a piece per month touched
    assert [day for piece in pieces for day in piece.each()] == list(span.each())
    assert all(month_days(piece.first) == month_days(piece.last) for piece in pieces)
    assert len(pieces) == len({day.replace(day=1) for day in span.each()})
    end = last_month_end(span.last)  # the last month's end on or before a day
    assert end <= span.last
    assert end == month_days(end).last
    assert all(month_days(day).last != day for day in DateRange(end, span.last).each() if day != end)


def _every_day(span: DateRange, txs, sess) -> dict[dt.date, Facts]:  # type: ignore[no-untyped-def]
    """Each day of ``span``, with or without records, as the service folds and stores it."""
    folded = fold_days(txs, sess, ZONES, TZ)
    return {day: add_daily(folded.get(day, Facts()), day) for day in span.each()}


def _old_by_period(days: dict[dt.date, Facts], group: views.Grouping) -> dict[dt.date, Facts]:
    """Each period's facts merged from its days: what the per-period rows were computed from before the
    daily rows."""
    periods: dict[dt.date, list[Facts]] = {}
    for day, facts in days.items():
        periods.setdefault(period_of(day, group), []).append(facts)
    return {period: merge_all(parts) for period, parts in sorted(periods.items())}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(transactions(), max_size=40),
    st.lists(sessions(), max_size=20),
    spans,
    st.sampled_from(["day", "week", "month"]),
)
def test_months_and_days_answer_as_every_day_does(txs, sess, span, group) -> None:  # type: ignore[no-untyped-def]
    days = _every_day(span, txs, sess)
    months, stretches = split_months(span)
    month_facts = [merge_all(days[day] for day in month_days(month).each()) for month in months]
    for month, facts in zip(months, month_facts, strict=True):  # a month is the sum of its days
        stored = Facts.from_document(facts.to_document())
        assert stored == merge_all(days[day] for day in month_days(month).each())
        assert len(stored.rows("daily")) == month_days(month).days
    parts = [Facts.from_document(f.to_document()) for f in month_facts]
    parts += [days[day] for stretch in stretches for day in stretch.each()]
    read = views.Rollup(merge_all(parts), tuple(span.each()))
    whole = views.Rollup.of(days)
    assert read.facts == whole.facts

    held = views.outstanding(read.facts, 0)
    assert views.takings(read, group) == views.takings(whole, group)
    assert views.revenue(read, group, held) == views.revenue(whole, group, held)
    assert views.usage(read, group, span, ZONES) == views.usage(whole, group, span, ZONES)
    balances = views.member_balances(read.facts)
    assert views.members(read, group, {}, balances) == views.members(whole, group, {}, balances)
    assert views.staff(read, [], []) == views.staff(whole, [], [])

    # Per period, the daily rows give what the period's merged facts give.
    periods = _old_by_period(days, group)
    taken = views.takings(read, group)["by_period"]
    earned = views.revenue(read, group, held)["by_period"]
    used = views.usage(read, group, span, ZONES)["by_period"]
    assert [row["period"] for row in taken] == [period.isoformat() for period in periods]
    for (period, facts), takings, revenue, usage in zip(periods.items(), taken, earned, used, strict=True):
        rows = facts.rows("desk").values()
        assert takings["paid"] == sum(v[1] for v in rows)
        assert takings["refunded"] == sum(v[3] for v in rows)
        assert takings["payments"] == sum(v[0] for v in rows)
        assert revenue["time"] == -account_sum(facts, "revenue:time")
        assert revenue["products"] == -account_sum(facts, "revenue:products")
        assert revenue["refunds"] == account_sum(facts, "refunds")
        assert usage["sessions"] == sum(v[0] for v in facts.rows("usage").values())
        assert usage["used_ms"] == sum(v[1] for v in facts.rows("usage").values())
        assert period.isoformat() == takings["period"] == revenue["period"] == usage["period"]


@settings(max_examples=50, deadline=None)
@given(
    st.lists(transactions(), max_size=40),
    st.lists(sessions(), max_size=20),
    spans,
    st.sets(st.integers(0, 14)),
    st.lists(st.integers(0, 400), min_size=1, max_size=4),
    st.sampled_from(["day", "week", "month"]),
)
def test_running_totals_sum_every_month_before_them_and_give_the_same_balances(  # type: ignore[no-untyped-def]
    txs, sess, span, missing, ends, group
) -> None:
    """``span.first`` stands for the branch's first day; a month's running total is stored unless its
    index is in ``missing``; balances are read at the end of each of ``ends`` days into the span."""
    days = _every_day(span, txs, sess)
    pieces = month_pieces(span)
    blocks = [merge_all(days[day] for day in piece.each()) for piece in pieces]
    totals = list(running_totals(Facts(), blocks))
    for piece, total in zip(pieces, totals, strict=True):
        every = merge_all(days[day] for day in DateRange(span.first, piece.last).each())
        assert Facts.from_document(total.to_document(RUNNING_SECTIONS)) == only(every, RUNNING_SECTIONS)
    for start in range(len(totals)):  # a chain continued from any stored total is the same chain
        assert list(running_totals(totals[start], blocks[start + 1 :])) == totals[start + 1 :]

    stored = {
        piece.last: Facts.from_document(total.to_document(RUNNING_SECTIONS))
        for index, (piece, total) in enumerate(zip(pieces, totals, strict=True))
        if index not in missing and piece.last == month_days(piece.last).last
    }
    for offset in ends:
        end = min(span.last, span.first + dt.timedelta(days=offset))
        ended = [month_end for month_end in stored if month_end <= last_month_end(end)]
        base, after = (
            (stored[max(ended)], max(ended)) if ended else (Facts(), span.first - dt.timedelta(days=1))
        )
        read = merge_all([base, *(days[day] for day in DateRange(after + dt.timedelta(days=1), end).each())])
        every = merge_all(days[day] for day in DateRange(span.first, end).each())
        assert views.outstanding(only(read, ["accounts"]), 0) == views.outstanding(every, 0)
        balances = views.member_balances(only(read, ["members"]))
        assert balances == views.member_balances(every)
        report = views.Rollup.of({day: days[day] for day in DateRange(span.first, end).each()})
        held = views.outstanding(only(read, ["accounts"]), 0)
        assert views.members(report, group, {}, balances) == views.members(
            report, group, {}, views.member_balances(every)
        )
        assert views.revenue(report, group, held) == views.revenue(report, group, views.outstanding(every, 0))
