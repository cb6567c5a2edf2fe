"""What a session would cost before it starts: the desk's price question, answered by the same rules
that price the session afterwards (``price`` and ``minutes_for``), so a quote and the session's price
agree to the minor unit when the session starts at the quoted moment."""

from __future__ import annotations

from dataclasses import dataclass

from billing.tariffs import MINUTE_MS, Price, Tariff, minutes_for, price


@dataclass(frozen=True)
class Quote:
    """A session from ``starts_at`` under a tariff.

    - prepaid minutes: ``minutes`` as asked, ``price`` what they cost;
    - a budget (a member's balance): ``minutes`` the budget buys, ``price`` what those minutes cost
      (never more than the budget), ``ends_at`` when they run out;
    - neither (a postpaid guest): no minutes and no price; the rate that applies at the start.
    """

    starts_at: int
    rate_label: str
    hourly_rate: int
    minutes: int | None
    ends_at: int | None
    price: Price | None


def quote(tariff: Tariff, starts_at: int, *, minutes: int | None = None, budget: int | None = None) -> Quote:
    if minutes is not None and budget is not None:
        raise ValueError("quote prepaid minutes or a budget, not both")
    label, rate = tariff.rate_at(starts_at)
    if budget is not None:
        minutes = minutes_for(tariff, starts_at, budget)
    if minutes is None:
        return Quote(starts_at, label, rate, None, None, None)
    if minutes < 0:
        raise ValueError(f"minutes cannot be negative: {minutes}")
    ends_at = starts_at + minutes * MINUTE_MS
    return Quote(starts_at, label, rate, minutes, ends_at, price(tariff, starts_at, minutes * MINUTE_MS))
