"""Encoding and decoding of payloads; every failure is one typed error."""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError

from protocol.events import Event
from protocol.messages import (
    Command,
    CommandAck,
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

# The largest payload of each kind, in bytes, checked before any decoding: the one place these bounds are
# stated. What a PC sends is a few KB at most (tests/unit/test_protocol.py builds the largest valid message
# of each kind and checks it fits); what the hub sends carries a tariff of up to 32 windows.
MAX_BYTES: dict[TopicKind, int] = {
    TopicKind.HELLO: 10 * 1024,
    TopicKind.TELEMETRY: 2 * 1024,
    TopicKind.EVENTS: 4 * 1024,
    TopicKind.STATUS: 256,
    TopicKind.CMD_ACK: 2 * 1024,
    TopicKind.LOGIN: 2 * 1024,
    TopicKind.CMD: 16 * 1024,
    TopicKind.EVENTS_ACK: 256,
    TopicKind.CONFIG: 16 * 1024,
    TopicKind.LOGIN_REPLY: 2 * 1024,
}
# Whatever the kind, decode() refuses more than this.
MAX_PAYLOAD = max(MAX_BYTES.values())

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


def oversized(kind: TopicKind, payload: bytes | bytearray) -> bool:
    """True when ``payload`` is larger than any valid message of ``kind`` can be."""
    return len(payload) > MAX_BYTES[kind]


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
