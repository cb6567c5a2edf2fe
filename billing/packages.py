"""Fixed-price packages: a flat price for a duration ("3 hours"), a window ("Night") or both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from billing.tariffs import (
    ALL_DAYS,
    MINUTE_MS,
    MINUTES_PER_DAY,
    Price,
    PriceLine,
    TariffError,
    check_currency,
    check_days,
    check_int,
    covers,
    local_time,
    local_wall_ms,
    zone,
)


@dataclass(frozen=True)
class Package:
    """A flat-price package; a window package starts only inside its window and ends with it."""

    id: str
    name: str
    price: int
    currency: str = "UZS"
    duration_minutes: int | None = None
    window: tuple[int, int] | None = None
    days: frozenset[int] = ALL_DAYS
    timezone: str = "Asia/Tashkent"

    def __post_init__(self) -> None:
        check_int(self.price, f"package {self.id!r} price", 0)
        check_currency(self.currency)
        zone(self.timezone)
        check_days(self.days, f"package {self.id!r} days")
        if self.duration_minutes is None and self.window is None:
            raise TariffError(f"package {self.id!r} needs a duration, a window or both")
        if self.duration_minutes is not None:
            check_int(self.duration_minutes, f"package {self.id!r} duration_minutes", 1)
        if self.window is not None:
            if not isinstance(self.window, tuple) or len(self.window) != 2:
                raise TariffError(f"package {self.id!r} window must be (start_minute, end_minute)")
            check_int(self.window[0], f"package {self.id!r} window start", 0, MINUTES_PER_DAY - 1)
            check_int(self.window[1], f"package {self.id!r} window end", 1, MINUTES_PER_DAY)

    def available_at(self, at_ms: int) -> bool:
        """Whether the package can start at ``at_ms``: inside its window on an allowed day, if it has one."""
        if self.window is None:
            return True
        local = local_time(at_ms, self.timezone)
        return covers(*self.window, self.days, local.weekday(), local.hour * 60 + local.minute)

    def ends_at(self, started_at: int) -> int:
        """When a package started at ``started_at`` ends: its duration or its window's end, the earlier."""
        ends = [started_at + self.duration_minutes * MINUTE_MS] if self.duration_minutes else []
        if self.window is not None:
            ends.append(self._window_end(started_at))
        return min(ends)

    def _window_end(self, started_at: int) -> int:
        """The end of the window occurrence containing ``started_at`` (local wall time, so DST-correct)."""
        if not self.available_at(started_at):
            raise TariffError(f"package {self.id!r} cannot start outside its window")
        assert self.window is not None
        start, end = self.window
        local = local_time(started_at, self.timezone)
        day = local.date()
        # A wrapping window that started this evening ends tomorrow morning.
        if end <= start and local.hour * 60 + local.minute >= start:
            day += timedelta(days=1)
        return local_wall_ms(day, end, self.timezone)


def package_price(package: Package, started_at: int) -> Price:
    """One flat line for the package, covering the whole minutes from its start to its end."""
    minutes = (package.ends_at(started_at) - started_at) // MINUTE_MS
    line = PriceLine(package.name, started_at, minutes, 0, package.price)
    return Price(package.currency, minutes, (line,), package.price)
