"""The telemetry connection's own MQTT 5 reader: one QoS 0 subscription, its messages cut out of the TLS
stream a chunk at a time.

paho reads each packet with several small reads of the TLS socket (the fixed header a byte at a time),
each a turn of Python on the event loop: at 10,000 readings a second that alone took most of a core of the
hub (``bench/ingest.py``). Here asyncio's TLS transport hands over what arrived, up to hundreds of packets
at once, and ``PacketCutter`` cuts them out with a few slices each. The rest of the hub's MQTT (events,
acknowledgements, logins, commands: QoS 1, sessions that persist) stays with aiomqtt; this connection
needs only what a clean session with one QoS 0 subscription uses: CONNECT, SUBSCRIBE, PUBLISH (in),
PINGREQ and DISCONNECT.

It pings every half keepalive (15 s): a broker set to a lower ``max_keepalive`` than that would close it
(the CONNACK's Server Keep Alive is not read; icafe's broker sets none).

The parsing is pure (``PacketCutter``, ``publish_parts``, the ``*_packet`` encoders): no I/O, tested alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

# Control packet types (the first byte's high nibble), MQTT 5.0 §2.1.2.
CONNACK = 2
PUBLISH = 3
SUBACK = 9
PINGRESP = 13
DISCONNECT = 14

PINGREQ_PACKET = b"\xc0\x00"
DISCONNECT_PACKET = b"\xe0\x00"  # normal disconnection, no properties
SUBSCRIPTION_ID = 1
# The broker refuses bigger packets from anyone (broker/mosquitto.conf.tmpl, max_packet_size 20480); a
# bigger one here means the stream is not what it should be.
MAX_PACKET = 64 * 1024

OnPublish = Callable[[str, bytes], None]


class LinkError(Exception):
    """The connection failed, was refused, or sent what MQTT does not allow; reconnect."""


def varint(value: int) -> bytes:
    """MQTT's variable byte integer (§1.5.5)."""
    out = bytearray()
    while True:
        value, digit = divmod(value, 128)
        out.append(digit | (0x80 if value else 0))
        if not value:
            return bytes(out)


def read_varint(data: bytes | bytearray, at: int) -> tuple[int, int] | None:
    """The variable byte integer at ``at`` and where it ends; None when ``data`` ends first."""
    value = shift = 0
    for index in range(at, min(at + 4, len(data))):
        byte = data[index]
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, index + 1
        shift += 7
    if len(data) - at >= 4:
        raise LinkError("a variable byte integer longer than 4 bytes")
    return None


def _text(value: str) -> bytes:
    encoded = value.encode()
    return len(encoded).to_bytes(2, "big") + encoded


def _packet(first_byte: int, body: bytes) -> bytes:
    return bytes([first_byte]) + varint(len(body)) + body


def connect_packet(client_id: str, keepalive_s: int) -> bytes:
    """CONNECT, MQTT 5, a clean start, no properties (its session ends with the connection)."""
    variable = _text("MQTT") + bytes([5, 0x02]) + keepalive_s.to_bytes(2, "big") + b"\x00"
    return _packet(0x10, variable + _text(client_id))


def subscribe_packet(topic_filter: str) -> bytes:
    """SUBSCRIBE to one filter at QoS 0."""
    return _packet(0x82, SUBSCRIPTION_ID.to_bytes(2, "big") + b"\x00" + _text(topic_filter) + b"\x00")


@dataclass(frozen=True)
class Packet:
    kind: int  # the control packet type
    flags: int  # the first byte's low nibble
    body: bytes  # after the fixed header


class PacketCutter:
    """Cuts whole packets out of the bytes of a stream, whatever the chunks it came in."""

    def __init__(self, max_packet: int = MAX_PACKET) -> None:
        self._buffer = bytearray()
        self._max = max_packet

    def feed(self, data: bytes) -> list[Packet]:
        buffer = self._buffer
        buffer += data
        packets: list[Packet] = []
        at, end = 0, len(buffer)
        while end - at >= 2:
            length = read_varint(buffer, at + 1)
            if length is None:
                break
            size, start = length
            if size > self._max:
                raise LinkError(f"a packet of {size} bytes, more than the {self._max} allowed")
            if start + size > end:
                break
            first = buffer[at]
            packets.append(Packet(first >> 4, first & 0x0F, bytes(buffer[start : start + size])))
            at = start + size
        del buffer[:at]
        return packets


def publish_parts(packet: Packet) -> tuple[str, bytes]:
    """A PUBLISH's topic and payload (its packet id, when QoS > 0, and its properties skipped)."""
    body = packet.body
    if len(body) < 2:
        raise LinkError("a PUBLISH too short for its topic")
    topic_end = 2 + int.from_bytes(body[:2], "big")
    if topic_end > len(body):
        raise LinkError("a PUBLISH whose topic runs past its end")
    try:
        topic = body[2:topic_end].decode()
    except UnicodeDecodeError:
        raise LinkError("a PUBLISH whose topic is not UTF-8") from None
    at = topic_end + (2 if packet.flags & 0x06 else 0)  # QoS 1 and 2 carry a packet id
    properties = read_varint(body, at)
    if properties is None or properties[1] + properties[0] > len(body):
        raise LinkError("a PUBLISH whose properties run past its end")
    return topic, body[properties[1] + properties[0] :]


