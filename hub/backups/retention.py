"""Which backups to keep: the newest of each of the last ``daily`` days, the newest of each of the last
``monthly`` months (calendar days and months in UTC, today and this month included), and always the newest
backup of all, however old (backups that stopped must not prune the last one away).

Pure: the times in, the times to keep out. Pruning twice changes nothing, and a backup dropped once is
never one a later run would have kept (tests/unit/test_backup_retention.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

_UTC = datetime.UTC


@dataclass(frozen=True)
class Retention:
    daily: int = 30
    monthly: int = 12

    def __post_init__(self) -> None:
        if self.daily < 1 or self.monthly < 0:
            raise ValueError("keep at least one daily backup; monthly backups may be 0")


def _day(ms: int) -> datetime.date:
    return datetime.datetime.fromtimestamp(ms / 1000, tz=_UTC).date()


def _month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def to_keep(times_ms: Iterable[int], now_ms: int, policy: Retention) -> set[int]:
    """The backup times (epoch ms) of ``times_ms`` to keep at ``now_ms``; any other may be deleted. A time
    after ``now_ms`` (a clock set back) is kept."""
    times = set(times_ms)
    if not times:
        return set()
    today = _day(now_ms)
    first_day = today - datetime.timedelta(days=policy.daily - 1)
    first_month = _month_index(today) - policy.monthly + 1
    newest_of_day: dict[datetime.date, int] = {}
    newest_of_month: dict[int, int] = {}
    keep = {max(times)}
    for at in times:
        if at > now_ms:
            keep.add(at)
            continue
        day = _day(at)
        if day >= first_day:
            newest_of_day[day] = max(at, newest_of_day.get(day, at))
        if policy.monthly and _month_index(day) >= first_month:
            month = _month_index(day)
            newest_of_month[month] = max(at, newest_of_month.get(month, at))
    return keep | set(newest_of_day.values()) | set(newest_of_month.values())
