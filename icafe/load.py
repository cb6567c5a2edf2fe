"""``icafe load-publish`` and ``icafe load-count``: a lean MQTT load for the benchmarks.

``load-publish`` connects enrolled PCs (each with its own certificate, as the broker's access list
requires: a PC publishes only its own topics under its site), sends each PC's ``hello`` so that the hub
has it on record, then publishes telemetry open-loop at the rate its control file says, spread evenly over
its PCs: the rate does not depend on how fast anything answers, and what could not be sent in time is
counted, never silently owed. Each PC also subscribes to its commands and acknowledges every one at once
(``done``), as an agent with nothing else to do would: a command's round trip then measures the hub and
the broker, not a simulated PC's own pauses. ``load-count`` is a plain, non-shared subscriber that counts
the telemetry the broker delivers. Both write their counters to a status file (JSON, replaced atomically)
twice a second.

They speak MQTT v5 on the socket, with every packet built once per PC (a reading's time is the only part
that changes), so that one process offers thousands of messages a second: a benchmark then measures the
hub, not the load. Every message is a valid ``protocol`` message (``tests/unit/test_load.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import selectors
import socket
import ssl
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protocol import CommandAck, CommandOutcome, Hardware, Hello, Telemetry, TopicKind, encode, topic
from protocol.topics import PREFIX
from protocol.transport import tls_context
from provisioning.ca import CertificateAuthority, atomic_write

CONNECT = 0x10
CONNACK = 0x20
PUBLISH_QOS0 = 0x30
PUBLISH_QOS1 = 0x32
PUBACK = 0x40
SUBSCRIBE = 0x82
PINGREQ = b"\xc0\x00"
DISCONNECT = b"\xe0\x00"
KEEPALIVE_S = 60
PING_EVERY_S = 20.0
STATUS_EVERY_S = 0.5
TICK_S = 0.005
# Owed messages beyond this many ticks' worth are counted as missed rather than sent in a burst.
MAX_OWED_TICKS = 20
# A reading's time as sent: 13 digits of epoch milliseconds (until the year 2286), so a packet's length
# never changes and its bytes are built once.
_TIME_MARK = 1_111_111_111_111
TELEMETRY_FILTER = f"{PREFIX}/+/pc/+/{TopicKind.TELEMETRY.value}"


# ---- MQTT v5 packets ---------------------------------------------------------------------------


def varint(value: int) -> bytes:
    """MQTT's variable byte integer."""
    out = bytearray()
    while True:
        byte, value = value % 128, value // 128
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def utf8(text: str) -> bytes:
    raw = text.encode()
    return len(raw).to_bytes(2, "big") + raw


def packet(first_byte: int, body: bytes) -> bytes:
    return bytes([first_byte]) + varint(len(body)) + body


def connect_packet(client_id: str, keepalive_s: int = KEEPALIVE_S) -> bytes:
    """CONNECT, MQTT 5, clean start, no session kept after the connection, no properties."""
    return packet(
        CONNECT, utf8("MQTT") + bytes([5, 0x02]) + keepalive_s.to_bytes(2, "big") + b"\x00" + utf8(client_id)
    )


def publish_packet(topic_name: str, payload: bytes) -> bytes:
    """PUBLISH at QoS 0 with no properties."""
    return packet(PUBLISH_QOS0, utf8(topic_name) + b"\x00" + payload)


def publish_qos1_packet(topic_name: str, packet_id: int, payload: bytes) -> bytes:
    """PUBLISH at QoS 1 with no properties."""
    return packet(PUBLISH_QOS1, utf8(topic_name) + packet_id.to_bytes(2, "big") + b"\x00" + payload)


def puback_packet(packet_id: int) -> bytes:
    """PUBACK, success (MQTT 5 allows leaving out the reason code and properties)."""
    return packet(PUBACK, packet_id.to_bytes(2, "big"))


def subscribe_packet(packet_id: int, topic_filter: str, qos: int = 0) -> bytes:
    """SUBSCRIBE to one filter."""
    return packet(SUBSCRIBE, packet_id.to_bytes(2, "big") + b"\x00" + utf8(topic_filter) + bytes([qos]))


def parse_publish(first: int, body: bytes) -> tuple[str, int | None, bytes]:
    """A received PUBLISH's topic, packet id (None at QoS 0) and payload (MQTT 5: properties skipped)."""
    length = int.from_bytes(body[:2], "big")
    name = body[2 : 2 + length].decode()
    pos, packet_id = 2 + length, None
    if (first >> 1) & 3:
        packet_id = int.from_bytes(body[pos : pos + 2], "big")
        pos += 2
    props, shift = 0, 0
    while True:  # the properties' length, a variable byte integer
        byte = body[pos]
        pos += 1
        props |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
    return name, packet_id, body[pos + props :]