def reason_of(packet: Packet, skip: int) -> int:
    """The reason code after ``skip`` bytes of a CONNACK (its flags) or a SUBACK (its id and properties)."""
    body = packet.body
    if packet.kind == SUBACK:
        properties = read_varint(body, skip)
        if properties is None:
            raise LinkError("a SUBACK too short")
        skip = properties[1] + properties[0]
    if len(body) <= skip:
        raise LinkError("a reply too short for its reason code")
    return body[skip]


class _Stream(asyncio.Protocol):
    """Publishes go to ``on_publish`` as they are cut out; every other packet waits in ``replies``."""

    def __init__(self, on_publish: OnPublish) -> None:
        self._on_publish = on_publish
        self._cutter = PacketCutter()
        self.replies: asyncio.Queue[Packet] = asyncio.Queue()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # What closed the connection is raised to whoever waits on it; once the link ended, nobody does.
        self.closed.add_done_callback(lambda closed: closed.exception())
        self.transport: asyncio.Transport | None = None
        self.heard = True  # anything arrived since the last keepalive check

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports (the hub's loop) are not asyncio.Transport's subclasses, but behave as one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.heard = True
        try:
            for packet in self._cutter.feed(data):
                if packet.kind == PUBLISH:
                    self._on_publish(*publish_parts(packet))
                else:
                    self.replies.put_nowait(packet)
        except LinkError as exc:
            self._fail(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(LinkError(f"connection lost: {exc}" if exc else "connection closed by the broker"))

    def _fail(self, exc: LinkError) -> None:
        if not self.closed.done():
            self.closed.set_exception(exc)
        if self.transport is not None:
            self.transport.abort()


@dataclass(frozen=True)
class LinkSettings:
    host: str
    port: int
    client_id: str
    tls: ssl.SSLContext
    topic_filter: str
    keepalive_s: int = 30
    timeout_s: float = 10.0


async def _reply(stream: _Stream, kind: int, timeout_s: float) -> Packet:
    """The broker's next packet of ``kind``, within ``timeout_s``; a ``LinkError`` otherwise."""
    try:
        async with asyncio.timeout(timeout_s):
            return await _next_of(stream, kind)
    except TimeoutError:
        raise LinkError(f"no reply of type {kind} within {timeout_s} s") from None


async def _next_of(stream: _Stream, kind: int) -> Packet:
    while True:
        waiting: asyncio.Future[Any] = asyncio.ensure_future(stream.replies.get())
        closed: asyncio.Future[Any] = stream.closed
        await asyncio.wait((waiting, closed), return_when=asyncio.FIRST_COMPLETED)
        if closed.done():
            waiting.cancel()
            closed.result()  # raises what closed it
        packet: Packet = waiting.result()
        if packet.kind == DISCONNECT:
            raise LinkError("the broker disconnected")
        if packet.kind == kind:
            return packet


async def follow(settings: LinkSettings, on_publish: OnPublish, subscribed: Callable[[], None]) -> None:
    """Connect, subscribe, and hand every message to ``on_publish`` until the connection ends (a
    ``LinkError``); ``subscribed`` is called once the broker granted the subscription."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(settings.timeout_s):
            transport, stream = await loop.create_connection(
                lambda: _Stream(on_publish), settings.host, settings.port, ssl=settings.tls
            )
    except (OSError, TimeoutError) as exc:
        raise LinkError(f"cannot connect: {exc}") from None
    try:
        transport.write(connect_packet(settings.client_id, settings.keepalive_s))
        accepted = reason_of(await _reply(stream, CONNACK, settings.timeout_s), 1)
        if accepted:
            raise LinkError(f"the broker refused the connection (reason {accepted:#04x})")
        transport.write(subscribe_packet(settings.topic_filter))
        granted = reason_of(await _reply(stream, SUBACK, settings.timeout_s), 2)
        if granted >= 0x80:
            raise LinkError(f"the broker refused {settings.topic_filter} (reason {granted:#04x})")
        subscribed()
        await _keep_alive(stream, transport, settings.keepalive_s)
    finally:
        if not transport.is_closing():
            with contextlib.suppress(Exception):
                transport.write(DISCONNECT_PACKET)
            transport.close()


async def _keep_alive(stream: _Stream, transport: asyncio.Transport, keepalive_s: int) -> None:
    """Ping at half the keepalive; a connection that sent nothing for a whole interval is dead. It ends
    only by raising: what closed the connection, or the silence."""
    while True:
        stream.heard = False
        for half in (1, 2):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(stream.closed), keepalive_s / 2)
            if half == 1:
                transport.write(PINGREQ_PACKET)
        if not stream.heard:
            raise LinkError(f"nothing from the broker for {keepalive_s} s")
        while not stream.replies.empty():  # the PINGRESPs, already counted as heard
            stream.replies.get_nowait()
