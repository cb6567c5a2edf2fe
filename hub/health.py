"""Prometheus gauges of what the hub depends on and of what staff should look at, refreshed by each
replica every ``REFRESH_S``: ``icafe_dependency_up{dependency}`` (broker, store, Redis: 1 up, 0 down, as
``GET /healthz`` sees them) and ``icafe_alerts_unresolved{kind}`` (open or acknowledged alerts).
``deploy/prometheus/icafe-alerts.yml`` alerts on them."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CollectorRegistry, Gauge
from pymongo.errors import PyMongoError

from hub.alerts import AlertKind
from hub.live import LiveState
from hub.store import Store

log = logging.getLogger(__name__)

REFRESH_S = 15.0


class HealthGauges:
    def __init__(
        self, registry: CollectorRegistry, store: Store, live: LiveState, broker_connected: asyncio.Event
    ) -> None:
        self._store, self._live, self._broker = store, live, broker_connected
        self.up = Gauge(
            "icafe_dependency_up",
            "Whether this hub reaches what it depends on (1) or not (0)",
            ["dependency"],
            registry=registry,
        )
        self.unresolved = Gauge(
            "icafe_alerts_unresolved", "Alerts open or acknowledged, by kind", ["kind"], registry=registry
        )

    async def refresh(self) -> None:
        store_ok, redis_ok = await asyncio.gather(self._store.ping(), self._live.ping())
        self.up.labels("broker").set(1 if self._broker.is_set() else 0)
        self.up.labels("store").set(1 if store_ok else 0)
        self.up.labels("redis").set(1 if redis_ok else 0)
        if not store_ok:
            return  # the counts stay as last seen; the store's own gauge says why
        counts = await self._store.alerts.unresolved_by_kind()
        for kind in {*(k.value for k in AlertKind), *counts}:
            self.unresolved.labels(kind).set(counts.get(kind, 0))

    async def run_forever(self) -> None:
        while True:
            try:
                await self.refresh()
            except PyMongoError as exc:
                log.warning("health gauges: %s", str(exc)[:300])
            await asyncio.sleep(REFRESH_S)
