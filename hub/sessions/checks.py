"""The rules a PC's journal event must pass before it has any effect: pure functions, no I/O.

A PC is in the customer's hands, so an event is believed only about that PC, and only within the bounds
the hub sets. ``hub.sessions.projection`` gathers the facts (the session record, the hub's limits, the
time) and applies what these rules let through:

- an event whose claims the hub cannot accept is **quarantined**: stored with its reason, counted and
  alerted, and it changes nothing (``Quarantine``);
- figures of the PC's own session beyond the hub's bounds are **bounded**: the hub uses its own bound, flags
  the session and raises an alert (``Bounded``); the agent's figures are only compared, never charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hub.store.sessions import SessionRecord, SessionState

# How far a PC's figures may exceed what the hub has seen, for clocks that tick at slightly different
# rates and messages in flight: one minute.
ALLOWANCE_MS = 60_000
# A PC's journal may run this far ahead of the prefix the hub has acknowledged (an honest agent sends at
# most one batch of 200 before it hears back): anything beyond would open a gap that never closes.
SEQ_WINDOW = 1000


class QuarantineReason(StrEnum):
    SEQ_OUT_OF_WINDOW = "seq_out_of_window"
    UNKNOWN_TYPE = "unknown_type"
    UNKNOWN_SESSION = "unknown_session"
    OTHER_PC = "other_pc_session"
    SESSION_CLOSED = "session_closed"
    EXTENSION_NOT_ORDERED = "extension_not_ordered"
    UNKNOWN_MEMBER = "unknown_member"


class Quarantine(Exception):
    """The event is refused: it is kept with ``reason`` and changes nothing."""

    def __init__(self, reason: QuarantineReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Bounded:
    """A figure of the PC's own session that the hub replaced with its own bound."""

    field: str
    claimed: int | str | None
    used: int | str | None


@dataclass(frozen=True)
class Clock:
    """The hub's view of time when it judges an event. ``scale`` is how much faster than real time a
    PC's clock may run: 1 for real PCs; the tests and benchmarks run simulated PCs faster."""

    now: int
    scale: float = 1.0

    @property
    def allowance_ms(self) -> int:
        return int(ALLOWANCE_MS * self.scale)

    def elapsed_since(self, at: int) -> int:
        """What a PC's clock may have counted since the hub's moment ``at``, allowance included."""
        return int(max(0, self.now - at) * self.scale) + self.allowance_ms


def seq_in_window(seq: int, acked: int) -> bool:
    return seq <= acked + SEQ_WINDOW


def owned(record: SessionRecord | None, pc_id: str, session_id: str) -> SessionRecord:
    """The record of ``session_id`` if it is ``pc_id``'s session; otherwise the event is quarantined."""
    if record is None:
        raise Quarantine(QuarantineReason.UNKNOWN_SESSION, f"the hub has no session {session_id}")
    if record.pc_id != pc_id:
        raise Quarantine(QuarantineReason.OTHER_PC, f"session {session_id} belongs to another PC")
    return record


def may_start(record: SessionRecord) -> None:
    if record.state not in (SessionState.PENDING, SessionState.ACTIVE, SessionState.EXPIRED):
        raise Quarantine(QuarantineReason.SESSION_CLOSED, f"session {record.id} is {record.state}")


def may_extend(record: SessionRecord, budget: int | None, prepaid_minutes: int | None) -> None:
    """An extension the PC reports must be one the hub ordered (the hub recorded it before sending)."""
    if record.state is SessionState.ENDED:
        raise Quarantine(QuarantineReason.SESSION_CLOSED, f"session {record.id} has ended")
    if (budget, prepaid_minutes) not in ordered_limits(record):
        raise Quarantine(
            QuarantineReason.EXTENSION_NOT_ORDERED,
            f"the hub never ordered budget={budget} prepaid_minutes={prepaid_minutes} for {record.id}",
        )


def ordered_limits(record: SessionRecord) -> list[tuple[int | None, int | None]]:
    """Every (budget, prepaid minutes) the hub has ordered for the session, the first order included."""
    return [(record.budget, record.prepaid_minutes)] + [
        (limit.get("budget"), limit.get("prepaid_minutes")) for limit in record.ordered_limits
    ]


def compared(field: str, claimed: str | None, hub: str | None) -> list[Bounded]:
    """Identity figures (member, kind, tariff) come from the hub's record; a PC that says otherwise is
    noted, and the record stands."""
    return [] if claimed == hub else [Bounded(field, claimed, hub)]


def bound_started_at(claimed: int, earliest: int, clock: Clock) -> tuple[int, list[Bounded]]:
    """A start no earlier than ``earliest`` (the hub's order, less the allowance) and not in the future."""
    low = earliest - clock.allowance_ms
    high = clock.now + clock.allowance_ms
    used = min(max(claimed, low), high)
    return used, ([] if used == claimed else [Bounded("started_at", claimed, used)])


def bound_used_ms(claimed: int, limit_ms: int | None, since: int, clock: Clock) -> tuple[int, list[Bounded]]:
    """Time in use is at most the session's own limit (what was prepaid, what the budget buys) and at most
    what the hub's clock has seen since ``since`` (its order, or the proven start of an offline session)."""
    cap = clock.elapsed_since(since)
    if limit_ms is not None:
        cap = min(cap, limit_ms)
    used = min(claimed, max(0, cap))
    return used, ([] if used == claimed else [Bounded("used_ms", claimed, used)])
