"""Telemetry and hardware facts from psutil, sampled off the event loop."""

from __future__ import annotations

import asyncio
import platform
import random
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import psutil

from protocol import Hardware


@dataclass(frozen=True)
class Sample:
    cpu_percent: float
    memory_percent: float
    disk_percent: float
    uptime_s: int
    user: str | None


class TelemetrySource(Protocol):
    async def sample(self) -> Sample: ...


def _disk_root() -> str:
    return str(Path.home().anchor or "/")


def read_sample() -> Sample:
    """Blocking: call through a thread."""
    users = psutil.users()
    return Sample(
        cpu_percent=float(psutil.cpu_percent(interval=None)),
        memory_percent=float(psutil.virtual_memory().percent),
        disk_percent=float(psutil.disk_usage(_disk_root()).percent),
        uptime_s=max(0, int(time.time() - psutil.boot_time())),
        user=users[0].name if users else None,
    )


def read_hardware() -> Hardware:
    return Hardware(
        cpu_model=(platform.processor() or platform.machine())[:256],
        cpu_count=psutil.cpu_count() or 0,
        memory_bytes=int(psutil.virtual_memory().total),
        disk_bytes=int(psutil.disk_usage(_disk_root()).total),
    )


def hostname() -> str:
    return socket.gethostname()[:256]


def boot_time_ms() -> int:
    return int(psutil.boot_time() * 1000)


class PsutilTelemetry:
    async def sample(self) -> Sample:
        return await asyncio.to_thread(read_sample)


class SharedTelemetry:
    """One psutil reading shared by many simulated PCs, each with its own small variation."""

    def __init__(self, max_age_s: float = 1.0) -> None:
        self._max_age_s = max_age_s
        self._sample: Sample | None = None
        self._taken = 0.0
        self._refresh: asyncio.Task[Sample] | None = None

    async def _read(self) -> Sample:
        sample = await asyncio.to_thread(read_sample)
        self._sample, self._taken = sample, time.monotonic()
        return sample

    async def _base(self) -> Sample:
        # Callers get the cached reading at once while a fresh one is taken in the background; waiting
        # for it would make every simulated PC report in the same instant.
        stale = time.monotonic() - self._taken > self._max_age_s
        if (self._sample is None or stale) and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.create_task(self._read())
        if self._sample is None:
            assert self._refresh is not None
            return await asyncio.shield(self._refresh)
        return self._sample

    def for_pc(self) -> TelemetrySource:
        shared = self

        class _PcView:
            async def sample(self) -> Sample:
                base = await shared._base()

                def vary(value: float) -> float:
                    return round(min(100.0, max(0.0, value + random.uniform(-5, 5))), 1)

                return Sample(
                    vary(base.cpu_percent), vary(base.memory_percent), base.disk_percent, base.uptime_s, None
                )

        return _PcView()
