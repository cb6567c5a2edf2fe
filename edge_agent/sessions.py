"""The session running on this PC: timed and priced locally, journaled, resumed after a crash.

Session time is the time the session has been in use, ``used_ms``, accrued from the monotonic clock; the
state machine (``billing.session``) runs on ``started_at + used_ms``. So moving the PC's clock changes
neither the bill nor the end, and the PC locks on time whether or not the hub is reachable.

Resume policy after a crash (the README states it): within the same boot the monotonic clock kept
counting, so an agent killed and restarted counts the gap as used (the PC stayed unlocked). After a
reboot the gap is unknowable and the PC was unusable: the session resumes from its last checkpoint, so at
most one checkpoint interval of use is not billed, and no paid time is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from billing import (
    IDLE_STATE,
    MINUTE_MS,
    ActiveSession,
    Activity,
    Effect,
    Ended,
    Event,
    Extend,
    Extended,
    IllegalTransition,
    Lock,
    MachineState,
    Phase,
    Policy,
    Start,
    Started,
    Stop,
    Tariff,
    Tick,
    Unlock,
    Warn,
    ends_at_for,
    next_due,
    price,
    step,
)
from billing.wire import tariff_from_spec
from edge_agent.clock import Anchor, TrustedClock
from edge_agent.control import PcControl
from edge_agent.journal import Journal, JournalEntry
from protocol import (
    ClockJump,
    EventData,
    PcSettings,
    SessionCheckpoint,
    SessionEnded,
    SessionExtended,
    SessionKind,
    SessionOrder,
    SessionResumed,
    SessionStarted,
)

log = logging.getLogger(__name__)

STATE_KEY = "session"
ANCHOR_KEY = "clock_anchor"
SETTINGS_KEY = "settings"


class SessionRejected(Exception):
    """An order the PC will not carry out; the message goes back to the hub."""


@dataclass(frozen=True)
class Meter:
    """What the session machine does not hold: the order, the time in use and the monotonic reading it
    was last accrued at, and an offline session's proof that the member typed their secret here."""

    order: SessionOrder
    used_ms: int
    monotonic_at: int
    boot_id: str
    offline: bool = False
    proof: str | None = None


