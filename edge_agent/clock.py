"""Time on the PC: a monotonic clock anchored to the hub's time, so moving the PC's clock changes nothing.

``SystemClock`` reads the machine; tests inject their own ``Clock``. ``TrustedClock`` turns the monotonic
reading into epoch milliseconds using the last anchor (the hub's time and the monotonic reading when it
arrived). It also watches the wall clock: when wall time and monotonic time drift apart by more than
``JUMP_TOLERANCE_MS`` between two looks, somebody moved the clock, and the caller journals it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import psutil

JUMP_TOLERANCE_MS = 2_000


class Clock(Protocol):
    def monotonic_ms(self) -> int: ...
    def wall_ms(self) -> int: ...
    def boot_id(self) -> str: ...


class SystemClock:
    """The machine's clocks. The monotonic clock is system-wide and counts from boot, so an agent that
    restarts within the same boot can measure exactly how long it was gone."""

    def monotonic_ms(self) -> int:
        return time.monotonic_ns() // 1_000_000

    def wall_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def boot_id(self) -> str:
        return str(int(psutil.boot_time()))


@dataclass(frozen=True)
class Anchor:
    hub_ms: int
    monotonic_ms: int
    boot_id: str


class TrustedClock:
    def __init__(self, clock: Clock, anchor: Anchor | None = None) -> None:
        self.clock = clock
        # An anchor from another boot is meaningless: the monotonic clock restarted.
        self.anchor = anchor if anchor and anchor.boot_id == clock.boot_id() else None
        self._skew = self._wall_minus_monotonic()

    @property
    def synced(self) -> bool:
        return self.anchor is not None

    def set_anchor(self, hub_ms: int) -> Anchor:
        self.anchor = Anchor(hub_ms, self.clock.monotonic_ms(), self.clock.boot_id())
        return self.anchor

    def now(self) -> int:
        """Epoch ms: the hub's time carried forward by the monotonic clock; the wall clock until the
        first anchor of this boot."""
        if self.anchor is None:
            return self.clock.wall_ms()
        return self.anchor.hub_ms + (self.clock.monotonic_ms() - self.anchor.monotonic_ms)

    def _wall_minus_monotonic(self) -> int:
        return self.clock.wall_ms() - self.clock.monotonic_ms()

    def real_s(self, session_ms: int) -> float:
        """How many real seconds ``session_ms`` of this clock take (fewer on a simulator's fast clock;
        a clock without a ``scale`` runs at the machine's pace)."""
        scale = float(getattr(self.clock, "scale", 1.0))
        return session_ms / scale / 1000

    def wall_jump(self) -> int | None:
        """How far the wall clock was moved since the last look (ms, signed), or None."""
        skew = self._wall_minus_monotonic()
        delta, self._skew = skew - self._skew, skew
        return delta if abs(delta) > JUMP_TOLERANCE_MS else None


class ScaledClock:
    """A clock that runs ``scale`` times faster than the machine's, for simulated PCs in tests and demos
    (``ICAFE_CLOCK_SCALE``): an hour-long session ends in a minute at scale 60."""

    def __init__(self, base: Clock, scale: float) -> None:
        if scale <= 0:
            raise ValueError("the clock scale must be positive")
        self._base = base
        self.scale = scale
        self._mono0 = base.monotonic_ms()
        self._wall0 = base.wall_ms()

    def _elapsed(self) -> int:
        return int((self._base.monotonic_ms() - self._mono0) * self.scale)

    def monotonic_ms(self) -> int:
        return self._mono0 + self._elapsed()

    def wall_ms(self) -> int:
        return self._wall0 + self._elapsed()

    def boot_id(self) -> str:
        return self._base.boot_id()
