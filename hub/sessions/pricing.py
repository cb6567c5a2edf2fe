"""The hub's own price of a session, from its recorded start and use, with ``billing``.

Pricing runs in a worker thread: it is a little CPU work, and the first use of a timezone reads the
zone's file from disk, which must not block the event loop.
"""

from __future__ import annotations

import asyncio

from billing import Price, minutes_for, price
from billing.quotes import Quote, quote
from billing.wire import tariff_from_spec
from protocol import TariffSpec


async def session_price(tariff: TariffSpec, started_at: int, used_ms: int) -> Price:
    return await asyncio.to_thread(lambda: price(tariff_from_spec(tariff), started_at, used_ms))


async def minutes_bought(tariff: TariffSpec, at: int, amount: int) -> int:
    """Whole minutes ``amount`` pays for from ``at`` under ``tariff`` (never more than it covers)."""
    return await asyncio.to_thread(lambda: minutes_for(tariff_from_spec(tariff), at, amount))


async def session_quote(
    tariff: TariffSpec, at: int, *, minutes: int | None = None, budget: int | None = None
) -> Quote:
    """What a session from ``at`` would cost (``billing.quotes``): prepaid minutes, or what a budget buys."""
    return await asyncio.to_thread(
        lambda: quote(tariff_from_spec(tariff), at, minutes=minutes, budget=budget)
    )


async def check_tariff(tariff: TariffSpec) -> None:
    """billing's own checks (currency, timezone, ranges); raises billing.TariffError."""
    await asyncio.to_thread(tariff_from_spec, tariff)
