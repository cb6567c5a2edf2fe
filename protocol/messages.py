"""Pydantic models of every MQTT payload. Each carries the schema version ``v``.

Models are strict about shape (unknown fields are refused) so that a malformed or forged message
is dropped at the boundary instead of half-applied. Timestamps are integer epoch milliseconds.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

SCHEMA_VERSION: Literal[1] = 1

Millis = Annotated[int, Field(ge=0, lt=2**53)]
# The most minor units any one amount may be: well inside a 64-bit integer (MongoDB's), far beyond any
# cafe's till (10^15 tiyin is 10 trillion so'm).
MAX_MINOR_UNITS = 10**15
MinorUnits = Annotated[int, Field(ge=0, le=MAX_MINOR_UNITS)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Bytes = Annotated[int, Field(ge=0, lt=2**63)]
ShortText = Annotated[str, Field(max_length=256)]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    v: Literal[1] = SCHEMA_VERSION

    @model_validator(mode="before")
    @classmethod
    def _version_is_explicit(cls, data: object, info: ValidationInfo) -> object:
        # The default only serves senders; a received payload must state its version, as an int.
        if info.mode == "json" and isinstance(data, dict) and type(data.get("v")) is not int:
            raise ValueError(f"schema version 'v' must be the integer {SCHEMA_VERSION}")
        return data


class Hardware(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    cpu_model: ShortText = ""
    cpu_count: Annotated[int, Field(ge=0, le=4096)] = 0
    memory_bytes: Bytes = 0
    disk_bytes: Bytes = 0


class HardeningGrade(StrEnum):
    """How hard the PC's lock screen is to get around, from the agent's self-test at start."""

    STRONG = "strong"  # every check passed
    PARTIAL = "partial"  # some failed, or could not be checked
    WEAK = "weak"  # the lock screen is not running under the agent's guard, or most checks failed


class HardeningCheck(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_.-]+$")]
    ok: bool | None  # None: this platform cannot check it here
    detail: Annotated[str, Field(max_length=128)] = ""


class Hardening(BaseModel):
    """The agent's self-test of the settings that keep a customer inside the lock screen."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    grade: Annotated[HardeningGrade, Field(strict=False)]
    checks: list[HardeningCheck] = Field(default_factory=list, max_length=8)


class UpdateOutcome(StrEnum):
    # The new version did not come online and report in time (or crashed): the previous one runs again.
    ROLLED_BACK = "rolled_back"


class UpdateReport(BaseModel):
    """What became of the agent's last update when it did not take (README "Fleet updates")."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    version: ShortText
    # The update command that installed it: the hub matches the report to its rollout by this, not by
    # the PC's clock.
    command_id: Annotated[str, Field(min_length=1, max_length=64)]
    outcome: Annotated[UpdateOutcome, Field(strict=False)]
    detail: ShortText = ""
    at: Millis


class Hello(Message):
    """Birth message, sent on every connect."""

    agent_version: ShortText
    hostname: ShortText
    os: ShortText
    hardware: Hardware
    boot_time: Millis
    sent_at: Millis
    hardening: Hardening | None = None
    # The last update that was rolled back, repeated until the next update (the hub ignores repeats).
    update: UpdateReport | None = None


class PcState(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"


class Status(Message):
    """Retained presence; the last will carries ``offline``."""

    state: PcState
    sent_at: Millis


class Telemetry(Message):
    cpu_percent: Percent
    memory_percent: Percent
    disk_percent: Percent
    uptime_s: Annotated[int, Field(ge=0)]
    user: ShortText | None = None
    locked: bool
    sent_at: Millis


# A journal is one SQLite file on one PC; a quarantined journal is replaced by one with a new id, so
# (pc, journal, seq) identifies an event for ever.
JournalId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


# The journal's envelope and payloads are in protocol.events.


class EventsAck(Message):
    """The hub holds every event of ``journal`` up to ``up_to_seq``; the agent may prune them."""

    journal: JournalId
    up_to_seq: Annotated[int, Field(ge=0, lt=2**53)]
    hub_time: Millis


class RateWindowSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: Annotated[str, Field(min_length=1, max_length=64)]
    start_minute: Annotated[int, Field(ge=0, le=1439)]
    end_minute: Annotated[int, Field(ge=1, le=1440)]
    hourly_rate: MinorUnits
    days: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=lambda: list(range(7)), max_length=7
    )


class TariffSpec(BaseModel):
    """A tariff on the wire; ``billing`` turns it into its own pure type."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: Identifier
    name: Annotated[str, Field(min_length=1, max_length=64)]
    hourly_rate: MinorUnits
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "UZS"
    windows: list[RateWindowSpec] = Field(default_factory=list, max_length=32)
    minimum_charge: MinorUnits = 0
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "Asia/Tashkent"


class SessionKind(StrEnum):
    MEMBER = "member"
    PREPAID = "prepaid"
    POSTPAID = "postpaid"


