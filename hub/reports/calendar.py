"""Days in a branch's timezone: which local day an instant falls on, where a day starts and ends as epoch
milliseconds, and the week or month a day is grouped under. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Grouping = Literal["day", "week", "month"]
HOUR_MS = 3_600_000
# The longest range a report answers in one request: ten years of days.
MAX_DAYS = 3_660


class BadRange(ValueError):
    """A date range a report cannot answer; the message says what to send instead."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # a branch saved with a name this machine does not know


def day_of(at_ms: int, tz: ZoneInfo) -> dt.date:
    return dt.datetime.fromtimestamp(at_ms / 1000, tz).date()


def day_start(day: dt.date, tz: ZoneInfo) -> int:
    """The first millisecond of ``day`` in ``tz`` (a DST change moves it, never skips it)."""
    return int(dt.datetime.combine(day, dt.time(), tzinfo=tz).timestamp() * 1000)


def day_end(day: dt.date, tz: ZoneInfo) -> int:
    """The first millisecond after ``day``."""
    return day_start(day + dt.timedelta(days=1), tz)


def weekday_hour(at_ms: int, tz: ZoneInfo) -> tuple[int, int]:
    """Monday is 0."""
    moment = dt.datetime.fromtimestamp(at_ms / 1000, tz)
    return moment.weekday(), moment.hour


def hour_slices(start_ms: int, end_ms: int, tz: ZoneInfo) -> Iterator[tuple[int, int, int]]:
    """[start, end) cut at each local hour: (weekday, hour, milliseconds in it)."""
    at = start_ms
    while at < end_ms:
        moment = dt.datetime.fromtimestamp(at / 1000, tz)
        next_hour = moment.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
        until = min(end_ms, int(next_hour.timestamp() * 1000))
        if until <= at:  # never loop on a clock that does not move
            until = at + HOUR_MS
        yield moment.weekday(), moment.hour, until - at
        at = until


def period_of(day: dt.date, group: Grouping) -> dt.date:
    """The first day of the period ``day`` is grouped under (weeks start on Monday)."""
    if group == "week":
        return day - dt.timedelta(days=day.weekday())
    if group == "month":
        return day.replace(day=1)
    return day


@dataclass(frozen=True)
class DateRange:
    """Whole local days, ``first`` to ``last`` inclusive."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def each(self) -> Iterator[dt.date]:
        for offset in range(self.days):
            yield self.first + dt.timedelta(days=offset)

    def bounds(self, tz: ZoneInfo) -> tuple[int, int]:
        """[start, end) in epoch milliseconds."""
        return day_start(self.first, tz), day_end(self.last, tz)


def month_days(month: dt.date) -> DateRange:
    """Every day of the calendar month ``month`` falls in."""
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return DateRange(first, following - dt.timedelta(days=1))


def month_pieces(span: DateRange) -> list[DateRange]:
    """``span`` cut at each month's end: its days in each calendar month it touches, in order."""
    pieces: list[DateRange] = []
    first = span.first
    while first <= span.last:
        last = min(month_days(first).last, span.last)
        pieces.append(DateRange(first, last))
        first = last + dt.timedelta(days=1)
    return pieces


def last_month_end(day: dt.date) -> dt.date:
    """The last day of a month on or before ``day``: ``day`` itself when it ends its month."""
    return day if month_days(day).last == day else day.replace(day=1) - dt.timedelta(days=1)


def split_months(span: DateRange) -> tuple[list[dt.date], list[DateRange]]:
    """``span`` as the calendar months wholly inside it (their first days) and the stretches of days
    before and after them (at most one each; the whole span when it holds no whole month)."""
    first = span.first if span.first.day == 1 else month_days(span.first).last + dt.timedelta(days=1)
    months: list[dt.date] = []
    while first <= span.last and month_days(first).last <= span.last:
        months.append(first)
        first = month_days(first).last + dt.timedelta(days=1)
    if not months:
        return [], [span]
    stretches = [DateRange(span.first, months[0] - dt.timedelta(days=1))] if span.first < months[0] else []
    after = month_days(months[-1]).last
    if after < span.last:
        stretches.append(DateRange(after + dt.timedelta(days=1), span.last))
    return months, stretches


def parse_range(first: str | None, last: str | None, today: dt.date, *, default_days: int = 7) -> DateRange:
    """``from``/``to`` as YYYY-MM-DD local dates (inclusive); either left out: the last ``default_days``
    days up to today."""

    def parse(text: str, name: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise BadRange(f"{name} is a date as YYYY-MM-DD, e.g. {today.isoformat()}") from None

    end = parse(last, "to") if last else today
    start = parse(first, "from") if first else end - dt.timedelta(days=default_days - 1)
    if start > end:
        raise BadRange(f"from ({start}) is after to ({end}): swap them")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRange(f"a report covers at most {MAX_DAYS} days; ask for a shorter range")
    return DateRange(start, end)
