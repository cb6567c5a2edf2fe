"""Time-of-day pricing, per minute, in integers.

THE ROUNDING RULE: each billed minute costs exactly ``hourly_rate / 60`` minor units of the rate in
force at the start of that minute (time-of-day windows are evaluated per minute in the tariff's
timezone, so a session crossing a window boundary is priced piecewise); the session total is the exact
sum rounded half up to a whole minor unit, once; then, if the session used any time, the total is raised
to the minimum charge. Lines are consecutive runs of minutes with the same label and rate; each line's
amount is (rounded cumulative exact sum at its end) - (rounded cumulative exact sum at its start), so
lines always sum to the total; a "minimum charge" line (minutes 0, rate 0) carries any top-up.

Everything is integer arithmetic: the exact sum is kept as the sum of the hourly rates of the minutes
(60 times the cost) and divided by 60 only when rounding. The agent and the hub run this same code, so
they agree to the last minor unit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from billing.money import MoneyError, currency

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
MINUTES_PER_DAY = 24 * 60
ALL_DAYS = frozenset(range(7))
STANDARD = "standard"
MINIMUM_CHARGE = "minimum charge"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


class TariffError(ValueError):
    """A tariff, window or package that cannot price anything correctly."""


def check_int(value: object, what: str, low: int, high: int | None = None) -> int:
    """``value`` if it is an int (not a bool) within [low, high]; :class:`TariffError` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TariffError(f"{what} must be an integer, not {value!r}")
    if value < low or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"between {low} and {high}"
        raise TariffError(f"{what} must be {bounds}, not {value}")
    return value


def check_days(days: object, what: str) -> None:
    """Weekdays must be a frozenset drawn from 0 (Monday) to 6 (Sunday)."""
    if not isinstance(days, frozenset) or not days <= ALL_DAYS:
        raise TariffError(f"{what} must be a frozenset of weekdays 0..6, not {days!r}")


def check_currency(code: str) -> None:
    try:
        currency(code)
    except MoneyError as exc:
        raise TariffError(str(exc)) from None


def zone(key: str) -> ZoneInfo:
    """The IANA timezone ``key``; :class:`TariffError` when it does not exist."""
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise TariffError(f"unknown timezone {key!r}") from None


def local_time(at_ms: int, timezone: str) -> datetime:
    """The aware local time of epoch milliseconds ``at_ms`` in ``timezone``."""
    return (_EPOCH + timedelta(milliseconds=at_ms)).astimezone(zone(timezone))


