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
    Ended,
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
    price,
    step,
)
from billing.session import Effect
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
class Running:
    """Everything needed to carry on a session after a restart; journaled at every checkpoint."""

    order: SessionOrder
    started_at: int
    used_ms: int
    monotonic_at: int  # the monotonic reading at which used_ms was last accrued
    boot_id: str
    last_activity: int
    warned: frozenset[int]
    ends_at: int | None
    offline: bool = False
    # An offline session's proof that the member typed their secret here (protocol.offline).
    proof: str | None = None

    @property
    def now(self) -> int:
        """The session clock: its start plus the time in use."""
        return self.started_at + self.used_ms

    def to_state(self) -> dict[str, Any]:
        return {
            "order": self.order.model_dump(mode="json"),
            "started_at": self.started_at,
            "used_ms": self.used_ms,
            "monotonic_at": self.monotonic_at,
            "boot_id": self.boot_id,
            "last_activity": self.last_activity,
            "warned": sorted(self.warned),
            "ends_at": self.ends_at,
            "offline": self.offline,
            "proof": self.proof,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Running:
        return cls(
            order=SessionOrder.model_validate(state["order"], strict=False),
            started_at=int(state["started_at"]),
            used_ms=int(state["used_ms"]),
            monotonic_at=int(state["monotonic_at"]),
            boot_id=str(state["boot_id"]),
            last_activity=int(state["last_activity"]),
            warned=frozenset(int(m) for m in state["warned"]),
            ends_at=None if state["ends_at"] is None else int(state["ends_at"]),
            offline=bool(state.get("offline", False)),
            proof=state.get("proof"),
        )


def limit_for(order: SessionOrder, tariff: Tariff, started_at: int) -> int | None:
    """When the session must end, on the session clock: what was prepaid, or what the budget buys."""
    if order.kind is SessionKind.PREPAID and order.prepaid_minutes is not None:
        return started_at + order.prepaid_minutes * MINUTE_MS
    if order.kind is SessionKind.MEMBER and order.budget is not None:
        return ends_at_for(tariff, started_at, order.budget)
    return None


class SessionRuntime:
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
        self.running: Running | None = None
        self.settings: PcSettings | None = None
        self.policy = Policy()
        self.checkpoint_ms = 60_000
        self._last_checkpoint = 0
        self.warnings: list[int] = []
        self._lock = asyncio.Lock()

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
        gap = now_mono - saved.monotonic_at if saved.boot_id == boot else 0
        self.running = replace(
            saved, used_ms=saved.used_ms + max(0, gap), monotonic_at=now_mono, boot_id=boot
        )
        await self._journal(
            SessionResumed(
                session_id=saved.order.session_id, gap_ms=max(0, gap), same_boot=saved.boot_id == boot
            )
        )
        await self.control.unlock()
        await self.tick()  # it may have run out while the agent was down

    # ---- settings from the hub ---------------------------------------------------------------
    def _apply_policy(self, settings: PcSettings) -> None:
        self.settings = settings
        idle = settings.idle_timeout_s * 1000 if settings.idle_timeout_s else None
        self.policy = Policy(warn_minutes=tuple(settings.warn_minutes), idle_timeout_ms=idle)
        self.checkpoint_ms = settings.checkpoint_s * 1000

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
    def _machine(self) -> MachineState:
        run = self.running
        if run is None:
            return IDLE_STATE
        session = ActiveSession(
            session_id=run.order.session_id,
            kind=run.order.kind.value,
            member_id=run.order.member_id,
            started_at=run.started_at,
            ends_at=run.ends_at,
            last_activity=run.last_activity,
            warned=run.warned,
        )
        return MachineState(Phase.ACTIVE, session)

    async def start(
        self, order: SessionOrder, *, offline: bool = False, prove: Callable[[int], str] | None = None
    ) -> None:
        """Run ``order``. An offline start passes ``prove``, which signs the session's start time."""
        async with self._lock:
            if self.running is not None:
                if self.running.order.session_id == order.session_id:
                    return  # a redelivered order: already running
                raise SessionRejected(f"session {self.running.order.session_id} is already running")
            tariff = tariff_from_spec(order.tariff)
            started_at = self.clock.now()
            ends_at = limit_for(order, tariff, started_at)
            try:
                state, effects = self._step(
                    Start(order.session_id, order.kind.value, order.member_id, ends_at, started_at)
                )
            except IllegalTransition as exc:
                raise SessionRejected(str(exc)) from None
            assert state.session is not None
            clock = self.clock.clock
            self.running = Running(
                order=order,
                started_at=started_at,
                used_ms=0,
                monotonic_at=clock.monotonic_ms(),
                boot_id=clock.boot_id(),
                last_activity=started_at,
                warned=frozenset(),
                ends_at=ends_at,
                offline=offline,
                proof=prove(started_at) if prove is not None else None,
            )
            await self._carry_out(effects)

    async def extend(self, order: SessionOrder) -> None:
        async with self._lock:
            run = self.running
            if run is None or run.order.session_id != order.session_id:
                raise SessionRejected(f"session {order.session_id} is not running here")
            self._accrue()
            run = self.running
            assert run is not None
            ends_at = limit_for(order, tariff_from_spec(order.tariff), run.started_at)
            try:
                state, effects = self._step(Extend(ends_at, run.now))
            except IllegalTransition as exc:
                raise SessionRejected(str(exc)) from None
            assert state.session is not None
            self.running = replace(run, order=order, ends_at=ends_at, warned=state.session.warned)
            await self._carry_out(effects)

    async def stop(self, session_id: str, reason: str) -> None:
        async with self._lock:
            run = self.running
            if run is None or run.order.session_id != session_id:
                raise SessionRejected(f"session {session_id} is not running here")
            self._accrue()
            assert self.running is not None
            _, effects = self._step(Stop(reason, self.running.now))
            await self._carry_out(effects)

    async def activity(self) -> None:
        async with self._lock:
            if self.running is not None:
                self._accrue()
                self.running = replace(self.running, last_activity=self.running.now)

    async def tick(self) -> None:
        """Called often (every 250 ms): accrue use, end or warn on time, checkpoint, watch the clock."""
        async with self._lock:
            jump = self.clock.wall_jump()
            if jump is not None:
                session = self.running.order.session_id if self.running else None
                await self._journal(ClockJump(delta_ms=jump, session_id=session))
            if self.running is None:
                return
            self._accrue()
            run = self.running
            state, effects = self._step(Tick(run.now))
            if state.session is not None:
                self.running = replace(run, warned=state.session.warned)
            await self._carry_out(effects)
            if self.running is not None and run.used_ms - self._last_checkpoint >= self.checkpoint_ms:
                await self._checkpoint()

    # ---- internals ---------------------------------------------------------------------------
    def _step(
        self, event: Start | Extend | Stop | Tick | Activity
    ) -> tuple[MachineState, tuple[Effect, ...]]:
        return step(self._machine(), event, self.policy)

    def _accrue(self) -> None:
        run = self.running
        if run is None:
            return
        now_mono = self.clock.clock.monotonic_ms()
        self.running = replace(
            run, used_ms=run.used_ms + max(0, now_mono - run.monotonic_at), monotonic_at=now_mono
        )

    def cost(self, used_ms: int | None = None) -> int:
        run = self.running
        assert run is not None
        used = run.used_ms if used_ms is None else used_ms
        return price(tariff_from_spec(run.order.tariff), run.started_at, used).total

    async def _checkpoint(self) -> None:
        run = self.running
        assert run is not None
        self._last_checkpoint = run.used_ms
        payload = SessionCheckpoint(session_id=run.order.session_id, used_ms=run.used_ms, cost=self.cost())
        await self._journal_with_state(payload, run.to_state())

    async def _journal(self, payload: EventData, *, at: int | None = None) -> JournalEntry:
        """Append ``payload``, built from protocol's model of its type as the hub will check it."""
        when = self.clock.now() if at is None else at
        entry = await asyncio.to_thread(self.journal.append, payload.type, payload.to_data(), when)
        self._on_journal(entry)
        return entry

    async def _journal_with_state(
        self, payload: EventData, state: dict[str, Any] | None, *, at: int | None = None
    ) -> None:
        """Append ``payload`` and save the running session (None: no session) in one transaction."""
        when = self.clock.now() if at is None else at
        entry = await asyncio.to_thread(
            self.journal.put_state_and_append, STATE_KEY, state, payload.type, payload.to_data(), when
        )
        self._on_journal(entry)

    async def _carry_out(self, effects: tuple[Effect, ...]) -> None:
        for effect in effects:
            match effect:
                case Started():
                    await self._record_started()
                case Extended():
                    await self._record_extended()
                case Ended():
                    await self._record_ended(effect)
                case Unlock():
                    await self.control.unlock()
                case Lock():
                    await self.control.lock()
                case Warn(minutes_left=minutes):
                    self.warnings.append(minutes)
                    await self.control.message(f"{minutes} min left")

    async def _record_started(self) -> None:
        run = self.running
        assert run is not None
        order = run.order
        payload = SessionStarted(
            session_id=order.session_id,
            kind=order.kind,
            member_id=order.member_id,
            tariff_id=order.tariff.id,
            started_at=run.started_at,
            ends_at=run.ends_at,
            prepaid_minutes=order.prepaid_minutes,
            budget=order.budget,
            offline=run.offline,
            proof=run.proof,
        )
        self._last_checkpoint = 0
        await self._journal_with_state(payload, run.to_state(), at=run.started_at)

    async def _record_extended(self) -> None:
        run = self.running
        assert run is not None
        payload = SessionExtended(
            session_id=run.order.session_id,
            ends_at=run.ends_at,
            budget=run.order.budget,
            prepaid_minutes=run.order.prepaid_minutes,
        )
        await self._journal_with_state(payload, run.to_state())

    async def _record_ended(self, ended: Ended) -> None:
        run = self.running
        assert run is not None
        # Billed up to the machine's end (the computed end on expiry), never past it.
        used_ms = max(0, ended.ended_at - run.started_at)
        order = run.order
        payload = SessionEnded(
            session_id=order.session_id,
            reason=ended.reason[:256],
            kind=order.kind,
            member_id=order.member_id,
            tariff_id=order.tariff.id,
            started_at=run.started_at,
            ended_at=ended.ended_at,
            used_ms=used_ms,
            cost=self.cost(used_ms),
            offline=run.offline,
            proof=run.proof,
        )
        self.running = None
        await self._journal_with_state(payload, None)
        log.info("session %s ended (%s)", order.session_id, ended.reason)