class SessionOrder(BaseModel):
    """What a PC needs to run a session on its own: who pays, the limit, and the tariff."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    session_id: Identifier
    kind: SessionKind
    member_id: Identifier | None = None
    # A prepaid guest bought this many minutes.
    prepaid_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60)] | None = None
    # A member may spend at most this (their balance), in minor units.
    budget: MinorUnits | None = None
    tariff: TariffSpec


class MemberLogin(Message):
    """A customer logging in at the PC's lock screen: a member with their login and PIN, or anyone with a
    prepaid voucher code. Never journaled: it carries the secret."""

    request_id: Identifier
    login: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    secret: Annotated[str, Field(min_length=1, max_length=128)] | None = None
    code: Annotated[str, Field(min_length=4, max_length=64)] | None = None

    @model_validator(mode="after")
    def _one_way_in(self) -> MemberLogin:
        member = self.login is not None and self.secret is not None
        if member == (self.code is not None) or (not member and (self.login or self.secret)):
            raise ValueError("log in with a login and a secret, or with a voucher code")
        return self


Base64Url = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class KdfCost(BaseModel):
    """argon2id's cost. 64 MiB and 3 passes take about 0.2 s on a PC: felt once per offline login, and
    paid again for every guess by anyone who copied a verifier."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    time_cost: Annotated[int, Field(ge=1, le=20)] = 3
    memory_kib: Annotated[int, Field(ge=8 * 1024, le=1024 * 1024)] = 64 * 1024
    parallelism: Annotated[int, Field(ge=1, le=8)] = 1


class OfflineVerifier(BaseModel):
    """What a PC may cache to let a member in while the hub is unreachable, until ``expires_at``: the
    member's public key, derived from their secret (``protocol.offline``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    salt: Base64Url
    public_key: Base64Url
    cost: KdfCost
    expires_at: Millis


class MemberLoginReply(Message):
    """The hub's answer; on success the session order follows as a ``session.start`` command. ``offline``
    is the member's verifier, given only for a password strong enough to resist offline guessing: the PC
    may cache it to let the member in while the hub is unreachable, within the offline credit, until it
    expires. The hub never sends a member's secret or its hash."""

    request_id: Identifier
    ok: bool
    reason: ShortText = ""
    member_id: Identifier | None = None
    session_id: Identifier | None = None
    offline: OfflineVerifier | None = None


class BranchFace(BaseModel):
    """What the lock screen shows of the cafe: its name, language, currency and logo (a small PNG)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    name: Annotated[str, Field(min_length=1, max_length=100)]
    language: Literal["uz", "ru", "en"] = "en"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "UZS"
    # Base64 of a PNG of at most 6 KiB (a small logo: the config message stays under its size bound).
    logo_png: Annotated[str, Field(max_length=8192, pattern=r"^[A-Za-z0-9+/]*={0,2}$")] | None = None


class PcSettings(Message):
    """Retained per PC on ``config``: the hub's time and what the PC needs to run sessions offline, and the
    cafe as its lock screen shows it."""

    hub_time: Millis
    tariff: TariffSpec
    warn_minutes: list[Annotated[int, Field(ge=1, le=120)]] = Field(
        default_factory=lambda: [5, 1], max_length=8
    )
    idle_timeout_s: Annotated[int, Field(ge=30)] | None = None
    checkpoint_s: Annotated[int, Field(ge=1, le=3600)] = 60
    # What a member logging in with cached credentials may spend while the hub is unreachable.
    offline_credit: MinorUnits = 0
    branch: BranchFace | None = None


class CommandType(StrEnum):
    LOCK = "lock"
    UNLOCK = "unlock"
    MESSAGE = "message"
    RESTART = "restart"
    SHUTDOWN = "shutdown"
    SESSION_START = "session.start"
    SESSION_EXTEND = "session.extend"
    SESSION_STOP = "session.stop"
    # The lock screen says the PC is being serviced and takes no logins, until a ``lock`` (or ``unlock``).
    MAINTENANCE = "maintenance"
    # Install another agent version (README "Fleet updates"): the command carries an ``UpdateOrder``.
    UPDATE = "update"


Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
# An agent package is a few MiB; anything near this is not one.
MAX_PACKAGE_BYTES = 256 * 1024 * 1024


class UpdateOrder(BaseModel):
    """Where to fetch an agent package and what it must be: the agent refuses it unless its size and
    SHA-256 are exactly these, before anything is installed."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    version: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.+-]+$")]
    url: Annotated[str, Field(min_length=1, max_length=2048, pattern=r"^https?://")]
    sha256: Sha256Hex
    size: Annotated[int, Field(ge=1, le=MAX_PACKAGE_BYTES)]


class Command(Message):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    type: CommandType
    text: Annotated[str, Field(max_length=1000)] | None = None
    # session.start and session.extend carry the (new) order; session.stop names the session.
    session: SessionOrder | None = None
    session_id: Identifier | None = None
    update: UpdateOrder | None = None
    issued_at: Millis
    # The agent refuses a command delivered after this moment (queued while it was offline).
    expires_at: Millis


class CommandOutcome(StrEnum):
    DONE = "done"
    FAILED = "failed"
    REJECTED = "rejected"


class CommandAck(Message):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    outcome: CommandOutcome
    detail: ShortText = ""
    done_at: Millis
