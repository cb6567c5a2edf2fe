"""The telemetry link's packet cutting (hub.mqtt.telemetry_link): whatever chunks a stream of PUBLISH
packets arrives in, the same messages come out, in order; what MQTT does not allow ends the link."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.mqtt.telemetry_link import (
    CONNACK,
    DISCONNECT,
    PUBLISH,
    LinkError,
    Packet,
    PacketCutter,
    connect_packet,
    publish_parts,
    read_varint,
    reason_of,
    subscribe_packet,
    varint,
)
from hub.mqtt.telemetry_link import _reply as reply
from hub.mqtt.telemetry_link import _Stream as Stream


def encoded_publish(topic: str, payload: bytes, qos: int, properties: bytes) -> bytes:
    """A PUBLISH as a broker sends it (MQTT 5.0 §3.3), written here from the standard, not by the code
    under test: a packet id when QoS > 0, then properties, then the payload."""
    name = topic.encode()
    body = len(name).to_bytes(2, "big") + name
    if qos:
        body += (7).to_bytes(2, "big")
    body += varint(len(properties)) + properties + payload
    return bytes([0x30 | qos << 1]) + varint(len(body)) + body


# A property a broker may add (the message expiry interval: identifier 0x02, four bytes).
EXPIRY = b"\x02\x00\x00\x00\x3c"
messages = st.lists(
    st.tuples(
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=60),
        st.binary(max_size=2048),
        st.sampled_from([0, 1]),
        st.sampled_from([b"", EXPIRY]),
    ),
    max_size=40,
)


@given(messages, st.lists(st.integers(min_value=1, max_value=5000), max_size=30))
def test_messages_come_out_whole_and_in_order_whatever_the_chunks(
    sent: list[tuple[str, bytes, int, bytes]], cuts: list[int]
) -> None:
    stream = b"".join(encoded_publish(*message) for message in sent)
    cutter = PacketCutter()
    received: list[tuple[str, bytes]] = []
    at = 0
    for size in [*cuts, len(stream)]:  # the last chunk takes whatever is left
        for packet in cutter.feed(stream[at : at + size]):
            assert packet.kind == PUBLISH
            received.append(publish_parts(packet))
        at += size
    assert received == [(topic, payload) for topic, payload, _, _ in sent]


@given(st.integers(min_value=0, max_value=268_435_455))
def test_variable_byte_integers_read_back(value: int) -> None:
    encoded = varint(value)
    assert len(encoded) <= 4
    assert read_varint(b"\xff" + encoded + b"\x00", 1) == (value, 1 + len(encoded))
    assert read_varint(encoded[:-1], 0) is None  # cut short: wait for the rest


def test_a_variable_byte_integer_of_five_bytes_ends_the_link() -> None:
    with pytest.raises(LinkError, match="longer than 4 bytes"):
        PacketCutter().feed(b"\x30\xff\xff\xff\xff\x01")


def test_a_packet_beyond_the_limit_ends_the_link_before_it_is_buffered() -> None:
    cutter = PacketCutter(max_packet=1024)
    assert cutter.feed(encoded_publish("t", b"x" * 1000, 0, b"")) != []
    with pytest.raises(LinkError, match="more than the 1024 allowed"):
        cutter.feed(b"\x30" + varint(1025))


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"\x00", "too short for its topic"),
        (b"\x00\x09abc", "runs past its end"),
        (b"\x00\x02\xff\xfe\x00", "not UTF-8"),
        (b"\x00\x01t\x05\x02", "properties run past its end"),
    ],
)
def test_a_malformed_publish_ends_the_link(body: bytes, why: str) -> None:
    with pytest.raises(LinkError, match=why):
        publish_parts(Packet(PUBLISH, 0, body))


def test_the_packets_the_link_sends_are_what_the_standard_says() -> None:
    # CONNECT: "MQTT", version 5, clean start, keepalive 30, no properties, the client id.
    assert connect_packet("hub-1", 30) == b"\x10\x12\x00\x04MQTT\x05\x02\x00\x1e\x00\x00\x05hub-1"
    # SUBSCRIBE: packet id 1, no properties, the filter, QoS 0.
    assert subscribe_packet("a/+") == b"\x82\x09\x00\x01\x00\x00\x03a/+\x00"


def test_reason_codes_are_read_after_the_flags_or_the_properties() -> None:
    assert reason_of(Packet(2, 0, b"\x00\x87\x00"), 1) == 0x87  # CONNACK: flags, reason
    suback = Packet(9, 0, b"\x00\x01\x03\x1f\x00\x00\x87")  # id, 3 bytes of properties, reason
    assert reason_of(suback, 2) == 0x87
    with pytest.raises(LinkError):
        reason_of(Packet(2, 0, b"\x00"), 1)


async def test_a_reply_that_does_not_come_ends_the_link_in_time() -> None:
    stream = Stream(lambda _topic, _payload: None)
    with pytest.raises(LinkError, match=r"no reply of type 2 within 0\.05 s"):
        await reply(stream, CONNACK, 0.05)


async def test_a_disconnect_or_a_closed_connection_instead_of_the_reply_ends_the_link() -> None:
    stream = Stream(lambda _topic, _payload: None)
    stream.data_received(bytes([DISCONNECT << 4, 0]))
    with pytest.raises(LinkError, match="the broker disconnected"):
        await reply(stream, CONNACK, 1)
    stream.connection_lost(None)
    with pytest.raises(LinkError, match="connection closed by the broker"):
        await reply(stream, CONNACK, 1)


async def test_publishes_go_straight_out_and_replies_wait() -> None:
    received: list[tuple[str, bytes]] = []
    stream = Stream(lambda topic, payload: received.append((topic, payload)))
    stream.data_received(encoded_publish("a/b", b"one", 0, b"") + b"\x20\x03\x00\x00\x00")
    assert received == [("a/b", b"one")]
    assert reason_of(await reply(stream, CONNACK, 1), 1) == 0