@dataclass(frozen=True)
class Running:
    """A read-only view of the running session: the machine's state of it and the meter beside it."""

    session: ActiveSession
    meter: Meter

    @property
    def order(self) -> SessionOrder:
        return self.meter.order

    @property
    def used_ms(self) -> int:
        return self.meter.used_ms

    @property
    def started_at(self) -> int:
        return self.session.started_at

    @property
    def ends_at(self) -> int | None:
        return self.session.ends_at

    @property
    def now(self) -> int:
        """The session clock: its start plus the time in use."""
        return self.session.started_at + self.meter.used_ms

    def to_state(self) -> dict[str, Any]:
        """Everything needed to carry on after a restart; saved with every session event."""
        session, meter = self.session, self.meter
        return {
            "order": meter.order.model_dump(mode="json"),
            "started_at": session.started_at,
            "used_ms": meter.used_ms,
            "monotonic_at": meter.monotonic_at,
            "boot_id": meter.boot_id,
            "last_activity": session.last_activity,
            "warned": sorted(session.warned),
            "ends_at": session.ends_at,
            "offline": meter.offline,
            "proof": meter.proof,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Running:
        order = SessionOrder.model_validate(state["order"], strict=False)
        session = ActiveSession(
            session_id=order.session_id,
            kind=order.kind,
            member_id=order.member_id,
            started_at=int(state["started_at"]),
            ends_at=None if state["ends_at"] is None else int(state["ends_at"]),
            last_activity=int(state["last_activity"]),
            warned=frozenset(int(m) for m in state["warned"]),
        )
        meter = Meter(
            order=order,
            used_ms=int(state["used_ms"]),
            monotonic_at=int(state["monotonic_at"]),
            boot_id=str(state["boot_id"]),
            offline=bool(state.get("offline", False)),
            proof=state.get("proof"),
        )
        return cls(session, meter)


def limit_for(order: SessionOrder, tariff: Tariff, started_at: int) -> int | None:
    """When the session must end, on the session clock: what was prepaid, or what the budget buys."""
    if order.kind is SessionKind.PREPAID and order.prepaid_minutes is not None:
        return started_at + order.prepaid_minutes * MINUTE_MS
    if order.kind is SessionKind.MEMBER and order.budget is not None:
        return ends_at_for(tariff, started_at, order.budget)
    return None


class SessionRuntime:
    """The session on this PC. The machine's state (``billing.session``) is held here once, beside the
    session's meter; every order and tick is a step of the machine whose effects carry what to record."""

    def __init__(
        self,
        journal: Journal,
        control: PcControl,
        clock: TrustedClock,
        *,
        on_journal: Callable[[JournalEntry], None] = lambda entry: None,
    ) -> None:
        self.journal = journal
        self.control = control
        self.clock = clock
        self._on_journal = on_journal
        self._machine: MachineState = IDLE_STATE
        self._meter: Meter | None = None
        self.settings: PcSettings | None = None
        self.policy = Policy()
        self.checkpoint_ms = 60_000
        self._last_checkpoint = 0
        self.warnings: list[int] = []
        self._lock = asyncio.Lock()
        # Set when what a tick may do has changed (a session started or was extended, new settings): the
        # tick loop, asleep until the next due moment, looks again.
        self.rescheduled = asyncio.Event()

    @property
    def running(self) -> Running | None:
        session, meter = self._machine.session, self._meter
        return None if session is None or meter is None else Running(session, meter)

    def live(self) -> Running | None:
        """The running session with its use counted up to this moment (ticks accrue it only now and
        then; nothing is stored), never past its end."""
        running = self.running
        if running is None:
            return None
        meter, session = running.meter, running.session
        now_mono = self.clock.clock.monotonic_ms()
        used = meter.used_ms + max(0, now_mono - meter.monotonic_at)
        if session.ends_at is not None:
            used = min(used, max(meter.used_ms, session.ends_at - session.started_at))
        return Running(session, replace(meter, used_ms=used, monotonic_at=now_mono))

    def due_in_ms(self) -> int | None:
        """Session time until a tick next matters: the end, a warning mark, an idle logout or a
        checkpoint (0: now). None: no session is running."""
        running = self.live()
        if running is None:
            return None
        waits = [self.checkpoint_ms - (running.used_ms - self._last_checkpoint)]
        due = next_due(self._machine, self.policy)
        if due is not None:
            waits.append(due - running.now)
        return max(0, min(waits))

    # ---- start-up ----------------------------------------------------------------------------
    @classmethod
    async def restore(
        cls, journal: Journal, control: PcControl, clock: TrustedClock, **kwargs: Any
    ) -> SessionRuntime:
        anchor = await asyncio.to_thread(journal.get_state, ANCHOR_KEY)
        if anchor and clock.anchor is None:
            candidate = Anchor(int(anchor["hub_ms"]), int(anchor["monotonic_ms"]), str(anchor["boot_id"]))
            if candidate.boot_id == clock.clock.boot_id():
                clock.anchor = candidate
        runtime = cls(journal, control, clock, **kwargs)
        settings = await asyncio.to_thread(journal.get_state, SETTINGS_KEY)
        if settings:
            runtime._apply_policy(PcSettings.model_validate(settings, strict=False))
        saved = await asyncio.to_thread(journal.get_state, STATE_KEY)
        if saved:
            await runtime._resume(Running.from_state(saved))
        else:
            await control.lock()
        return runtime

    async def _resume(self, saved: Running) -> None:
        clock = self.clock.clock
        now_mono, boot = clock.monotonic_ms(), clock.boot_id()
        meter = saved.meter
        gap = max(0, now_mono - meter.monotonic_at) if meter.boot_id == boot else 0
        self._machine = MachineState(Phase.ACTIVE, saved.session)
        self._meter = replace(meter, used_ms=meter.used_ms + gap, monotonic_at=now_mono, boot_id=boot)
        await self._record(
            SessionResumed(session_id=meter.order.session_id, gap_ms=gap, same_boot=meter.boot_id == boot),
            save=False,
        )
        await self.control.unlock()
        await self.tick()  # it may have run out while the agent was down

    # ---- settings from the hub ---------------------------------------------------------------
    def _apply_policy(self, settings: PcSettings) -> None:
        self.settings = settings
        idle = settings.idle_timeout_s * 1000 if settings.idle_timeout_s else None
        self.policy = Policy(warn_minutes=tuple(settings.warn_minutes), idle_timeout_ms=idle)
        self.checkpoint_ms = settings.checkpoint_s * 1000
        self.rescheduled.set()

    async def apply_settings(self, settings: PcSettings, *, fresh: bool) -> None:
        self._apply_policy(settings)
        await asyncio.to_thread(self.journal.put_state, SETTINGS_KEY, settings.model_dump(mode="json"))
        if fresh:
            await self.anchor(settings.hub_time)

    async def anchor(self, hub_ms: int) -> None:
        anchor = self.clock.set_anchor(hub_ms)
        value = {"hub_ms": anchor.hub_ms, "monotonic_ms": anchor.monotonic_ms, "boot_id": anchor.boot_id}
        await asyncio.to_thread(self.journal.put_state, ANCHOR_KEY, value)

    # ---- orders ------------------------------------------------------------------------------
    async def start(
        self, order: SessionOrder, *, offline: bool = False, prove: Callable[[int], str] | None = None
    ) -> None:
        """Run ``order``. An offline start passes ``prove``, which signs the session's start time."""
        async with self._lock:
            running = self.running
            if running is not None:
                if running.order.session_id == order.session_id:
                    return  # a redelivered order: already running
                raise SessionRejected(f"session {running.order.session_id} is already running")
            started_at = self.clock.now()
            ends_at = limit_for(order, tariff_from_spec(order.tariff), started_at)
            clock = self.clock.clock
            meter = Meter(
                order=order,
                used_ms=0,
                monotonic_at=clock.monotonic_ms(),
                boot_id=clock.boot_id(),
                offline=offline,
                proof=prove(started_at) if prove is not None else None,
            )
            await self._step(
                Start(order.session_id, order.kind, order.member_id, ends_at, started_at), meter=meter
            )

    async def extend(self, order: SessionOrder) -> None:
        async with self._lock:
            running = self._accrued(order.session_id)
            ends_at = limit_for(order, tariff_from_spec(order.tariff), running.started_at)
            await self._step(Extend(ends_at, running.now), meter=replace(running.meter, order=order))

    async def stop(self, session_id: str, reason: str) -> None:
        async with self._lock:
            await self._step(Stop(reason, self._accrued(session_id).now))

    async def activity(self) -> None:
        async with self._lock:
            if self._meter is not None:
                self._accrue()
                await self._step(Activity(self._now()))

    async def tick(self) -> None:
        """Called at each due moment (``due_in_ms``) and at least every second while a session runs:
        accrue use, end or warn on time, checkpoint, watch the clock."""
        async with self._lock:
            jump = self.clock.wall_jump()
            if jump is not None:
                session = self._meter.order.session_id if self._meter else None
                await self._record(ClockJump(delta_ms=jump, session_id=session), save=False)
            if self._meter is None:
                return
            self._accrue()
            used_ms = self._meter.used_ms
            await self._step(Tick(self._now()))
            if self._meter is not None and used_ms - self._last_checkpoint >= self.checkpoint_ms:
                self._last_checkpoint = used_ms
                await self._record(
                    SessionCheckpoint(
                        session_id=self._meter.order.session_id, used_ms=used_ms, cost=self.cost()
                    )
                )

    async def note(self, payload: EventData) -> None:
        """Journal an event about this PC that is not a step of the session (the guard's tamper events)."""
        await self._record(payload, save=False)

    def cost(self, used_ms: int | None = None) -> int:
        running = self.running
        assert running is not None
        used = running.used_ms if used_ms is None else used_ms
        return price(tariff_from_spec(running.order.tariff), running.started_at, used).total

    # ---- internals ---------------------------------------------------------------------------
    def _accrue(self) -> None:
        meter = self._meter
        if meter is None:
            return
        now_mono = self.clock.clock.monotonic_ms()
        used = meter.used_ms + max(0, now_mono - meter.monotonic_at)
        self._meter = replace(meter, used_ms=used, monotonic_at=now_mono)

    def _accrued(self, session_id: str) -> Running:
        """The running session ``session_id`` with its use accrued up to now; rejected if not running."""
        self._accrue()
        running = self.running
        if running is None or running.order.session_id != session_id:
            raise SessionRejected(f"session {session_id} is not running here")
        return running

    def _now(self) -> int:
        running = self.running
        assert running is not None
        return running.now

    async def _step(self, event: Event, *, meter: Meter | None = None) -> None:
        """One step of the machine; on success adopt its state (and ``meter``), then carry out its
        effects. An illegal step changes nothing and rejects the order."""
        try:
            state, effects = step(self._machine, event, self.policy)
        except IllegalTransition as exc:
            raise SessionRejected(str(exc)) from None
        closed = self._machine.session
        self._machine = state
        if meter is not None:
            self._meter = meter
        if isinstance(event, Start | Extend):
            self.rescheduled.set()
        for effect in effects:
            await self._carry_out(effect, closed)

    async def _carry_out(self, effect: Effect, closed: ActiveSession | None) -> None:
        match effect:
            case Started(session=session):
                self._last_checkpoint = 0
                await self._record(self._started(session), at=session.started_at)
            case Extended(ends_at=ends_at):
                assert self._meter is not None
                order = self._meter.order
                await self._record(
                    SessionExtended(
                        session_id=effect.session_id,
                        ends_at=ends_at,
                        budget=order.budget,
                        prepaid_minutes=order.prepaid_minutes,
                    )
                )
            case Ended():
                assert closed is not None
                assert self._meter is not None
                meter, self._meter = self._meter, None
                await self._record(self._ended(effect, closed, meter))
                log.info("session %s ended (%s)", effect.session_id, effect.reason)
            case Unlock():
                await self.control.unlock()
            case Lock():
                await self.control.lock()
            case Warn(minutes_left=minutes):
                self.warnings.append(minutes)
                await self.control.warn(minutes)

    def _started(self, session: ActiveSession) -> SessionStarted:
        assert self._meter is not None
        meter, order = self._meter, self._meter.order
        return SessionStarted(
            session_id=session.session_id,
            kind=session.kind,
            member_id=session.member_id,
            tariff_id=order.tariff.id,
            started_at=session.started_at,
            ends_at=session.ends_at,
            prepaid_minutes=order.prepaid_minutes,
            budget=order.budget,
            offline=meter.offline,
            proof=meter.proof,
        )

    def _ended(self, ended: Ended, session: ActiveSession, meter: Meter) -> SessionEnded:
        # Billed up to the machine's end (the computed end on expiry), never past it.
        used_ms = max(0, ended.ended_at - session.started_at)
        tariff = tariff_from_spec(meter.order.tariff)
        return SessionEnded(
            session_id=ended.session_id,
            reason=ended.reason[:256],
            kind=session.kind,
            member_id=session.member_id,
            tariff_id=meter.order.tariff.id,
            started_at=session.started_at,
            ended_at=ended.ended_at,
            used_ms=used_ms,
            cost=price(tariff, session.started_at, used_ms).total,
            offline=meter.offline,
            proof=meter.proof,
        )

    async def _record(self, payload: EventData, *, at: int | None = None, save: bool = True) -> None:
        """Journal ``payload`` (built from protocol's model of its type, as the hub will check it); with
        ``save``, together with the running session (or its absence) in one transaction."""
        when = self.clock.now() if at is None else at
        data = payload.to_data()
        if save:
            running = self.running
            state = running.to_state() if running is not None else None
            entry = await asyncio.to_thread(
                self.journal.put_state_and_append, STATE_KEY, state, payload.type, data, when
            )
        else:
            entry = await asyncio.to_thread(self.journal.append, payload.type, data, when)
        self._on_journal(entry)
