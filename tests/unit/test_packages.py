"""Fixed-price packages: by duration, by window, or both."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.packages import Package, package_price
from billing.tariffs import MINUTE_MS, TariffError, local_time

SOM = 100
FRIDAY = 4
THREE_HOURS = Package("3h", "3 hours", 30_000 * SOM, duration_minutes=180)
NIGHT = Package("night", "Night", 40_000 * SOM, window=(22 * 60, 8 * 60))


def at(year: int, month: int, day: int, hour: int, minute: int = 0, tz: str = "Asia/Tashkent") -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).timestamp()) * 1000


def test_a_duration_package_ends_after_its_duration() -> None:
    start = at(2025, 3, 3, 12) + 4_321
    assert THREE_HOURS.available_at(start)
    assert THREE_HOURS.ends_at(start) == start + 180 * MINUTE_MS


def test_a_duration_package_is_priced_as_one_flat_line() -> None:
    start = at(2025, 3, 3, 12)
    result = package_price(THREE_HOURS, start)
    assert (result.currency, result.billed_minutes, result.total) == ("UZS", 180, 30_000 * SOM)
    (line,) = result.lines
    assert (line.label, line.starts_at, line.minutes, line.hourly_rate, line.amount) == (
        "3 hours",
        start,
        180,
        0,
        30_000 * SOM,
    )


def test_a_night_package_started_before_midnight_ends_next_morning() -> None:
    start = at(2025, 3, 7, 23, 30)
    assert NIGHT.available_at(start)
    assert NIGHT.ends_at(start) == at(2025, 3, 8, 8)
    (line,) = package_price(NIGHT, start).lines
    assert (line.label, line.minutes, line.hourly_rate, line.amount) == ("Night", 510, 0, 40_000 * SOM)


def test_a_night_package_started_after_midnight_ends_the_same_morning() -> None:
    start = at(2025, 3, 8, 3)
    assert NIGHT.ends_at(start) == at(2025, 3, 8, 8)


def test_a_night_package_is_not_available_by_day() -> None:
    noon = at(2025, 3, 7, 12)
    assert not NIGHT.available_at(noon)
    assert not NIGHT.available_at(at(2025, 3, 8, 8))
    assert NIGHT.available_at(at(2025, 3, 8, 7, 59))
    with pytest.raises(TariffError, match="outside its window"):
        NIGHT.ends_at(noon)
    with pytest.raises(TariffError):
        package_price(NIGHT, noon)


def test_the_window_starts_on_its_days_only() -> None:
    friday_night = Package(
        "fn", "Friday night", 30_000 * SOM, window=(22 * 60, 8 * 60), days=frozenset({FRIDAY})
    )
    assert friday_night.available_at(at(2025, 3, 7, 23))  # Friday
    assert friday_night.available_at(at(2025, 3, 8, 3))  # Saturday morning, Friday's night
    assert not friday_night.available_at(at(2025, 3, 8, 23))  # Saturday night
    assert not friday_night.available_at(at(2025, 3, 7, 3))  # Friday morning is Thursday's night


def test_with_both_a_duration_and_a_window_the_earlier_end_wins() -> None:
    both = Package("n3", "Night 3 hours", 25_000 * SOM, duration_minutes=180, window=(22 * 60, 8 * 60))
    late = at(2025, 3, 7, 23, 30)
    assert both.ends_at(late) == late + 180 * MINUTE_MS
    early = at(2025, 3, 8, 6)
    assert both.ends_at(early) == at(2025, 3, 8, 8)
    assert package_price(both, early).billed_minutes == 120


def test_a_window_up_to_midnight() -> None:
    evening = Package("ev", "Evening", 10_000 * SOM, window=(18 * 60, 24 * 60))
    assert evening.ends_at(at(2025, 3, 3, 20)) == at(2025, 3, 4, 0)
    assert not evening.available_at(at(2025, 3, 4, 0))


def test_a_window_end_is_local_wall_time_across_daylight_saving() -> None:
    # Berlin skips an hour on 2025-03-30: 23:30 to 08:00 is 7.5 real hours that night.
    night = Package("night", "Night", 1, window=(22 * 60, 8 * 60), timezone="Europe/Berlin")
    start = at(2025, 3, 29, 23, 30, tz="Europe/Berlin")
    assert night.ends_at(start) == at(2025, 3, 30, 8, tz="Europe/Berlin")
    assert package_price(night, start).billed_minutes == 450


def test_minutes_are_whole_minutes_to_the_end() -> None:
    start = at(2025, 3, 8, 7, 58) + 30_000
    assert package_price(NIGHT, start).billed_minutes == 1


@pytest.mark.parametrize(
    "make",
    [
        lambda: Package("p", "P", 100),
        lambda: Package("p", "P", -1, duration_minutes=60),
        lambda: Package("p", "P", 100, duration_minutes=0),
        lambda: Package("p", "P", 100, window=(0, 0)),
        lambda: Package("p", "P", 100, window=(1440, 60)),
        lambda: Package("p", "P", 100, window=(60,)),  # type: ignore[arg-type]
        lambda: Package("p", "P", 100, currency="XXX", duration_minutes=60),
        lambda: Package("p", "P", 100, duration_minutes=60, timezone="Nowhere/Town"),
        lambda: Package("p", "P", 100, duration_minutes=60, days=frozenset({9})),
    ],
)
def test_invalid_packages_are_refused(make: object) -> None:
    with pytest.raises(TariffError):
        make()  # type: ignore[operator]


@settings(max_examples=80)
@given(
    start=st.integers(at(2025, 3, 1, 0), at(2025, 4, 15, 0)),
    window=st.tuples(st.integers(0, 1439), st.integers(1, 1440)),
    duration=st.one_of(st.none(), st.integers(1, 3000)),
    zone=st.sampled_from(["Asia/Tashkent", "Europe/Berlin", "America/New_York"]),
)
def test_a_package_ends_after_it_starts_and_within_its_limits(
    start: int, window: tuple[int, int], duration: int | None, zone: str
) -> None:
    package = Package("p", "P", 5, duration_minutes=duration, window=window, timezone=zone)
    if not package.available_at(start):
        with pytest.raises(TariffError):
            package.ends_at(start)
        return
    end = package.ends_at(start)
    assert start < end <= start + 25 * 60 * MINUTE_MS
    if duration is not None:
        assert end <= start + duration * MINUTE_MS
    local_start, local_end = local_time(start, zone), local_time(end, zone)
    window_ended = duration is None or end < start + duration * MINUTE_MS
    if window_ended and local_start.utcoffset() == local_end.utcoffset():  # DST has its own test
        assert local_end.hour * 60 + local_end.minute == window[1] % 1440
    assert package_price(package, start).total == 5
