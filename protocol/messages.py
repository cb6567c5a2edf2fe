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


class Hello(Message):
    """Birth message, sent on every connect."""

    agent_version: ShortText
    hostname: ShortText
    os: ShortText
    hardware: Hardware
    boot_time: Millis
    sent_at: Millis


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


class Event(Message):
    """One entry of the agent's journal; ``seq`` strictly increases per PC."""

    seq: Annotated[int, Field(ge=1)]
    type: Annotated[str, Field(min_length=1, max_length=64)]
    data: dict[str, str | int | bool | None] = Field(default_factory=dict, max_length=64)
    at: Millis


class EventsAck(Message):
    up_to_seq: Annotated[int, Field(ge=0)]


class CommandType(StrEnum):
    LOCK = "lock"
    UNLOCK = "unlock"
    MESSAGE = "message"
    RESTART = "restart"
    SHUTDOWN = "shutdown"


class Command(Message):
    id: Annotated[str, Field(min_length=1, max_length=64)]
    type: CommandType
    text: Annotated[str, Field(max_length=1000)] | None = None
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
