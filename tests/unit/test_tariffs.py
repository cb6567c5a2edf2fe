"""Per-minute time-of-day pricing and the rounding rule, by example and by property."""

from __future__ import annotations

import time
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.tariffs import (
    MINIMUM_CHARGE,
    MINUTE_MS,
    STANDARD,
    Price,
    RateWindow,
    Tariff,
    TariffError,
    billed_minutes,
    ends_at_for,
    local_time,
    minutes_for,
    price,
)

HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
SOM = 100  # minor units per so'm
FLAT = Tariff("flat", "Flat", 12_000 * SOM)
FRIDAY, SATURDAY = 4, 5


def at(year: int, month: int, day: int, hour: int, minute: int = 0, tz: str = "Asia/Tashkent") -> int:
    """Epoch ms of a local wall time."""
    moment = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz))
    return int(moment.timestamp()) * 1000


def summary(result: Price) -> list[tuple[str, int, int, int]]:
    return [(line.label, line.minutes, line.hourly_rate, line.amount) for line in result.lines]


# --- billed minutes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "minutes"), [(0, 0), (1, 1), (60_000, 1), (60_001, 2), (61_000, 2), (DAY_MS, 1440)]
)
def test_a_started_minute_is_billed(elapsed: int, minutes: int) -> None:
    assert billed_minutes(elapsed) == minutes


def test_negative_elapsed_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        billed_minutes(-1)
    with pytest.raises(ValueError, match="negative"):
        price(FLAT, 0, -1)


# --- examples ---------------------------------------------------------------------------------


def test_flat_tariff_bills_started_minutes() -> None:
    start = at(2025, 3, 3, 10)
    result = price(FLAT, start, 61_000)
    assert result.billed_minutes == 2
    assert result.total == 400 * SOM
    assert summary(result) == [(STANDARD, 2, 12_000 * SOM, 400 * SOM)]
    assert result.lines[0].starts_at == start
    assert result.currency == "UZS"


def test_nothing_used_costs_nothing() -> None:
    result = price(Tariff("t", "T", 12_000 * SOM, minimum_charge=5_000 * SOM), 0, 0)
    assert (result.billed_minutes, result.lines, result.total) == (0, (), 0)


def test_crossing_into_a_happy_hour_is_priced_piecewise() -> None:
    happy = RateWindow("happy hour", 14 * 60, 16 * 60, 6_000 * SOM)
    tariff = Tariff("t", "T", 12_000 * SOM, windows=(happy,))
    start = at(2025, 3, 3, 13, 30)
    result = price(tariff, start, HOUR_MS)
    assert summary(result) == [
        (STANDARD, 30, 12_000 * SOM, 6_000 * SOM),
        ("happy hour", 30, 6_000 * SOM, 3_000 * SOM),
    ]
    assert result.lines[1].starts_at == at(2025, 3, 3, 14)
    assert result.total == 9_000 * SOM


def test_leaving_a_window_starts_a_new_standard_line() -> None:
    happy = RateWindow("happy hour", 14 * 60, 15 * 60, 6_000 * SOM)
    tariff = Tariff("t", "T", 12_000 * SOM, windows=(happy,))
    result = price(tariff, at(2025, 3, 3, 13, 50), 80 * MINUTE_MS)
    assert [(label, minutes) for label, minutes, _, _ in summary(result)] == [
        (STANDARD, 10),
        ("happy hour", 60),
        (STANDARD, 10),
    ]
    assert result.total == 2_000 * SOM + 6_000 * SOM + 2_000 * SOM


def test_the_rate_of_a_minute_is_the_rate_at_its_start() -> None:
    # A session started at 13:59:30 bills the minute 13:59:30-14:00:30 at the standard rate.
    happy = RateWindow("happy hour", 14 * 60, 16 * 60, 0)
    tariff = Tariff("t", "T", 12_000 * SOM, windows=(happy,))
    result = price(tariff, at(2025, 3, 3, 13, 59) + 30_000, 2 * MINUTE_MS)
    assert summary(result) == [(STANDARD, 1, 12_000 * SOM, 200 * SOM), ("happy hour", 1, 0, 0)]


NIGHT_FROM_FRIDAY = RateWindow("night", 22 * 60, 8 * 60, 6_000 * SOM, frozenset({FRIDAY}))


