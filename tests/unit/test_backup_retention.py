"""The retention rule for scheduled backups, over any set of backup times (hypothesis)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.backups.retention import Retention, to_keep

DAY_MS = 86_400_000
NOW = 1_795_590_000_000  # 2026-11-25 07:00 UTC
# Backups over the last three years, plus a few from the future (a clock set back).
times = st.sets(st.integers(NOW - 3 * 366 * DAY_MS, NOW + DAY_MS), max_size=120)
policies = st.builds(Retention, daily=st.integers(1, 40), monthly=st.integers(0, 15))


def day(ms: int) -> datetime.date:
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC).date()


def month(ms: int) -> tuple[int, int]:
    return day(ms).year, day(ms).month


def months_back(ms: int) -> int:
    return (day(NOW).year - day(ms).year) * 12 + day(NOW).month - day(ms).month


@settings(max_examples=300)
@given(times, policies)
def test_what_is_kept(backups: set[int], policy: Retention) -> None:
    kept = to_keep(backups, NOW, policy)
    assert kept <= backups
    if backups:
        assert max(backups) in kept
    past = [at for at in backups if at <= NOW]
    for at in past:
        newest_of_day = at == max(b for b in past if day(b) == day(at))
        newest_of_month = at == max(b for b in past if month(b) == month(at))
        recent_day = (day(NOW) - day(at)).days < policy.daily
        recent_month = months_back(at) < policy.monthly
        wanted = (newest_of_day and recent_day) or (newest_of_month and recent_month) or at == max(backups)
        assert (at in kept) == wanted, (at, policy)
    assert len([at for at in kept if at <= NOW]) <= policy.daily + policy.monthly + 1


@settings(max_examples=200)
@given(times, policies)
def test_pruning_twice_changes_nothing(backups: set[int], policy: Retention) -> None:
    kept = to_keep(backups, NOW, policy)
    assert to_keep(kept, NOW, policy) == kept


@settings(max_examples=200)
@given(times, policies, st.integers(0, 400 * DAY_MS), st.sets(st.integers(0, 400 * DAY_MS), max_size=10))
def test_a_backup_dropped_is_never_wanted_later(
    backups: set[int], policy: Retention, later_ms: int, new_offsets: set[int]
) -> None:
    """Run again later, with new backups taken meanwhile: nothing dropped before would be kept now."""
    kept = to_keep(backups, NOW, policy)
    new = {NOW + DAY_MS + 1 + offset for offset in new_offsets if offset <= later_ms}
    later = to_keep(kept | new, NOW + later_ms + DAY_MS + 1, policy)
    assert later == to_keep(backups | new, NOW + later_ms + DAY_MS + 1, policy)


def test_thirty_daily_and_twelve_monthly_by_default() -> None:
    # One backup a day at 03:00 for two years.
    first = NOW - 730 * DAY_MS
    daily = {first + i * DAY_MS for i in range(731)}
    kept = to_keep(daily, NOW, Retention())
    assert len([at for at in kept if NOW - at < 30 * DAY_MS]) == 30
    old = sorted(at for at in kept if NOW - at >= 30 * DAY_MS)
    # The last backup of each of the 12 months up to this one, less those the 30 days already hold.
    this = day(NOW).year * 12 + day(NOW).month - 1
    assert {month(at) for at in kept} == {((this - i) // 12, (this - i) % 12 + 1) for i in range(12)}
    assert all(day(at + DAY_MS).month != day(at).month for at in old)
    assert len(kept) <= 30 + 12


def test_an_empty_folder_and_a_bad_policy() -> None:
    assert to_keep([], NOW, Retention()) == set()
    with pytest.raises(ValueError, match="at least one daily"):
        Retention(daily=0)
