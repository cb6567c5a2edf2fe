"""Between the wire form of a tariff (``protocol.TariffSpec``) and billing's own pure type."""

from __future__ import annotations

from billing.tariffs import RateWindow, Tariff
from protocol import TariffSpec


def tariff_from_spec(spec: TariffSpec) -> Tariff:
    return Tariff(
        id=spec.id,
        name=spec.name,
        hourly_rate=spec.hourly_rate,
        currency=spec.currency,
        windows=tuple(
            RateWindow(
                name=w.name,
                start_minute=w.start_minute,
                end_minute=w.end_minute,
                hourly_rate=w.hourly_rate,
                days=frozenset(w.days),
            )
            for w in spec.windows
        ),
        minimum_charge=spec.minimum_charge,
        timezone=spec.timezone,
    )