@pytest.mark.parametrize(
    ("local", "label"),
    [
        ((2025, 3, 7, 23), "night"),  # Friday 23:00, the window starts on Friday
        ((2025, 3, 8, 1), "night"),  # Saturday 01:00, still Friday's night
        ((2025, 3, 8, 8), STANDARD),  # Saturday 08:00, the window has ended
        ((2025, 3, 8, 23), STANDARD),  # Saturday 23:00, Saturday is not in days
        ((2025, 3, 9, 1), STANDARD),  # Sunday 01:00 would belong to Saturday's night
        ((2025, 3, 7, 1), STANDARD),  # Friday 01:00 belongs to Thursday's night
        ((2025, 3, 7, 21), STANDARD),
        ((2025, 3, 7, 22), "night"),
    ],
)
def test_a_wrapping_window_belongs_to_the_day_it_starts(local: tuple[int, int, int, int], label: str) -> None:
    tariff = Tariff("t", "T", 12_000 * SOM, windows=(NIGHT_FROM_FRIDAY,))
    moment = at(*local)
    assert tariff.rate_at(moment)[0] == label
    assert NIGHT_FROM_FRIDAY.contains(local_time(moment, "Asia/Tashkent")) == (label == "night")


def test_the_first_matching_window_wins() -> None:
    late = RateWindow("late", 20 * 60, 24 * 60, 9_000 * SOM)
    night = RateWindow("night", 22 * 60, 6 * 60, 5_000 * SOM)
    tariff = Tariff("t", "T", 12_000 * SOM, windows=(late, night))
    assert tariff.rate_at(at(2025, 3, 3, 23)) == ("late", 9_000 * SOM)
    assert tariff.rate_at(at(2025, 3, 4, 1)) == ("night", 5_000 * SOM)
    assert tariff.rate_at(at(2025, 3, 4, 12)) == (STANDARD, 12_000 * SOM)


def test_windows_follow_the_tariff_timezone() -> None:
    happy = RateWindow("happy hour", 14 * 60, 16 * 60, 0)
    berlin = Tariff("t", "T", 12_000 * SOM, windows=(happy,), timezone="Europe/Berlin")
    assert berlin.rate_at(at(2025, 3, 3, 14, tz="Europe/Berlin"))[0] == "happy hour"
    assert berlin.rate_at(at(2025, 3, 3, 14, tz="Asia/Tashkent"))[0] == STANDARD


def test_daylight_saving_change_inside_a_session() -> None:
    # Berlin skips 02:00-03:00 on 2025-03-30: 01:30 CET to 03:30 CEST is one real hour.
    early = RateWindow("early", 3 * 60, 4 * 60, 6_000 * SOM)
    tariff = Tariff("t", "T", 12_000 * SOM, windows=(early,), timezone="Europe/Berlin")
    start = at(2025, 3, 30, 1, 30, tz="Europe/Berlin")
    result = price(tariff, start, HOUR_MS)
    assert summary(result) == [
        (STANDARD, 30, 12_000 * SOM, 6_000 * SOM),
        ("early", 30, 6_000 * SOM, 3_000 * SOM),
    ]


def test_minimum_charge_tops_up_a_short_session() -> None:
    tariff = Tariff("t", "T", 12_000 * SOM, minimum_charge=5_000 * SOM)
    start = at(2025, 3, 3, 10)
    result = price(tariff, start, 1)
    assert summary(result) == [(STANDARD, 1, 12_000 * SOM, 200 * SOM), (MINIMUM_CHARGE, 0, 0, 4_800 * SOM)]
    assert result.total == 5_000 * SOM
    assert result.lines[1].starts_at == start + MINUTE_MS
    long = price(tariff, start, HOUR_MS)
    assert summary(long) == [(STANDARD, 60, 12_000 * SOM, 12_000 * SOM)]


def test_minimum_charge_applies_even_at_a_free_rate() -> None:
    tariff = Tariff("t", "T", 0, minimum_charge=1_000 * SOM)
    assert summary(price(tariff, 0, 5 * MINUTE_MS)) == [
        (STANDARD, 5, 0, 0),
        (MINIMUM_CHARGE, 0, 0, 1_000 * SOM),
    ]


def test_the_total_is_rounded_half_up_once() -> None:
    tariff = Tariff("t", "T", 30)  # half a minor unit per minute
    assert [price(tariff, 0, m * MINUTE_MS).total for m in range(5)] == [0, 1, 1, 2, 2]


