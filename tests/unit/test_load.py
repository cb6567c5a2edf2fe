"""The benchmarks' load generator (icafe.load): its MQTT packets are well formed and every message it sends
is a valid protocol message on the PC's own topic."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icafe.load import (
    PUBLISH_QOS0,
    PUBLISH_QOS1,
    TelemetryPackets,
    ack_packet,
    count_publishes,
    hello_packet,
    packet,
    parse_publish,
    publish_packet,
    split_packets,
    subscribe_packet,
    utf8,
    varint,
)
from protocol import (
    Command,
    CommandAck,
    CommandOutcome,
    CommandType,
    Hello,
    Telemetry,
    decode,
    encode,
    parse_topic,
)
from protocol.topics import TopicKind


def published(packet: bytes) -> tuple[str, bytes]:
    """The topic and payload of one QoS 0 PUBLISH without properties."""
    (first, body), *rest = split_packets(packet)[0]
    assert first == PUBLISH_QOS0
    assert rest == []
    length = int.from_bytes(body[:2], "big")
    assert body[2 + length] == 0  # no properties
    return body[2 : 2 + length].decode(), body[3 + length :]


@pytest.mark.parametrize(
    ("value", "encoded"), [(0, b"\x00"), (127, b"\x7f"), (128, b"\x80\x01"), (16_383, b"\xff\x7f")]
)
def test_mqtt_variable_byte_integers(value: int, encoded: bytes) -> None:
    assert varint(value) == encoded


@given(st.integers(1_700_000_000_000, 9_999_999_999_999))
def test_a_telemetry_packet_is_a_valid_reading_sent_at_its_time(now_ms: int) -> None:
    packets = TelemetryPackets("main", "ld-0001", random.Random(1))
    name, payload = published(packets.at(now_ms))
    topic = parse_topic(name)
    assert topic is not None
    assert (topic.site, topic.pc_id, topic.kind) == ("main", "ld-0001", TopicKind.TELEMETRY)
    assert decode(payload, Telemetry).sent_at == now_ms


def test_a_hello_packet_is_a_valid_hello() -> None:
    name, payload = published(hello_packet("branch", "ld-0042", 1_800_000_000_000))
    assert parse_topic(name) is not None
    assert decode(payload, Hello).boot_time == 1_800_000_000_000


@given(st.lists(st.binary(max_size=300), max_size=8), st.integers(0, 40))
def test_counting_stops_at_the_first_incomplete_packet(payloads: list[bytes], cut: int) -> None:
    stream = b"".join(publish_packet(f"t/{n}", p) for n, p in enumerate(payloads)) + subscribe_packet(
        1, "t/#"
    )
    whole = len(stream)
    publishes, used = count_publishes(stream)
    assert (publishes, used) == (len(payloads), whole)
    partial = stream[: max(0, whole - cut)]
    publishes, used = count_publishes(partial)
    assert used <= len(partial)
    assert publishes == len(split_packets(partial)[0]) - (used == whole)


def test_a_command_delivered_at_qos_1_is_acknowledged_with_a_done_for_its_id() -> None:
    command = Command(id="c-42", type=CommandType.LOCK, issued_at=1, expires_at=2)
    # As the broker sends it: QoS 1, packet id 7, MQTT 5 properties (here a 2-byte topic alias).
    body = (
        utf8("icafe/v1/main/pc/pc-001/cmd") + (7).to_bytes(2, "big") + b"\x03\x23\x00\x01" + encode(command)
    )
    (first, parsed), *_ = split_packets(packet(PUBLISH_QOS1, body))[0]
    name, packet_id, payload = parse_publish(first, parsed)
    assert (name, packet_id, decode(payload, Command)) == ("icafe/v1/main/pc/pc-001/cmd", 7, command)
    reply = ack_packet("main", "pc-001", 9, payload, 1_800_000_000_000)
    assert reply is not None
    (ack_first, ack_body), *_ = split_packets(reply)[0]
    ack_topic, ack_id, ack_payload = parse_publish(ack_first, ack_body)
    assert (ack_first, ack_topic, ack_id) == (PUBLISH_QOS1, "icafe/v1/main/pc/pc-001/cmd-ack", 9)
    ack = decode(ack_payload, CommandAck)
    assert (ack.id, ack.outcome, ack.done_at) == ("c-42", CommandOutcome.DONE, 1_800_000_000_000)
    assert ack_packet("main", "pc-001", 10, b"not a command", 1) is None