def packet_spans(buffer: bytes | bytearray) -> Iterator[tuple[int, int, int]]:
    """(first byte, start, end of the body) of each complete packet at the start of ``buffer``."""
    pos, size = 0, len(buffer)
    while pos + 2 <= size:
        length, shift, index = 0, 0, pos + 1
        while index < size:
            byte = buffer[index]
            length |= (byte & 0x7F) << shift
            index += 1
            if byte < 0x80:
                break
            shift += 7
        else:
            return  # the length itself is not complete yet
        end = index + length
        if end > size:
            return
        yield buffer[pos], index, end
        pos = end


def split_packets(buffer: bytes | bytearray) -> tuple[list[tuple[int, bytes]], int]:
    """The complete packets at the start of ``buffer`` as (first byte, body), and how many bytes they take."""
    spans = list(packet_spans(buffer))
    return [(first, bytes(buffer[start:end])) for first, start, end in spans], spans[-1][2] if spans else 0


def count_publishes(buffer: bytes | bytearray) -> tuple[int, int]:
    """How many complete PUBLISH packets begin ``buffer``, and how many bytes the complete packets take."""
    publishes, used = 0, 0
    for first, _, end in packet_spans(buffer):
        publishes += first >> 4 == 3
        used = end
    return publishes, used


# ---- the messages ------------------------------------------------------------------------------


class TelemetryPackets:
    """One PC's telemetry PUBLISH, built once; ``at(ms)`` is the packet of a reading sent at ``ms``."""

    def __init__(self, site: str, pc_id: str, rng: random.Random) -> None:
        reading = Telemetry(
            cpu_percent=round(rng.uniform(1, 95), 1),
            memory_percent=round(rng.uniform(10, 90), 1),
            disk_percent=round(rng.uniform(10, 90), 1),
            uptime_s=rng.randrange(60, 86_400),
            user=None,
            locked=True,
            sent_at=_TIME_MARK,
        )
        whole = publish_packet(topic(site, pc_id, TopicKind.TELEMETRY), encode(reading))
        mark = str(_TIME_MARK).encode()
        if whole.count(mark) != 1:
            raise ValueError("the reading's time must appear once in its packet")
        self._head, _, self._tail = whole.partition(mark)

    def at(self, now_ms: int) -> bytes:
        return self._head + b"%d" % now_ms + self._tail


def ack_packet(site: str, pc_id: str, packet_id: int, command_payload: bytes, now_ms: int) -> bytes | None:
    """The PC's ``done`` for a command (QoS 1, as an agent sends it); None for what is not a command."""
    try:
        command_id = json.loads(command_payload)["id"]
    except (ValueError, KeyError, TypeError):
        return None
    ack = CommandAck(id=str(command_id), outcome=CommandOutcome.DONE, detail="", done_at=now_ms)
    return publish_qos1_packet(topic(site, pc_id, TopicKind.CMD_ACK), packet_id, encode(ack))


def hello_packet(site: str, pc_id: str, now_ms: int) -> bytes:
    hello = Hello(
        agent_version="load",
        hostname=pc_id,
        os="load generator",
        hardware=Hardware(),
        boot_time=now_ms,
        sent_at=now_ms,
    )
    return publish_packet(topic(site, pc_id, TopicKind.HELLO), encode(hello))


# ---- connections -------------------------------------------------------------------------------


def open_mqtt(
    host: str, port: int, tls: ssl.SSLContext, client_id: str, timeout_s: float = 30
) -> ssl.SSLSocket:
    """A TLS connection on which the broker accepted our CONNECT."""
    raw = socket.create_connection((host, port), timeout=timeout_s)
    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock = tls.wrap_socket(raw, server_hostname=host)
    try:
        sock.sendall(connect_packet(client_id))
        received = bytearray()
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"{client_id}: the broker closed the connection before CONNACK")
            received += chunk
            packets, _ = split_packets(received)
            if packets:
                break
        first, body = packets[0]
        if first != CONNACK or len(body) < 2 or body[1] != 0:
            raise ConnectionError(f"{client_id}: refused (packet {first:#x}, reason {body[1:2].hex()})")
    except BaseException:
        sock.close()
        raise
    return sock


def write_status(path: Path, status: dict[str, Any]) -> None:
    atomic_write(path, json.dumps(status).encode(), 0o600)


def read_rate(path: Path | None, default: float) -> float:
    """The rate the control file asks for (``{"rate": msg/s}``); ``default`` without a readable one."""
    if path is None:
        return default
    try:
        return max(0.0, float(json.loads(path.read_text())["rate"]))
    except (OSError, ValueError, KeyError, TypeError):
        return default


