"""Scheduled backups run by the hub: every ``every_s`` one replica (whichever takes the Redis lock) backs the
store up in a child process (``python -m hub.backups``), then prunes the destination (a folder or a bucket)
by the retention rule.

The last good backup (time, archive, size) and the last failure are kept in Redis, so that every replica's
``GET /healthz`` and ``/metrics`` tell the same age, and a replica that starts knows whether one is due. A
failure is retried after ``RETRY_S``, not at every check.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge
from redis.asyncio import Redis
from redis.exceptions import RedisError

from hub.backups.destination import Destination, DestinationError, parse_destination
from hub.backups.retention import Retention, to_keep
from hub.clock import now_ms
from hub.config import HubSettings

log = logging.getLogger(__name__)

LAST_GOOD = "icafe:backup:last-good"
LAST_FAILURE = "icafe:backup:last-failure"
LOCK = "icafe:backup:lock"
CHECK_EVERY_S = 60.0
RETRY_S = 15 * 60.0
# Longer than any backup should take; a replica that dies holding the lock frees it after this.
LOCK_TTL_MS = 3 * 3600 * 1000
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


@dataclass(frozen=True)
class BackupPlan:
    destination: Destination
    every_s: float
    retention: Retention
    data_dir: Path
    database: str
    encryption_keys: str | None


def prune(destination: Destination, retention: Retention, now_ms: int) -> list[str]:
    """Delete the archives at ``destination`` the retention rule does not keep; the names deleted."""
    archives = destination.archives()
    keep = to_keep((stored.at_ms for stored in archives), now_ms, retention)
    dropped = [stored.name for stored in archives if stored.at_ms not in keep]
    for name in dropped:
        destination.delete(name)
    return dropped


def newest_archive(destination: Destination) -> dict[str, Any] | None:
    """The newest archive at ``destination`` as a last-good record (a replica starting, Redis empty)."""
    archives = destination.archives()
    if not archives:
        return None
    newest = archives[-1]
    return {"at_ms": newest.at_ms, "archive": newest.name, "bytes": newest.size}


class BackupScheduler:
    def __init__(
        self, plan: BackupPlan, redis: Redis, registry: CollectorRegistry, clock: Callable[[], int]
    ) -> None:
        self.plan, self._redis, self._clock = plan, redis, clock
        self._last_good_ms: int | None = None
        self.runs = Counter(
            "icafe_backups", "Scheduled backups taken, by outcome", ["outcome"], registry=registry
        )
        self.last_success = Gauge(
            "icafe_backup_last_success_timestamp_seconds",
            "When the newest good backup was taken (Unix time; 0: none yet)",
            registry=registry,
        )
        self.last_success.set_function(lambda: (self._last_good_ms or 0) / 1000)

    async def run_forever(self) -> None:
        while True:
            try:
                await self.tick()
            except (RedisError, OSError, DestinationError) as exc:
                log.warning("backup schedule: %s; will retry", exc)
            await asyncio.sleep(min(CHECK_EVERY_S, self.plan.every_s / 4))

    async def tick(self) -> dict[str, Any] | None:
        """Take a backup if one is due and this replica gets the lock; the outcome, or None."""
        last = await self._last_good()
        if not self._due(last) or await self._failed_recently():
            return None
        token = uuid.uuid4().hex
        if not await self._redis.set(LOCK, token, nx=True, px=LOCK_TTL_MS):
            return None
        try:
            # Another replica may have finished one between the first look and the lock.
            if not self._due(await self._last_good()):
                return None
            return await self._back_up()
        finally:
            await self._redis.eval(_RELEASE, 1, LOCK, token)

    def _due(self, last: dict[str, Any] | None) -> bool:
        return last is None or self._clock() - int(last["at_ms"]) >= self.plan.every_s * 1000

    async def _last_good(self) -> dict[str, Any] | None:
        stored = await self._redis.get(LAST_GOOD)
        last: dict[str, Any] | None = json.loads(stored) if stored else None
        if last is None:
            last = await asyncio.to_thread(newest_archive, self.plan.destination)
            if last is not None:
                await self._redis.set(LAST_GOOD, json.dumps(last))
        self._last_good_ms = int(last["at_ms"]) if last else None
        return last

    async def _failed_recently(self) -> bool:
        stored = await self._redis.get(LAST_FAILURE)
        if not stored:
            return False
        return self._clock() - int(json.loads(stored)["at_ms"]) < RETRY_S * 1000

    async def _back_up(self) -> dict[str, Any]:
        plan = self.plan
        argv = [sys.executable, "-m", "hub.backups", "--data-dir", str(plan.data_dir)]
        argv += ["--database", plan.database, "--dest", str(plan.destination)]
        env = {k: v for k, v in os.environ.items() if k != "ICAFE_ENCRYPTION_KEYS"}
        if plan.encryption_keys:
            env["ICAFE_ENCRYPTION_KEYS"] = plan.encryption_keys
        child = await asyncio.create_subprocess_exec(
            *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await child.communicate()
        try:
            outcome: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            outcome = {"ok": False, "error": f"exit {child.returncode}: {err.decode()[-500:].strip()}"}
        if not outcome.get("ok"):
            self.runs.labels("failed").inc()
            log.error("scheduled backup failed: %s", outcome.get("error"))
            await self._redis.set(
                LAST_FAILURE, json.dumps({"at_ms": self._clock(), "error": outcome.get("error")})
            )
            return outcome
        record = {
            "at_ms": outcome["created_ms"],
            "archive": outcome["archive"].rsplit("/", 1)[-1],
            "bytes": outcome["bytes"],
        }
        await self._redis.set(LAST_GOOD, json.dumps(record))
        await self._redis.delete(LAST_FAILURE)
        self._last_good_ms = int(record["at_ms"])
        self.runs.labels("ok").inc()
        dropped = await asyncio.to_thread(prune, plan.destination, plan.retention, self._clock())
        log.info(
            "backup %s (%d bytes); retention removed %d", record["archive"], record["bytes"], len(dropped)
        )
        return {**outcome, "pruned": dropped}


async def backup_health(redis: Redis, now_ms: int) -> dict[str, Any]:
    """What ``GET /healthz`` says of backups: the last good one's age and archive, the last failure."""
    good, failure = await redis.mget([LAST_GOOD, LAST_FAILURE])
    health: dict[str, Any] = {"last_good_age_s": None, "last_good": None, "last_failure": None}
    if good:
        last = json.loads(good)
        health["last_good"] = last["archive"]
        health["last_good_age_s"] = max(0, (now_ms - int(last["at_ms"])) // 1000)
    if failure:
        health["last_failure"] = json.loads(failure)
    return health


def scheduler_for(settings: HubSettings, redis: Redis, registry: CollectorRegistry) -> BackupScheduler | None:
    """The hub's scheduler from its settings; None when scheduled backups are off (no ``backup_dir``)."""
    if settings.backup_dir is None:
        return None
    plan = BackupPlan(
        destination=parse_destination(settings.backup_dir),
        every_s=settings.backup_every_h * 3600,
        retention=Retention(settings.backup_keep_days, settings.backup_keep_months),
        data_dir=settings.data_dir,
        database=settings.mongo_db,
        encryption_keys=settings.encryption_keys,
    )
    return BackupScheduler(plan, redis, registry, now_ms)