def test_line_amounts_come_from_the_rounded_running_total() -> None:
    # 0.5 + 0.5 minor units at two labels: lines 1 and 0, total 1 (not 1 + 1).
    odd = RateWindow("odd", 1, 2, 30)
    tariff = Tariff("t", "T", 30, windows=(odd,), timezone="UTC")
    result = price(tariff, 0, 2 * MINUTE_MS)
    assert summary(result) == [(STANDARD, 1, 30, 1), ("odd", 1, 30, 0)]
    assert result.total == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda: Tariff("t", "T", -1),
        lambda: Tariff("t", "T", 100, minimum_charge=-1),
        lambda: Tariff("t", "T", 100, currency="XXX"),
        lambda: Tariff("t", "T", 100, timezone="Mars/Olympus"),
        lambda: Tariff("t", "T", 100, timezone="../etc/passwd"),
        lambda: RateWindow("w", 1440, 60, 100),
        lambda: RateWindow("w", -1, 60, 100),
        lambda: RateWindow("w", 0, 0, 100),
        lambda: RateWindow("w", 0, 1441, 100),
        lambda: RateWindow("w", 0, 60, -5),
        lambda: RateWindow("w", 0, 60, 100, frozenset({7})),
    ],
)
def test_invalid_tariffs_are_refused(make: object) -> None:
    with pytest.raises(TariffError):
        make()  # type: ignore[operator]


def test_tariff_error_is_a_value_error() -> None:
    assert issubclass(TariffError, ValueError)


def test_minutes_for_a_flat_tariff() -> None:
    start = at(2025, 3, 3, 10)
    assert minutes_for(FLAT, start, 12_000 * SOM) == 60
    assert minutes_for(FLAT, start, 12_000 * SOM + 199 * SOM) == 60
    assert minutes_for(FLAT, start, 200 * SOM - 1) == 0
    assert ends_at_for(FLAT, start, 12_000 * SOM) == start + HOUR_MS
    assert minutes_for(FLAT, start, 10**12, max_minutes=90) == 90


def test_minutes_for_respects_the_minimum_charge() -> None:
    tariff = Tariff("t", "T", 12_000 * SOM, minimum_charge=5_000 * SOM)
    assert minutes_for(tariff, 0, 4_999 * SOM) == 0
    assert minutes_for(tariff, 0, 5_000 * SOM) == 25


def test_a_free_tariff_pays_for_the_cap() -> None:
    free = Tariff("t", "T", 0)
    assert minutes_for(free, 0, 0) == 7 * 24 * 60
    assert minutes_for(free, 0, 0, max_minutes=30) == 30


def test_minutes_for_refuses_negative_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        minutes_for(FLAT, 0, -1)
    with pytest.raises(ValueError, match="negative"):
        minutes_for(FLAT, 0, 1, max_minutes=-1)


def test_pricing_a_day_is_fast() -> None:
    windows = (
        RateWindow("happy hour", 14 * 60, 16 * 60, 6_000 * SOM),
        RateWindow("night", 22 * 60, 8 * 60, 8_000 * SOM, frozenset({FRIDAY, SATURDAY})),
    )
    tariff = Tariff("t", "T", 12_000 * SOM, windows=windows, timezone="Europe/Berlin")
    best = float("inf")
    for _ in range(5):
        began = time.perf_counter()
        price(tariff, at(2025, 3, 29, 9, tz="Europe/Berlin") + 12_345, DAY_MS)
        best = min(best, time.perf_counter() - began)
    assert best < 0.05  # about 1 ms on a quiet machine; generous for a loaded one


# --- properties -------------------------------------------------------------------------------

