"""The agent's journal on the wire: the ``Event`` envelope and one typed payload model per event type.

The agent builds its journal entries from these models and the hub dispatches on them, so the two ends
cannot drift apart. Every number is bounded here: a payload that is out of range fails validation and is
dropped as malformed at the hub's boundary, before any handler sees it. An event type this version does
not know keeps a generic (bounded) payload: the hub stores it and quarantines it rather than block the
PC's journal behind it.
"""

from __future__ import annotations

import json
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from protocol.messages import (
    Identifier,
    JournalId,
    Message,
    Millis,
    MinorUnits,
    SessionKind,
    ShortText,
)

# Sequence numbers stay exact in every JSON reader (2^53 - 1); the hub also accepts only a bounded window
# after the prefix it has acknowledged (hub.mqtt.events), so even a valid huge seq cannot open a gap.
MAX_SEQ = 2**53 - 1
Seq = Annotated[int, Field(ge=1, le=MAX_SEQ)]
# The longest session: a week (SessionOrder.prepaid_minutes and billing.minutes_for stop there too).
MAX_SESSION_MS = 7 * 24 * 3600 * 1000
SessionMillis = Annotated[int, Field(ge=0, le=MAX_SESSION_MS)]
SignedMillis = Annotated[int, Field(ge=-MAX_SEQ, le=MAX_SEQ)]
PrepaidMinutes = Annotated[int, Field(ge=1, le=MAX_SESSION_MS // 60_000)]
# The Ed25519 signature of an offline session (protocol.offline), base64url without padding.
Proof = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{86}$")]
# Enums arrive as their strings even when a payload is validated from a Python dict.
Kind = Annotated[SessionKind, Field(strict=False)]

# The generic payload of an event type this version does not know: flat, bounded scalars.
DataKey = Annotated[str, Field(min_length=1, max_length=64)]
DataValue = (
    Annotated[str, Field(max_length=256)] | Annotated[int, Field(ge=-MAX_SEQ, le=MAX_SEQ)] | bool | None
)
MAX_DATA_KEYS = 32


class EventData(BaseModel):
    """Base of every typed payload: strict, closed, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    type: ClassVar[str]

    def to_data(self) -> dict[str, str | int | bool | None]:
        """The flat dict the journal stores and the envelope carries."""
        return self.model_dump(mode="json")


class SessionEventData(EventData):
    session_id: Identifier


class SessionStarted(SessionEventData):
    """The PC started a session: ordered by the hub, or (``offline``) begun at the PC with a member's
    cached credentials, then with ``proof`` made from the secret the member typed."""

    type: ClassVar[str] = "session.started"
    kind: Kind
    member_id: Identifier | None = None
    tariff_id: Identifier
    started_at: Millis
    ends_at: Millis | None = None
    prepaid_minutes: PrepaidMinutes | None = None
    budget: MinorUnits | None = None
    offline: bool = False
    proof: Proof | None = None


class SessionCheckpoint(SessionEventData):
    """Progress, every checkpoint interval: the time used so far and the agent's own price of it."""

    type: ClassVar[str] = "session.checkpoint"
    used_ms: SessionMillis
    cost: MinorUnits


class SessionExtended(SessionEventData):
    """The PC applied an extension the hub ordered (the hub only confirms it; it never moves limits)."""

    type: ClassVar[str] = "session.extended"
    ends_at: Millis | None = None
    budget: MinorUnits | None = None
    prepaid_minutes: PrepaidMinutes | None = None


class SessionEnded(SessionEventData):
    """The session ended; ``cost`` is the agent's figure, which the hub only compares with its own."""

    type: ClassVar[str] = "session.ended"
    reason: ShortText
    kind: Kind
    member_id: Identifier | None = None
    tariff_id: Identifier
    started_at: Millis
    ended_at: Millis
    used_ms: SessionMillis
    cost: MinorUnits
    # Repeated from the start, so an offline session whose end reaches the hub first is still proven.
    offline: bool = False
    proof: Proof | None = None


class SessionResumed(SessionEventData):
    """The agent restarted and carried on the session from its journal."""

    type: ClassVar[str] = "session.resumed"
    gap_ms: Millis
    same_boot: bool


class ClockJump(EventData):
    """Somebody moved the PC's wall clock (session time does not follow it)."""

    type: ClassVar[str] = "clock.jump"
    delta_ms: SignedMillis
    session_id: Identifier | None = None


class TamperEvent(EventData):
    """Someone or something got at the lock screen (the agent's guard saw it); the hub raises a ``tamper``
    alert against the PC for each one. ``lockdown``: the guard now keeps the PC locked until staff come."""

    lockdown: bool = False


class UiExited(TamperEvent):
    """The lock screen's process ended without the agent asking (killed, crashed, closed); the guard
    started a new one ``restart_ms`` later (None: it could not)."""

    type: ClassVar[str] = "tamper.ui_exited"
    exit_code: Annotated[int, Field(ge=-255, le=255)] | None = None
    restart_ms: SessionMillis | None = None


class UiHung(TamperEvent):
    """The lock screen stopped answering (no heartbeat for ``silent_ms``): the guard killed it and started
    a new one ``restart_ms`` later (None: it could not)."""

    type: ClassVar[str] = "tamper.ui_hung"
    silent_ms: SessionMillis
    restart_ms: SessionMillis | None = None


class LinkRefused(TamperEvent):
    """A process that is not the lock screen the agent started tried the agent's local link."""

    type: ClassVar[str] = "tamper.link_refused"
    reason: ShortText
    peer_pid: Annotated[int, Field(ge=0, le=2**31)] | None = None
    peer_uid: Annotated[int, Field(ge=0, le=2**32)] | None = None


PAYLOAD_MODELS: dict[str, type[EventData]] = {
    model.type: model
    for model in (
        SessionStarted,
        SessionCheckpoint,
        SessionExtended,
        SessionEnded,
        SessionResumed,
        ClockJump,
        UiExited,
        UiHung,
        LinkRefused,
    )
}


class Event(Message):
    """One entry of the agent's journal; ``seq`` strictly increases within a journal. ``data`` is
    checked against the model of its ``type``; :attr:`payload` is that typed model (None for a type
    this version does not know)."""

    journal: JournalId
    seq: Seq
    type: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.-]*$")]
    data: dict[DataKey, DataValue] = Field(default_factory=dict, max_length=MAX_DATA_KEYS)
    at: Millis

    _payload: EventData | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _typed_payload(self) -> Event:
        model = PAYLOAD_MODELS.get(self.type)
        if model is not None:
            try:
                # Through JSON, as it travelled: the same strict rules on both ends.
                self._payload = model.model_validate_json(json.dumps(self.data))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(part) for part in first["loc"]) or "data"
                raise ValueError(f"{self.type}: {where}: {first['msg']}") from None
        return self

    @property
    def payload(self) -> EventData | None:
        return self._payload

    @classmethod
    def of(cls, journal: str, seq: int, payload: EventData, at: int) -> Event:
        return cls(journal=journal, seq=seq, type=payload.type, data=payload.to_data(), at=at)
