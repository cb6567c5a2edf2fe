"""The session lifecycle as one pure state machine, shared by the PC agent and the hub.

Sans-I/O: ``step(state, event, policy)`` returns the next state and the effects the caller must carry
out (unlock the screen, warn, journal the end...). Time arrives inside events as epoch ms from the
caller's trusted, monotonic session clock. Every legal (phase, event type) pair is listed in
:data:`TRANSITIONS`; anything else raises :class:`IllegalTransition` and changes nothing, since states
and events are frozen. Replaying a journal of events therefore always rebuilds the same state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from billing.tariffs import MINUTE_MS
from protocol import SessionKind

# The kinds the wire contract carries; a start of any other kind is illegal.
KINDS = frozenset(SessionKind)
EXPIRED = "expired"
IDLE_REASON = "idle"


class Phase(StrEnum):
    IDLE = "idle"
    ACTIVE = "active"


@dataclass(frozen=True)
class Policy:
    """How a running session is supervised: warnings before its end and an optional idle timeout."""

    warn_minutes: tuple[int, ...] = (5, 1)
    idle_timeout_ms: int | None = None


@dataclass(frozen=True)
class ActiveSession:
    session_id: str
    kind: SessionKind
    member_id: str | None
    started_at: int
    ends_at: int | None  # None: postpaid, runs until stopped
    last_activity: int
    warned: frozenset[int]  # warning marks (minutes before the end) already given


# Effects: what the caller must do after a step.


@dataclass(frozen=True)
class Unlock:
    pass


@dataclass(frozen=True)
class Lock:
    pass


@dataclass(frozen=True)
class Warn:
    minutes_left: int


@dataclass(frozen=True)
class Started:
    session: ActiveSession


@dataclass(frozen=True)
class Extended:
    session_id: str
    ends_at: int | None


@dataclass(frozen=True)
class Ended:
    session_id: str
    reason: str
    ended_at: int


Effect = Unlock | Lock | Warn | Started | Extended | Ended


@dataclass(frozen=True)
class MachineState:
    phase: Phase
    session: ActiveSession | None  # set iff ACTIVE
    last_ended: Ended | None = None  # the effect that closed the previous session

    def __post_init__(self) -> None:
        if (self.phase is Phase.ACTIVE) != (self.session is not None):
            raise ValueError("a machine state has a session exactly when it is active")


IDLE_STATE = MachineState(Phase.IDLE, None)


# Events: what happened, and when (epoch ms).


@dataclass(frozen=True)
class Start:
    session_id: str
    kind: SessionKind
    member_id: str | None
    ends_at: int | None
    at: int


@dataclass(frozen=True)
class Extend:
    ends_at: int | None  # the new end; None makes the session open-ended
    at: int


@dataclass(frozen=True)
class Activity:
    at: int


@dataclass(frozen=True)
class Tick:
    at: int


@dataclass(frozen=True)
class Stop:
    reason: str
    at: int


Event = Start | Extend | Activity | Tick | Stop
Step = tuple[MachineState, tuple[Effect, ...]]


class IllegalTransition(ValueError):
    """An event that the current phase does not accept; the state is left as it was."""

    def __init__(self, phase: Phase, event: Event, why: str) -> None:
        super().__init__(f"{type(event).__name__} is illegal while {phase.value}: {why}")
        self.phase = phase
        self.event = event


def _active(state: MachineState) -> ActiveSession:
    assert state.session is not None  # the table routes only ACTIVE states here
    return state.session


def _start(state: MachineState, event: Start, policy: Policy) -> Step:
    if event.kind not in KINDS:
        raise IllegalTransition(state.phase, event, f"unknown session kind {event.kind!r}")
    if event.ends_at is not None and event.ends_at <= event.at:
        raise IllegalTransition(state.phase, event, "the session would end before it starts")
    session = ActiveSession(
        event.session_id,
        SessionKind(event.kind),
        event.member_id,
        event.at,
        event.ends_at,
        event.at,
        frozenset(),
    )
    return replace(state, phase=Phase.ACTIVE, session=session), (Started(session), Unlock())


def _end(state: MachineState, reason: str, ended_at: int) -> Step:
    ended = Ended(_active(state).session_id, reason, ended_at)
    return MachineState(Phase.IDLE, None, last_ended=ended), (ended, Lock())


def _crossed(ends_at: int, at: int, marks: Iterable[int]) -> frozenset[int]:
    """The warning marks that the remaining time ``ends_at - at`` has reached."""
    return frozenset(m for m in marks if ends_at - at <= m * MINUTE_MS)


def _tick(state: MachineState, event: Tick, policy: Policy) -> Step:
    session = _active(state)
    if session.ends_at is not None and event.at >= session.ends_at:
        # The computed end, not the tick time: a late tick must not grant free time.
        return _end(state, EXPIRED, session.ends_at)
    timeout = policy.idle_timeout_ms
    if timeout is not None and event.at - session.last_activity >= timeout:
        return _end(state, IDLE_REASON, event.at)
    if session.ends_at is None:
        return state, ()
    due = _crossed(session.ends_at, event.at, policy.warn_minutes) - session.warned
    if not due:
        return state, ()
    minutes_left = -(-(session.ends_at - event.at) // MINUTE_MS)
    warned = replace(session, warned=session.warned | due)
    return replace(state, session=warned), (Warn(minutes_left),)


def next_due(state: MachineState, policy: Policy) -> int | None:
    """The earliest session time at which a tick changes anything (the end, an idle logout, the next
    warning mark): a tick before it is a no-op, so the caller may sleep until then. None: no session, or
    none of them can happen (postpaid without an idle timeout)."""
    session = state.session
    if session is None:
        return None
    due: list[int] = []
    if session.ends_at is not None:
        due.append(session.ends_at)
        due.extend(session.ends_at - m * MINUTE_MS for m in policy.warn_minutes if m not in session.warned)
    if policy.idle_timeout_ms is not None:
        due.append(session.last_activity + policy.idle_timeout_ms)
    return min(due, default=None)


def _extend(state: MachineState, event: Extend, policy: Policy) -> Step:
    session = _active(state)
    if event.ends_at is not None and event.ends_at < event.at:
        raise IllegalTransition(state.phase, event, "the new end is in the past")
    if session.ends_at is not None and event.at >= session.ends_at:
        raise IllegalTransition(state.phase, event, "the session has already expired; tick to end it")
    # Marks now further away than the remaining time fire again as the new end approaches.
    still = frozenset() if event.ends_at is None else _crossed(event.ends_at, event.at, session.warned)
    extended = replace(session, ends_at=event.ends_at, warned=still)
    return replace(state, session=extended), (Extended(session.session_id, event.ends_at),)


def _activity(state: MachineState, event: Activity, policy: Policy) -> Step:
    session = _active(state)
    if event.at <= session.last_activity:
        return state, ()
    return replace(state, session=replace(session, last_activity=event.at)), ()


def _stop(state: MachineState, event: Stop, policy: Policy) -> Step:
    ends_at = _active(state).ends_at
    # A stop that arrives after the end still closes the session at its end: no free time.
    ended_at = event.at if ends_at is None else min(event.at, ends_at)
    return _end(state, event.reason, ended_at)


def _nothing(state: MachineState, event: Event, policy: Policy) -> Step:
    return state, ()


# Every legal (phase, event type) pair; a missing pair is an illegal transition.
TRANSITIONS: dict[tuple[Phase, type[Event]], Callable[[MachineState, Any, Policy], Step]] = {
    (Phase.IDLE, Start): _start,
    (Phase.IDLE, Tick): _nothing,
    (Phase.IDLE, Activity): _nothing,
    (Phase.ACTIVE, Tick): _tick,
    (Phase.ACTIVE, Extend): _extend,
    (Phase.ACTIVE, Activity): _activity,
    (Phase.ACTIVE, Stop): _stop,
}

_WHY_ILLEGAL = {Phase.IDLE: "no session is running", Phase.ACTIVE: "a session is already running"}


def step(state: MachineState, event: Event, policy: Policy) -> Step:
    """The state after ``event`` and the effects to carry out; :class:`IllegalTransition` if not allowed."""
    handler = TRANSITIONS.get((state.phase, type(event)))
    if handler is None:
        raise IllegalTransition(state.phase, event, _WHY_ILLEGAL[state.phase])
    return handler(state, event, policy)


def replay(events: Iterable[Event], policy: Policy, state: MachineState = IDLE_STATE) -> MachineState:
    """The state reached by applying ``events`` in order from ``state`` (effects are dropped)."""
    for event in events:
        state, _ = step(state, event, policy)
    return state
