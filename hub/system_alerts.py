"""Stored alerts about the site's hub as a whole (``hub.alerts.SystemAlerts``), next to the Prometheus gauges
(``hub.health``) that say the same to an operator's Prometheus:

- ``broker_down``: this hub's connection to the broker down for ``BROKER_GRACE_MS`` (a reconnect within it
  is no news); resolved by the hub once it is connected again.
- ``store_outage``: the store unreachable. Nothing can be stored while it is down, so the outage is
  recorded when the store answers again, with when it started and ended, for staff to acknowledge.
- ``backup_overdue``: scheduled backups on and the newest good one older than the interval and an hour
  (``hub.api.backups.backup_status``); resolved once a good backup lands.

``decide`` is the rule, pure: the watch so far and a new look in, the watch after and the changes out.
``SystemAlertWatcher`` takes a look every ``LOOK_S`` and stores the changes. Every replica of a site's hub
runs one: their alerts share one slot per site and kind (``system:<site>:<kind>``), so replicas seeing the
same outage add to one alert (its count) rather than each opening its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pymongo.errors import PyMongoError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from hub.alerts import AlertKind, SystemAlerts
from hub.api.backups import backup_status
from hub.backups.schedule import backup_health
from hub.clock import now_ms
from hub.store import Store

log = logging.getLogger(__name__)

LOOK_S = 5.0
BROKER_GRACE_MS = 30_000
RESOLVED_BY = "hub"


@dataclass(frozen=True)
class Look:
    """What the watcher saw: ``mono_ms`` times how long something is down, ``wall_ms`` tells staff when."""

    mono_ms: int
    wall_ms: int
    broker_up: bool
    store_up: bool
    backup_overdue: bool | None = None  # None: backups off, or their status unreadable (Redis down)
    backup_age_s: int | None = None


@dataclass(frozen=True)
class Watch:
    """What the watcher remembers between looks. ``*_raised`` None: not known (a fresh start, whose
    predecessor may have left an alert open): the next look raises or resolves to match what it sees."""

    broker_down_mono: int | None = None
    broker_raised: bool | None = None
    store_down_mono: int | None = None
    store_down_wall: int | None = None
    backup_raised: bool | None = None


@dataclass(frozen=True)
class Change:
    kind: AlertKind
    resolve: bool  # False: raise
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def decide(watch: Watch, look: Look, broker_grace_ms: int = BROKER_GRACE_MS) -> tuple[Watch, list[Change]]:
    """The watch after ``look`` and the alerts to raise or resolve. Nothing is changed while the store is
    down (it could not be stored): what is due then is decided again at the first look it answers."""
    after = watch
    if look.broker_up:
        after = replace(after, broker_down_mono=None)
    elif after.broker_down_mono is None:
        after = replace(after, broker_down_mono=look.mono_ms)
    if not look.store_up:
        if after.store_down_mono is None:
            after = replace(after, store_down_mono=look.mono_ms, store_down_wall=look.wall_ms)
        return after, []

    changes: list[Change] = []
    if after.store_down_mono is not None and after.store_down_wall is not None:
        down_s = (look.mono_ms - after.store_down_mono) // 1000
        changes.append(
            Change(
                AlertKind.STORE_OUTAGE,
                resolve=False,
                message=f"the store was unreachable for {down_s} s",
                details={"started_at": after.store_down_wall, "ended_at": look.wall_ms, "down_s": down_s},
            )
        )
        after = replace(after, store_down_mono=None, store_down_wall=None)

    if after.broker_down_mono is None:
        if after.broker_raised is not False:
            changes.append(Change(AlertKind.BROKER_DOWN, resolve=True))
            after = replace(after, broker_raised=False)
    elif after.broker_raised is not True and look.mono_ms - after.broker_down_mono >= broker_grace_ms:
        down_ms = look.mono_ms - after.broker_down_mono
        changes.append(
            Change(
                AlertKind.BROKER_DOWN,
                resolve=False,
                message=f"the hub has had no connection to the broker for {down_ms // 1000} s",
                details={"since": look.wall_ms - down_ms},
            )
        )
        after = replace(after, broker_raised=True)

    if look.backup_overdue is not None and look.backup_overdue != after.backup_raised:
        if look.backup_overdue:
            newest = (
                "there is no good backup yet"
                if look.backup_age_s is None
                else f"the newest good one is {look.backup_age_s // 3600} h old"
            )
            changes.append(
                Change(
                    AlertKind.BACKUP_OVERDUE,
                    resolve=False,
                    message=f"scheduled backups are overdue: {newest}",
                    details={"last_good_age_s": look.backup_age_s},
                )
            )
        else:
            changes.append(Change(AlertKind.BACKUP_OVERDUE, resolve=True))
        after = replace(after, backup_raised=look.backup_overdue)
    return after, changes


def _monotonic_ms() -> int:
    return time.monotonic_ns() // 1_000_000


class SystemAlertWatcher:
    def __init__(
        self,
        store: Store,
        redis: Redis,
        alerts: SystemAlerts,
        broker_connected: asyncio.Event,
        backup_every_h: float | None,
        *,
        monotonic_ms: Callable[[], int] = _monotonic_ms,
        broker_grace_ms: int = BROKER_GRACE_MS,
    ) -> None:
        self._store, self._redis, self._alerts = store, redis, alerts
        self._broker = broker_connected
        self._backup_every_h = backup_every_h  # None: scheduled backups off
        self._monotonic_ms = monotonic_ms
        self._grace_ms = broker_grace_ms
        self.watch = Watch()

    async def look(self) -> Look:
        wall = now_ms()
        overdue: bool | None = None
        age: int | None = None
        if self._backup_every_h is not None:
            try:
                status = backup_status(self._backup_every_h, await backup_health(self._redis, wall), wall)
                overdue, age = bool(status["overdue"]), status["last_good_age_s"]
            except (RedisError, OSError):
                pass  # unknown this time: nothing changes
        return Look(
            mono_ms=self._monotonic_ms(),
            wall_ms=wall,
            broker_up=self._broker.is_set(),
            store_up=await self._store.ping(),
            backup_overdue=overdue,
            backup_age_s=age,
        )

    async def step(self) -> list[Change]:
        """One look and its changes stored; on a failure to store them the watch stays as it was, so the
        next step tries again."""
        after, changes = decide(self.watch, await self.look(), self._grace_ms)
        try:
            for change in changes:
                if change.resolve:
                    await self._alerts.resolve(change.kind, by=RESOLVED_BY)
                else:
                    await self._alerts.raise_alert(change.kind, change.message, change.details)
        except (PyMongoError, RedisError, OSError) as exc:
            log.warning("system alerts: %s", str(exc)[:300])
            return []
        self.watch = after
        return changes

    async def run_forever(self) -> None:
        while True:
            await self.step()
            await asyncio.sleep(LOOK_S)
