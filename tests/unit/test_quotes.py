"""Quotes: the price of a session before it starts, by the same rules that price it afterwards."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_tariffs import at, starts, tariffs  # the tariff tests' strategies (tests/unit is on the path)

from billing.quotes import quote
from billing.tariffs import MINUTE_MS, RateWindow, Tariff, minutes_for, price

FLAT = Tariff("std", "Standard", 12_000_00)  # 12 000 so'm an hour: 200 so'm a minute
HAPPY = Tariff(
    "hh",
    "Happy hour",
    12_000_00,
    windows=(RateWindow("happy hour", 14 * 60, 16 * 60, 6_000_00),),
    timezone="Asia/Tashkent",
)


def test_prepaid_minutes_cost_what_the_session_will_be_priced_at() -> None:
    result = quote(FLAT, at(2026, 1, 5, 10), minutes=60)
    assert result.price is not None
    assert result.price.total == 12_000_00
    assert result.minutes == 60
    assert result.ends_at == at(2026, 1, 5, 11)
    assert (result.rate_label, result.hourly_rate) == ("standard", 12_000_00)


def test_a_quote_across_a_window_is_priced_line_by_line() -> None:
    result = quote(HAPPY, at(2026, 1, 5, 13, 30), minutes=60)
    assert result.price is not None
    assert [(line.label, line.minutes) for line in result.price.lines] == [
        ("standard", 30),
        ("happy hour", 30),
    ]
    assert result.price.total == 6_000_00 + 3_000_00


def test_a_budget_buys_whole_minutes_and_says_when_they_run_out() -> None:
    start = at(2026, 1, 5, 10)
    result = quote(FLAT, start, budget=5_000_00)  # 25 minutes at 200 so'm
    assert (result.minutes, result.ends_at) == (25, start + 25 * MINUTE_MS)
    assert result.price is not None
    assert result.price.total == 5_000_00


def test_postpaid_has_no_price_only_the_rate_now() -> None:
    result = quote(HAPPY, at(2026, 1, 5, 15))
    assert (result.minutes, result.ends_at, result.price) == (None, None, None)
    assert (result.rate_label, result.hourly_rate) == ("happy hour", 6_000_00)


def test_minutes_and_a_budget_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        quote(FLAT, 0, minutes=1, budget=1)
    with pytest.raises(ValueError, match="negative"):
        quote(FLAT, 0, minutes=-1)


@settings(max_examples=60)
@given(tariff=tariffs(), start=starts, minutes=st.integers(0, 2 * 1440))
def test_a_prepaid_quote_is_the_price_of_the_session(tariff: Tariff, start: int, minutes: int) -> None:
    result = quote(tariff, start, minutes=minutes)
    assert result.price == price(tariff, start, minutes * MINUTE_MS)
    assert (result.rate_label, result.hourly_rate) == tariff.rate_at(start)


@settings(max_examples=60)
@given(tariff=tariffs(), start=starts, budget=st.integers(0, 5_000_000))
def test_a_budget_quote_never_costs_more_than_the_budget_and_one_more_minute_would(
    tariff: Tariff, start: int, budget: int
) -> None:
    result = quote(tariff, start, budget=budget)
    assert result.minutes == minutes_for(tariff, start, budget)
    assert result.price is not None
    assert result.price.total <= budget
    if result.minutes < 7 * 24 * 60:  # below the cap, the budget ran out: one more minute is over it
        assert price(tariff, start, (result.minutes + 1) * MINUTE_MS).total > budget