BASE = at(2025, 3, 1, 0, tz="UTC")  # a few weeks spanning the March DST changes
DST_CHANGES = (
    at(2025, 3, 9, 7, tz="UTC"),  # New York springs forward
    at(2025, 3, 30, 1, tz="UTC"),  # Berlin springs forward
    at(2025, 4, 5, 15, tz="UTC"),  # Lord Howe falls back half an hour
    at(2025, 10, 26, 1, tz="UTC"),  # Berlin falls back
)
starts = st.one_of(
    st.integers(BASE, BASE + 5 * 7 * DAY_MS),
    st.sampled_from(DST_CHANGES).flatmap(lambda change: st.integers(change - DAY_MS, change + HOUR_MS)),
)
elapsed = st.integers(0, 2 * DAY_MS)
rates = st.one_of(st.integers(0, 200), st.integers(0, 3_000_000))
windows = st.builds(
    RateWindow,
    name=st.sampled_from(["happy hour", "night", "peak"]),
    start_minute=st.integers(0, 1439),
    end_minute=st.integers(1, 1440),
    hourly_rate=rates,
    days=st.frozensets(st.integers(0, 6)),
)
zones = st.sampled_from(["Asia/Tashkent", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"])


@st.composite
def tariffs(draw: st.DrawFn, minimum: st.SearchStrategy[int] | None = None) -> Tariff:
    return Tariff(
        "t",
        "T",
        draw(rates),
        windows=tuple(draw(st.lists(windows, max_size=3))),
        minimum_charge=draw(minimum if minimum is not None else st.sampled_from([0, 0, 150, 500_000])),
        timezone=draw(zones),
    )


@settings(max_examples=60)
@given(tariff=tariffs(), start=starts, a=elapsed, b=elapsed)
def test_cost_never_decreases_as_a_session_lengthens(tariff: Tariff, start: int, a: int, b: int) -> None:
    shorter, longer = sorted((a, b))
    assert price(tariff, start, shorter).total <= price(tariff, start, longer).total


@settings(max_examples=60)
@given(tariff=tariffs(minimum=st.just(0)), start=starts, split=st.integers(0, 2 * 1440), rest=elapsed)
def test_splitting_a_session_changes_its_price_by_at_most_one_unit(
    tariff: Tariff, start: int, split: int, rest: int
) -> None:
    whole = price(tariff, start, split * MINUTE_MS + rest).total
    first = price(tariff, start, split * MINUTE_MS).total
    second = price(tariff, start + split * MINUTE_MS, rest).total
    assert abs(whole - (first + second)) <= 1


@settings(max_examples=60)
@given(tariff=tariffs(), start=starts, spent=elapsed)
def test_lines_are_consecutive_and_sum_to_the_total(tariff: Tariff, start: int, spent: int) -> None:
    result = price(tariff, start, spent)
    assert sum(line.amount for line in result.lines) == result.total
    runs = [line for line in result.lines if line.label != MINIMUM_CHARGE]
    assert sum(line.minutes for line in runs) == result.billed_minutes == billed_minutes(spent)
    cursor = start
    for line in runs:
        assert line.starts_at == cursor
        assert line.amount >= 0
        cursor += line.minutes * MINUTE_MS
    for before, after in pairwise(runs):
        assert (before.label, before.hourly_rate) != (after.label, after.hourly_rate)


@settings(max_examples=40)
@given(tariff=tariffs(), start=starts, spent=st.integers(0, DAY_MS))
def test_price_matches_a_minute_by_minute_reference(tariff: Tariff, start: int, spent: int) -> None:
    # The reference converts every minute with zoneinfo and asks the windows themselves.
    minutes = billed_minutes(spent)
    rate_sum = 0
    for k in range(minutes):
        local = local_time(start + k * MINUTE_MS, tariff.timezone)
        window = next((w for w in tariff.windows if w.contains(local)), None)
        rate_sum += tariff.hourly_rate if window is None else window.hourly_rate
    expected = (2 * rate_sum + 60) // 120
    if minutes:
        expected = max(expected, tariff.minimum_charge)
    assert price(tariff, start, spent).total == expected


@settings(max_examples=60)
@given(tariff=tariffs(), start=starts, amount=st.integers(0, 5_000_000))
def test_minutes_for_is_the_most_the_amount_pays_for(tariff: Tariff, start: int, amount: int) -> None:
    cap = 2 * 1440
    minutes = minutes_for(tariff, start, amount, max_minutes=cap)
    assert 0 <= minutes <= cap
    assert price(tariff, start, minutes * MINUTE_MS).total <= amount
    if minutes < cap:
        assert price(tariff, start, (minutes + 1) * MINUTE_MS).total > amount
    assert ends_at_for(tariff, start, amount) >= start


@settings(max_examples=20)
@given(start=starts, amount=st.integers(0, 10**9), zone=zones)
def test_a_free_tariff_without_windows_pays_for_the_cap(start: int, amount: int, zone: str) -> None:
    free = Tariff("t", "T", 0, timezone=zone)
    assert minutes_for(free, start, amount, max_minutes=500) == 500
