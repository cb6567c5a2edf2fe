"""Encoding and decoding of payloads; every failure is one typed error."""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError

from protocol.messages import (
    Command,
    CommandAck,
    Event,
    EventsAck,
    Hello,
    MemberLogin,
    MemberLoginReply,
    Message,
    PcSettings,
    Status,
    Telemetry,
)
from protocol.topics import TopicKind

MAX_PAYLOAD = 64 * 1024

M = TypeVar("M", bound=Message)

MODEL_BY_KIND: dict[TopicKind, type[Message]] = {
    TopicKind.HELLO: Hello,
    TopicKind.TELEMETRY: Telemetry,
    TopicKind.EVENTS: Event,
    TopicKind.STATUS: Status,
    TopicKind.CMD: Command,
    TopicKind.CMD_ACK: CommandAck,
    TopicKind.EVENTS_ACK: EventsAck,
    TopicKind.CONFIG: PcSettings,
    TopicKind.LOGIN: MemberLogin,
    TopicKind.LOGIN_REPLY: MemberLoginReply,
}


class ProtocolError(ValueError):
    """A payload that is not a valid message of the expected kind."""


def encode(message: Message) -> bytes:
    return message.model_dump_json().encode()


def decode(payload: bytes | bytearray, model: type[M]) -> M:
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    try:
        # JSON mode with strict models: numbers are numbers, enums come from their strings.
        return model.model_validate_json(bytes(payload))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise ProtocolError(f"invalid {model.__name__}: {where}: {first['msg']}") from None