@dataclass
class Publisher:
    socket: ssl.SSLSocket
    packets: TelemetryPackets
    site: str
    pc_id: str
    alive: bool = True
    received: bytearray = field(default_factory=bytearray)
    next_packet_id: int = 1

    def packet_id(self) -> int:
        self.next_packet_id = self.next_packet_id % 65_535 + 1
        return self.next_packet_id

    def read(self) -> list[tuple[int, bytes]]:
        """The packets the broker sent that have arrived whole (the socket is readable)."""
        # Not blocking: a readable socket may hold only TLS records without data (session tickets).
        self.socket.setblocking(False)
        try:
            chunk = self.socket.recv(65_536)
            if not chunk:
                self.alive = False  # the broker closed the connection
                return []
            while self.socket.pending():
                chunk += self.socket.recv(65_536)
        except (ssl.SSLWantReadError, BlockingIOError):
            return []
        except OSError:
            self.alive = False
            return []
        finally:
            with contextlib.suppress(OSError):
                self.socket.setblocking(True)
        self.received += chunk
        packets, used = split_packets(self.received)
        del self.received[:used]
        return packets

    def answer(self, packets: list[tuple[int, bytes]], now_ms: int) -> int:
        """Acknowledge the commands among ``packets`` (PUBACK, then the PC's ``done``); how many."""
        replies, answered = [], 0
        for first, body in packets:
            if first >> 4 != 3:
                continue  # SUBACK, PUBACK of our acks, PINGRESP
            _, packet_id, payload = parse_publish(first, body)
            if packet_id is not None:
                replies.append(puback_packet(packet_id))
            ack = ack_packet(self.site, self.pc_id, self.packet_id(), payload, now_ms)
            if ack is not None:
                replies.append(ack)
                answered += 1
        if replies:
            try:
                self.socket.sendall(b"".join(replies))
            except OSError:
                self.alive = False
        return answered


# ---- load-publish ------------------------------------------------------------------------------


def _pc_names(args: argparse.Namespace) -> list[str]:
    return [f"{args.prefix}{index:0{args.digits}d}" for index in range(args.first, args.first + args.count)]


def publish(args: argparse.Namespace) -> int:
    ca = CertificateAuthority.open(args.certs)
    rng = random.Random(args.first)
    names = _pc_names(args)
    status: dict[str, Any] = {
        "pid": os.getpid(),
        "pcs": len(names),
        "connected": 0,
        "sent": 0,
        "missed": 0,
        "commands_answered": 0,
    }
    publishers: list[Publisher] = []
    next_ping = time.monotonic() + PING_EVERY_S
    for name in names:
        if time.monotonic() >= next_ping:
            # Connecting thousands takes minutes on a busy machine: the first must not time out meanwhile.
            for publisher in publishers:
                _ping(publisher)
            write_status(args.status, status)
            next_ping = time.monotonic() + PING_EVERY_S
        identity = ca.get(name)
        tls = tls_context(ca.ca_cert_path, identity.cert_path, identity.key_path)
        sock = open_mqtt(args.host, args.port, tls, name)
        sock.sendall(
            subscribe_packet(1, topic(args.site, name, TopicKind.CMD), qos=1)
            + hello_packet(args.site, name, int(time.time() * 1000))
        )
        publishers.append(Publisher(sock, TelemetryPackets(args.site, name, rng), args.site, name))
        status["connected"] = len(publishers)
    write_status(args.status, status)
    try:
        _publish_forever(args, publishers, status)
    except KeyboardInterrupt:
        pass
    finally:
        for publisher in publishers:
            with contextlib.suppress(OSError):
                publisher.socket.sendall(DISCONNECT)
                publisher.socket.close()
    return 0