def epoch_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime, without passing through a float."""
    return (moment - _EPOCH) // _ONE_MS


def covers(start: int, end: int, days: frozenset[int], weekday: int, minute: int) -> bool:
    """Whether a window [start, end) starting on ``days`` covers ``minute`` of local weekday ``weekday``.

    When ``end <= start`` the window wraps past midnight, and its early-morning part belongs to the
    occurrence that started the day before: that day decides whether it applies.
    """
    if start < end:
        return start <= minute < end and weekday in days
    if minute >= start:
        return weekday in days
    return minute < end and (weekday - 1) % 7 in days


@dataclass(frozen=True)
class RateWindow:
    """A recurring stretch of local time with its own hourly rate, e.g. night 22:00-08:00."""

    name: str
    start_minute: int
    end_minute: int
    hourly_rate: int
    days: frozenset[int] = ALL_DAYS

    def __post_init__(self) -> None:
        check_int(self.start_minute, f"window {self.name!r} start_minute", 0, MINUTES_PER_DAY - 1)
        check_int(self.end_minute, f"window {self.name!r} end_minute", 1, MINUTES_PER_DAY)
        check_int(self.hourly_rate, f"window {self.name!r} hourly_rate", 0)
        check_days(self.days, f"window {self.name!r} days")

    def contains(self, local: datetime) -> bool:
        """Whether the local time ``local`` falls inside an occurrence of this window."""
        return self.covers(local.weekday(), local.hour * 60 + local.minute)

    def covers(self, weekday: int, minute: int) -> bool:
        return covers(self.start_minute, self.end_minute, self.days, weekday, minute)


@dataclass(frozen=True)
class Tariff:
    """A standard hourly rate, optional time-of-day windows and a minimum charge."""

    id: str
    name: str
    hourly_rate: int
    currency: str = "UZS"
    windows: tuple[RateWindow, ...] = ()
    minimum_charge: int = 0
    timezone: str = "Asia/Tashkent"

    def __post_init__(self) -> None:
        check_int(self.hourly_rate, "hourly_rate", 0)
        check_int(self.minimum_charge, "minimum_charge", 0)
        check_currency(self.currency)
        zone(self.timezone)
        if not isinstance(self.windows, tuple) or not all(isinstance(w, RateWindow) for w in self.windows):
            raise TariffError(f"windows must be a tuple of RateWindow, not {self.windows!r}")

    def rate_at(self, at_ms: int) -> tuple[str, int]:
        """(label, hourly rate) of the minute starting at ``at_ms``; "standard" when no window applies."""
        offset = _offset_ms(zone(self.timezone), at_ms)
        return _rate_on(self, *_weekday_minute(at_ms + offset))


@dataclass(frozen=True)
class PriceLine:
    """One run of minutes at one rate, or a flat item (minimum charge top-up, package)."""

    label: str
    starts_at: int
    minutes: int
    hourly_rate: int
    amount: int


@dataclass(frozen=True)
class Price:
    """What a session costs and why; ``total`` always equals the sum of the lines."""

    currency: str
    billed_minutes: int
    lines: tuple[PriceLine, ...]
    total: int

    def __post_init__(self) -> None:
        if self.total != sum(line.amount for line in self.lines):
            raise ValueError(f"price total {self.total} is not the sum of its lines")


def _rate_on(tariff: Tariff, weekday: int, minute: int) -> tuple[str, int]:
    """The first window covering the local minute sets the rate; otherwise the standard rate does."""
    for window in tariff.windows:
        if window.covers(weekday, minute):
            return window.name, window.hourly_rate
    return STANDARD, tariff.hourly_rate


def _offset_ms(tz: ZoneInfo, at_ms: int) -> int:
    offset = (_EPOCH + timedelta(milliseconds=at_ms)).astimezone(tz).utcoffset()
    assert offset is not None  # a ZoneInfo always knows its offset
    return offset // _ONE_MS


def _weekday_minute(local_ms: int) -> tuple[int, int]:
    """(weekday, minute of the day) of a local wall time expressed as ms since the local epoch."""
    day, within = divmod(local_ms, DAY_MS)
    return (day + _EPOCH_WEEKDAY) % 7, within // MINUTE_MS


def _offsets(tz: ZoneInfo, start_ms: int) -> Iterator[int]:
    """The UTC offset at the start of each successive minute from ``start_ms``.

    Looking the zone up for every minute is most of the cost of pricing, so each hour is checked at both
    ends and only an hour whose ends differ (a DST change inside it) is looked up minute by minute. Two
    changes inside one hour that cancel out would be missed; no real zone does that.
    """
    chunk_start = start_ms
    offset = _offset_ms(tz, chunk_start)
    while True:
        chunk_end = chunk_start + HOUR_MS
        offset_at_end = _offset_ms(tz, chunk_end)
        if offset_at_end == offset:
            yield from (offset,) * 60
        else:
            yield from (_offset_ms(tz, chunk_start + k * MINUTE_MS) for k in range(60))
        chunk_start, offset = chunk_end, offset_at_end


def _minute_rates(tariff: Tariff, started_at: int) -> Iterator[tuple[str, int]]:
    """(label, hourly rate) of each successive minute of a session, without end."""
    at = started_at
    for offset in _offsets(zone(tariff.timezone), started_at):
        yield _rate_on(tariff, *_weekday_minute(at + offset))
        at += MINUTE_MS


def _rounded(rate_sum: int) -> int:
    """The exact cost ``rate_sum / 60`` rounded half up to a whole minor unit (rate_sum >= 0)."""
    return (rate_sum + 30) // 60


def billed_minutes(elapsed_ms: int) -> int:
    """Minutes billed for ``elapsed_ms``: every started minute counts."""
    if elapsed_ms < 0:
        raise ValueError(f"elapsed time cannot be negative: {elapsed_ms} ms")
    return -(-elapsed_ms // MINUTE_MS)


def price(tariff: Tariff, started_at: int, elapsed_ms: int) -> Price:
    """What a session of ``elapsed_ms`` started at ``started_at`` costs under ``tariff``."""
    minutes = billed_minutes(elapsed_ms)
    lines: list[PriceLine] = []
    rate_sum = 0
    run: tuple[str, int] | None = None
    run_start, run_sum = 0, 0
    for index, labelled in enumerate(islice(_minute_rates(tariff, started_at), minutes)):
        if labelled != run:
            if run is not None:
                lines.append(_line(run, started_at, run_start, index, run_sum, rate_sum))
            run, run_start, run_sum = labelled, index, rate_sum
        rate_sum += labelled[1]
    if run is not None:
        lines.append(_line(run, started_at, run_start, minutes, run_sum, rate_sum))
    total = _rounded(rate_sum)
    if minutes and total < tariff.minimum_charge:
        end = started_at + minutes * MINUTE_MS
        lines.append(PriceLine(MINIMUM_CHARGE, end, 0, 0, tariff.minimum_charge - total))
        total = tariff.minimum_charge
    return Price(tariff.currency, minutes, tuple(lines), total)


def _line(
    run: tuple[str, int], started_at: int, first: int, end: int, sum_before: int, sum_after: int
) -> PriceLine:
    label, rate = run
    amount = _rounded(sum_after) - _rounded(sum_before)
    return PriceLine(label, started_at + first * MINUTE_MS, end - first, rate, amount)


def minutes_for(tariff: Tariff, started_at: int, amount: int, *, max_minutes: int = 7 * 24 * 60) -> int:
    """The most whole minutes that ``amount`` pays for from ``started_at``, at most ``max_minutes``."""
    if amount < 0:
        raise ValueError(f"amount cannot be negative: {amount}")
    if max_minutes < 0:
        raise ValueError(f"max_minutes cannot be negative: {max_minutes}")
    if amount < tariff.minimum_charge:
        return 0  # any time at all costs at least the minimum charge
    rate_sum = 0
    for index, (_, rate) in enumerate(islice(_minute_rates(tariff, started_at), max_minutes)):
        rate_sum += rate
        if _rounded(rate_sum) > amount:
            return index
    return max_minutes


def ends_at_for(tariff: Tariff, started_at: int, amount: int) -> int:
    """When a session prepaid with ``amount`` from ``started_at`` runs out (epoch ms)."""
    return started_at + minutes_for(tariff, started_at, amount) * MINUTE_MS
