"""What the lock screen must show, decided by the agent: the screen's state and the control that drives it.

``UiControl`` is the ``PcControl`` of a PC with a lock screen: locking and unlocking switch the screen
between the login and the timer (restart and shutdown still go to the machine). ``Screen`` turns the
session runtime, the link to the hub and the staff's modes into the :class:`ScreenState` the UI renders;
the link pushes it whenever it changes. Nothing polls it: whatever changes an input says so
(``Screen.changed``), and ``Screen.next_change_s`` says when the passing of time alone will change it (the
session's clock, once a second; a session's end summary or a staff message running out).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from billing import price
from billing.wire import tariff_from_spec
from edge_agent.control import PcControl
from edge_agent.link_models import Cafe, PriceLineView, ScreenState, SessionOver, SessionView
from edge_agent.sessions import SessionRuntime
from protocol import SessionEnded

# A session's end stays on the lock screen this long (real seconds), unless someone logs in.
SESSION_OVER_S = 15.0
# A staff message stays this long.
STAFF_MESSAGE_S = 60.0
# The customer is warned this long before an idle logout (or half the timeout, if shorter).
IDLE_WARNING_MS = 60_000
# A warning mark stays flashing this long (session time).
WARNING_FLASH_MS = 10_000


@dataclass
class Modes:
    """What staff and the guard decided, beside the session: the screen is locked, the PC is being
    serviced, or the guard keeps it locked until staff come."""

    locked: bool = True
    maintenance: bool = False
    lockdown: bool = False
    staff_message: str | None = None
    staff_message_at: float = 0.0
    warning_minutes: int | None = None
    warning_at: int = 0  # session clock


class UiControl:
    """Drives the lock screen; ``machine`` carries out what only the operating system can (restart,
    shutdown) and keeps its own idea of locked for the simulator's record."""

    def __init__(self, machine: PcControl, modes: Modes | None = None) -> None:
        self.machine = machine
        self.modes = modes or Modes()
        self.sessions: SessionRuntime | None = None  # set once the runtime exists (it needs the control)
        self.on_change: Callable[[], None] = lambda: None  # the modes changed: the screen must follow

    @property
    def locked(self) -> bool:
        return self.modes.locked

    async def lock(self) -> None:
        self.modes.locked = True
        self.on_change()
        await self.machine.lock()

    async def unlock(self) -> None:
        self.modes.locked = False
        self.modes.warning_minutes = None
        self.on_change()
        await self.machine.unlock()

    async def message(self, text: str) -> None:
        self.modes.staff_message, self.modes.staff_message_at = text[:256], time.monotonic()
        self.on_change()
        await self.machine.message(text)

    async def warn(self, minutes_left: int) -> None:
        running = self.sessions.running if self.sessions is not None else None
        self.modes.warning_minutes = minutes_left
        self.modes.warning_at = running.now if running is not None else 0
        self.on_change()
        await self.machine.warn(minutes_left)

    async def maintenance(self, on: bool) -> None:
        self.modes.maintenance = on
        if not on:
            self.modes.lockdown = False  # staff acted on the PC: the guard's call for them is answered
        self.on_change()
        await self.machine.maintenance(on)

    async def restart(self) -> None:
        await self.machine.restart()

    async def shutdown(self) -> None:
        await self.machine.shutdown()