def _publish_forever(args: argparse.Namespace, publishers: list[Publisher], status: dict[str, Any]) -> None:
    rate = read_rate(args.control, args.rate)
    owed, next_index = 0.0, 0
    last = next_status = next_ping = time.monotonic()
    readable = selectors.DefaultSelector()
    for publisher in publishers:
        readable.register(publisher.socket, selectors.EVENT_READ, publisher)
    while True:
        now = time.monotonic()
        for key, _ in readable.select(0):
            sender: Publisher = key.data
            packets = sender.read()
            if packets:
                status["commands_answered"] += sender.answer(packets, int(time.time() * 1000))
            if not sender.alive:
                readable.unregister(sender.socket)
        owed += rate * (now - last)
        last = now
        cap = max(1.0, rate * TICK_S * MAX_OWED_TICKS)
        if owed > cap:
            status["missed"] += int(owed - cap)
            owed -= int(owed - cap)
        due = int(owed)
        owed -= due
        alive = [p for p in publishers if p.alive]
        if due and alive:
            now_ms = int(time.time() * 1000)
            batches: dict[int, list[bytes]] = {}
            for _ in range(due):
                next_index = (next_index + 1) % len(alive)
                batches.setdefault(next_index, []).append(alive[next_index].packets.at(now_ms))
            for index, parts in batches.items():
                try:
                    alive[index].socket.sendall(b"".join(parts))
                    status["sent"] += len(parts)
                except OSError:
                    alive[index].alive = False
                    status["missed"] += len(parts)
        if now >= next_ping:
            for publisher in alive:
                _ping(publisher)
            next_ping = now + PING_EVERY_S
        if now >= next_status:
            rate = read_rate(args.control, rate)
            status.update(rate=rate, connected=sum(p.alive for p in publishers), at=time.time())
            write_status(args.status, status)
            next_status = now + STATUS_EVERY_S
        time.sleep(max(0.0, TICK_S - (time.monotonic() - now)))


def _ping(publisher: Publisher) -> None:
    """Keep the connection alive (the PINGRESP is read with the commands)."""
    try:
        publisher.socket.sendall(PINGREQ)
    except OSError:
        publisher.alive = False


# ---- load-count --------------------------------------------------------------------------------


def count(args: argparse.Namespace) -> int:
    tls = tls_context(args.ca, args.cert, args.key)
    sock = open_mqtt(args.host, args.port, tls, f"icafe-load-count-{os.getpid()}")
    sock.sendall(subscribe_packet(1, args.filter))
    sock.settimeout(STATUS_EVERY_S)
    status: dict[str, Any] = {"pid": os.getpid(), "received": 0, "connected": 1}
    buffer = bytearray()
    next_status = next_ping = time.monotonic()
    try:
        while True:
            try:
                chunk = sock.recv(1 << 18)
            except TimeoutError:
                chunk = b""
            else:
                if not chunk:
                    status["connected"] = 0
                    write_status(args.status, status)
                    return 1
            buffer += chunk
            received, used = count_publishes(buffer)
            del buffer[:used]
            status["received"] += received
            now = time.monotonic()
            if now >= next_ping:
                sock.sendall(PINGREQ)
                next_ping = now + PING_EVERY_S
            if now >= next_status:
                status["at"] = time.time()
                write_status(args.status, status)
                next_status = now + STATUS_EVERY_S
    except KeyboardInterrupt:
        return 0
    finally:
        with contextlib.suppress(OSError):
            sock.sendall(DISCONNECT)
            sock.close()


# ---- the commands ------------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    pub = subparsers.add_parser(
        "load-publish", help="benchmarks: enrolled PCs publishing telemetry at a set rate"
    )
    pub.add_argument("--certs", type=Path, required=True, help="the CA's folder (the PCs' certificates)")
    pub.add_argument("--host", default="localhost")
    pub.add_argument("--port", type=int, required=True, help="the PCs' listener")
    pub.add_argument("--site", default="main")
    pub.add_argument("--prefix", default="pc-", help="PC names: <prefix><index, --digits wide at least>")
    pub.add_argument("--digits", type=int, default=3, help="as the local stack names its PCs (pc-001)")
    pub.add_argument("--first", type=int, default=1)
    pub.add_argument("--count", type=int, required=True, help="PCs in this process")
    pub.add_argument("--rate", type=float, default=0.0, help="messages a second (without --control)")
    pub.add_argument("--control", type=Path, help='a file {"rate": msg/s}, read twice a second')
    pub.add_argument("--status", type=Path, required=True, help="where to write the counters")
    pub.set_defaults(func=publish)

    cnt = subparsers.add_parser(
        "load-count", help="benchmarks: count the telemetry a plain subscriber receives"
    )
    cnt.add_argument("--host", default="localhost")
    cnt.add_argument("--port", type=int, required=True, help="the hub's listener")
    cnt.add_argument("--ca", type=Path, required=True)
    cnt.add_argument("--cert", type=Path, required=True, help="the hub's certificate")
    cnt.add_argument("--key", type=Path, required=True)
    cnt.add_argument("--filter", default=TELEMETRY_FILTER)
    cnt.add_argument("--status", type=Path, required=True)
    cnt.set_defaults(func=count)


def statuses(paths: Sequence[Path]) -> Iterator[dict[str, Any]]:
    """The status files that exist and parse (a process may not have written its first yet)."""
    for path in paths:
        with contextlib.suppress(OSError, ValueError):
            yield json.loads(path.read_text())