class Screen:
    """Computes the screen's state from the runtime, the link and the modes."""

    def __init__(self, sessions: SessionRuntime, modes: Modes, online: Callable[[], bool]) -> None:
        self.sessions = sessions
        self.modes = modes
        self._online = online
        self._last_end: tuple[SessionOver, float] | None = None
        self._version = 0
        self.dirty = asyncio.Event()  # set by ``changed``: the state must be computed again

    def changed(self) -> None:
        """Something the screen shows may have changed: the pusher computes the state again."""
        self.dirty.set()

    def ended(self, ended: SessionEnded) -> None:
        """A session ended here: show its summary for a while."""
        over = SessionOver(
            reason=ended.reason[:256], used_ms=ended.used_ms, cost=ended.cost, offline=ended.offline
        )
        self._last_end = (over, time.monotonic())
        self.changed()

    def login_refusal(self) -> str | None:
        """Why no one may log in right now (None: they may)."""
        if self.modes.lockdown:
            return "call_staff"
        if self.modes.maintenance:
            return "maintenance"
        if self.sessions.running is not None:
            return "busy"
        return None

    def cafe(self) -> Cafe:
        settings = self.sessions.settings
        face = settings.branch if settings is not None else None
        if face is None:
            currency = settings.tariff.currency if settings is not None else "UZS"
            return Cafe(currency=currency)
        return Cafe(name=face.name, language=face.language, currency=face.currency, logo_png=face.logo_png)

    def state(self) -> ScreenState:
        """The state now, with version 0: ``versioned`` numbers the ones actually pushed."""
        modes, now = self.modes, time.monotonic()
        running = self.sessions.live()
        if modes.staff_message is not None and now - modes.staff_message_at > STAFF_MESSAGE_S:
            modes.staff_message = None
        over = None
        if self._last_end is not None:
            summary, at = self._last_end
            if running is None and now - at <= SESSION_OVER_S:
                over = summary
            else:
                self._last_end = None
        view, warning, idle_in = None, None, None
        if running is not None:
            order = running.order
            ends_at = running.ends_at
            # Whole seconds: the screen changes (and is pushed) once a second, not at every tick.
            view = SessionView(
                kind=order.kind.value,
                used_ms=running.used_ms // 1000 * 1000,
                time_left_ms=None if ends_at is None else -(-max(0, ends_at - running.now) // 1000) * 1000,
                cost=self.sessions.cost(running.used_ms),
                budget=order.budget,
                prepaid_minutes=order.prepaid_minutes,
                offline=running.meter.offline,
            )
            if modes.warning_minutes is not None and running.now - modes.warning_at <= WARNING_FLASH_MS:
                warning = modes.warning_minutes
            timeout = self.sessions.policy.idle_timeout_ms
            if timeout is not None:
                left = running.session.last_activity + timeout - running.now
                if left <= min(IDLE_WARNING_MS, timeout // 2):
                    idle_in = -(-max(0, left) // 1000) * 1000
        if modes.lockdown:
            mode = "lockdown"
        elif modes.maintenance:
            mode = "maintenance"
        elif running is not None and not modes.locked:
            mode = "session"
        else:
            mode = "locked"
        return ScreenState(
            mode=mode,
            cafe=self.cafe(),
            offline=not self._online(),
            session=view,
            session_over=over,
            warning_minutes=warning,
            idle_logout_in_ms=idle_in,
            staff_message=modes.staff_message,
        )

    def next_change_s(self) -> float | None:
        """Real seconds until the passing of time alone changes the state (None: only an event will).
        In a session: when its clock next shows another whole second, at most a second away (a
        simulator's clock runs faster; the idle countdown and a warning's end follow within the second).
        Otherwise: when a session's end summary or a staff message runs out."""
        now, modes = time.monotonic(), self.modes
        running = self.sessions.live()
        if running is not None:
            ends_at = running.ends_at
            # Time used shows whole seconds rounded down, time left rounded up.
            if ends_at is None:
                wait_ms = 1000 - running.used_ms % 1000
            else:
                wait_ms = (ends_at - running.now) % 1000 or 1000
            return min(1.0, self.sessions.clock.real_s(wait_ms) + 0.005)
        waits = []
        if self._last_end is not None:
            waits.append(self._last_end[1] + SESSION_OVER_S - now)
        if modes.staff_message is not None:
            waits.append(modes.staff_message_at + STAFF_MESSAGE_S - now)
        return max(0.0, min(waits)) + 0.005 if waits else None

    def versioned(self, state: ScreenState) -> ScreenState:
        self._version += 1
        return state.model_copy(update={"version": self._version})

    def price_lines(self) -> tuple[str, list[PriceLineView], int] | None:
        running = self.sessions.running
        if running is None:
            return None
        tariff = tariff_from_spec(running.order.tariff)
        priced = price(tariff, running.started_at, running.used_ms)
        lines = [
            PriceLineView(
                label=line.label, minutes=line.minutes, hourly_rate=line.hourly_rate, amount=line.amount
            )
            for line in priced.lines
        ]
        return priced.currency, lines, priced.total
