"""``icafe broker-log -- mosquitto -c <conf>``: runs the broker and reads its log, so that the hub learns
which publishes and subscriptions the broker refused.

Mosquitto 2.0 writes a refused PUBLISH ("Denied PUBLISH from ...") only at its debug level, and a refused
SUBSCRIBE not at all: its debug log lists each filter of a SUBSCRIBE, and its ``subscribe`` log type then
names each filter it granted, so a filter listed but never granted was refused. Debug messages never go to
``$SYS`` topics, and at 2,000 PCs they are hundreds of lines a second (every packet), far too many for a
log file. So the broker logs to its standard output, a pipe into this process, which

- keeps the lines an operator wants (connections, warnings, errors) in the log file, and drops the
  per-packet debug lines (once a minute it notes how many lines the broker wrote);
- counts refusals per client (the broker username, i.e. the certificate's CN) and kind;
- every ``period`` seconds, if anything was refused, publishes one ``BrokerDenials`` to the hub (as
  ``icafe-broker-log``) and writes one summary line per client to the log file, so even a flood of
  refusals costs one message per period.

Signals are passed to the broker (SIGHUP also reopens the log file, for log rotation; SIGUSR1 makes it
save its persistence file); this process ends with the broker's exit status.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from protocol import encode
from protocol.broker import BROKER_DENIALS, MAX_CLIENTS, BrokerDenials, ClientDenials, DenialKind
from protocol.topics import is_valid_name
from protocol.transport import tls_context
from provisioning.broker_tls import OPENSSL_CONF, broker_openssl_config
from provisioning.ca import BROKER_LOG_IDENTITY

DEFAULT_PERIOD_S = 2.0
CHUNK_BYTES = 1 << 16  # read from the broker's output at most at once
# How often the watcher notes in the log file how much the broker wrote (the debug level's cost).
VOLUME_PERIOD_S = 60.0
# Passed on to the broker: reload (and reopen our log file), stop, and SIGUSR1 (save its persistence now).
FORWARDED = (signal.SIGHUP, signal.SIGTERM, signal.SIGINT, signal.SIGUSR1)
# Client ids whose username the watcher remembers; a PC's client id is its username anyway.
_MAX_CLIENT_IDS = 50_000
_LAST_TOPIC_CHARS = 256

_CONNECTED = re.compile(r"^New client connected from \S+ as (.+) \(p\d+, c\d+, k\d+(?:, u'(.*)')?\)\.$")
_DENIED_PUBLISH = re.compile(
    r"^Denied PUBLISH from (.+) \(d\d, q\d, r\d, m\d+, '(.*)', \.\.\. \(\d+ bytes\)\)$"
)
_TOO_LARGE = re.compile(r"^Dropped too large PUBLISH from (.+) \(d\d, q\d, r\d, m\d+, '(.*)', ")
_OVERSIZE = re.compile(r"^Client (.+) disconnected due to oversize packet\.$")
_SUBSCRIBE = re.compile(r"^Received SUBSCRIBE from (.+)$")
_FILTER = re.compile(r"^\t(.+) \(QoS \d\)$")
_SUBACK = re.compile(r"^Sending SUBACK to (.+)$")
# Per-packet lines of the debug level: never kept in the log file.
_PACKET = re.compile(
    r"^(?:Received|Sending) (?:CONNECT|CONNACK|PUBLISH|PUBACK|PUBREC|PUBREL|PUBCOMP|SUBSCRIBE|SUBACK|"
    r"UNSUBSCRIBE|UNSUBACK|PINGREQ|PINGRESP|DISCONNECT|AUTH)\b"
)
_NOISE = ("No will message specified.", "Will message specified", "\t")
# The per-packet lines of messages flowing (a PC's telemetry in, the hub's copy out): nothing to count.
_TRAFFIC = ("Received PUBLISH from ", "Sending PUBLISH to ", "Received PUBACK from ", "Sending PUBACK to ")


@dataclass
class _Tally:
    count: int = 0
    last_topic: str = ""


@dataclass
class Volume:
    """What the broker wrote since the last note: lines and bytes read, lines kept."""

    lines: int = 0
    size: int = 0
    kept: int = 0
    since: float = field(default_factory=time.monotonic)

    def note(self) -> str:
        seconds = max(time.monotonic() - self.since, 1e-9)
        text = (
            f"icafe: the broker wrote {self.lines} lines ({self.size} bytes) in {seconds:.0f} s, "
            f"{self.lines / seconds:.1f} lines/s; {self.kept} kept"
        )
        self.lines = self.size = self.kept = 0
        self.since = time.monotonic()
        return text


@dataclass
class DenialCounter:
    """Reads the broker's log line by line and counts what it refused (no I/O: the caller feeds it)."""

    usernames: OrderedDict[str, str] = field(default_factory=OrderedDict)
    tallies: dict[tuple[str | None, DenialKind], _Tally] = field(default_factory=dict)
    since_ms: int = field(default_factory=lambda: int(time.time() * 1000))
    # The SUBSCRIBE being read: its client id, and the filter listed but not yet granted.
    _subscriber: str | None = None
    _pending: str | None = None

    def feed(self, line: str) -> bool:
        """Count ``line`` (without its newline); True if it belongs in the log file."""
        stamp, colon, rest = line.partition(": ")
        text = rest if colon and stamp.isdigit() else line
        if text.startswith(_TRAFFIC):  # most lines by far: first, and with no pattern to match
            return False
        if self._subscribe_step(text):
            return False
        if match := _CONNECTED.match(text):
            self._remember(match.group(1), match.group(2))
            return True
        if match := _DENIED_PUBLISH.match(text) or _TOO_LARGE.match(text):
            kind = DenialKind.PUBLISH if text.startswith("Denied") else DenialKind.OVERSIZE
            self._count(match.group(1), kind, match.group(2))
            return False
        if match := _OVERSIZE.match(text):
            self._count(match.group(1), DenialKind.OVERSIZE, "")
            return True
        return not (_PACKET.match(text) or text.startswith(_NOISE))

    def _subscribe_step(self, text: str) -> bool:
        """Follow a SUBSCRIBE's lines; True if ``text`` was one of them."""
        if match := _SUBSCRIBE.match(text):
            self._settle()
            self._subscriber = match.group(1)
            return True
        if self._subscriber is None:
            return False
        if match := _FILTER.match(text):
            self._settle()
            self._pending = match.group(1)
            return True
        # A granted filter: "<client id> <qos> <filter>" (the `subscribe` log type).
        granted = f"{self._subscriber} "
        if self._pending is not None and text.startswith(granted):
            qos, _, subscription = text[len(granted) :].partition(" ")
            if qos.isdigit() and subscription == self._pending:
                self._pending = None
                return True
        if _SUBACK.match(text):
            self._settle()
            self._subscriber = None
            return True
        return False

    def _settle(self) -> None:
        """A filter listed and not granted before the next one (or the SUBACK) was refused."""
        if self._subscriber is not None and self._pending is not None:
            self._count(self._subscriber, DenialKind.SUBSCRIBE, self._pending)
        self._pending = None

    def _remember(self, client_id: str, username: str | None) -> None:
        if username is None:
            return
        self.usernames[client_id] = username
        self.usernames.move_to_end(client_id)
        while len(self.usernames) > _MAX_CLIENT_IDS:
            self.usernames.popitem(last=False)

    def _count(self, client_id: str, kind: DenialKind, what: str) -> None:
        username = self.usernames.get(client_id)
        tally = self.tallies.setdefault(
            (username if username and is_valid_name(username) else None, kind), _Tally()
        )
        tally.count += 1
        tally.last_topic = what[:_LAST_TOPIC_CHARS]

    def take(self, now_ms: int) -> BrokerDenials | None:
        """The report of everything counted since the last one (None if nothing), and start afresh."""
        if not self.tallies:
            return None
        totals: dict[DenialKind, int] = {}
        for (_, kind), tally in self.tallies.items():
            totals[kind] = totals.get(kind, 0) + tally.count
        named = sorted(
            ((client, kind, tally) for (client, kind), tally in self.tallies.items() if client is not None),
            key=lambda item: -item[2].count,
        )
        clients = [
            ClientDenials(client=client, kind=kind, count=tally.count, last_topic=tally.last_topic)
            for client, kind, tally in named[:MAX_CLIENTS]
        ]
        report = BrokerDenials(totals=totals, clients=clients, since=self.since_ms, sent_at=now_ms)
        self.tallies = {}
        self.since_ms = now_ms
        return report


def summary_lines(report: BrokerDenials) -> list[str]:
    totals = ", ".join(f"{kind.value} {count}" for kind, count in sorted(report.totals.items()))
    lines = [f"icafe: refused since {report.since}: {totals}"]
    lines += [
        f"icafe: refused {entry.kind.value} x{entry.count} from {entry.client} (last: {entry.last_topic!r})"
        for entry in report.clients
    ]
    return lines


class LogFile:
    """The kept lines, appended to a file readable by its owner only; reopened on SIGHUP (rotation)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._out: IO[str] = sys.stdout
        self.reopen()

    def reopen(self) -> None:
        with self._lock:
            if self._path is None:
                return
            if self._out is not sys.stdout:
                self._out.close()
            fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._out = os.fdopen(fd, "a", encoding="utf-8", errors="replace")

    def write(self, lines: Iterable[str]) -> None:
        with self._lock:
            for line in lines:
                self._out.write(line + "\n")
            self._out.flush()


class Reporter:
    """Publishes reports to the hub over MQTT; paho reconnects by itself if the broker restarts."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext) -> None:
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2, client_id=BROKER_LOG_IDENTITY, protocol=paho.MQTTv5
        )
        self._client.tls_set_context(tls)
        self._client.reconnect_delay_set(min_delay=1, max_delay=10)
        self._host = host
        self._port = port

    def start(self) -> None:
        # The broker is starting next to us: connect in the background, retrying until it listens.
        self._client.connect_async(self._host, self._port)
        self._client.loop_start()

    def connected(self) -> bool:
        return bool(self._client.is_connected())

    def publish(self, report: BrokerDenials) -> None:
        self._client.publish(BROKER_DENIALS, encode(report), qos=1)

    def stop(self) -> None:
        self._client.disconnect()
        self._client.loop_stop()


def run(command: Sequence[str], log: LogFile, reporter: Reporter | None, period_s: float) -> int:
    counter = DenialCounter()
    volume = Volume()
    lock = threading.Lock()
    done = threading.Event()

    def flush() -> None:
        with lock:
            if reporter is not None and not reporter.connected():
                return  # keep counting until the hub can be told
            report = counter.take(int(time.time() * 1000))
        if report is None:
            return
        log.write(summary_lines(report))
        if reporter is not None:
            reporter.publish(report)

    def every_period() -> None:
        noted = time.monotonic()
        while not done.wait(period_s):
            flush()
            if time.monotonic() - noted >= VOLUME_PERIOD_S:
                noted = time.monotonic()
                with lock:
                    note = volume.note()
                log.write([note])

    # Mosquitto's TLS without session resumption (provisioning/broker-openssl.cnf), unless the operator
    # names an OpenSSL configuration of their own.
    env = {**os.environ}
    env.setdefault(OPENSSL_CONF, str(broker_openssl_config()))
    child = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
    )
    forward = _forwarder(child, log)
    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED}
    if reporter is not None:
        reporter.start()
    timer = threading.Thread(target=every_period, name="broker-log-report", daemon=True)
    timer.start()
    try:
        assert child.stdout is not None
        # Read what the pipe holds at once, not line by line: at 2,000 PCs the broker writes tens of
        # thousands of lines a second, and each line's own read and lock would cost more than its check.
        partial = b""
        while chunk := os.read(child.stdout.fileno(), CHUNK_BYTES):
            *whole, partial = (partial + chunk).split(b"\n")
            kept = feed_lines(counter, volume, lock, whole)
            if kept:
                log.write(kept)
        if partial:
            log.write(feed_lines(counter, volume, lock, [partial]))
        returncode = child.wait()
    finally:
        if child.poll() is None:  # this watcher failed, not the broker: never leave it behind
            child.terminate()
            child.wait(30)
        done.set()
        timer.join()
        flush()
        if reporter is not None:
            reporter.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return returncode


def feed_lines(
    counter: DenialCounter, volume: Volume, lock: threading.Lock, lines: Sequence[bytes]
) -> list[str]:
    """Count the broker's ``lines`` (without their newlines); those that belong in the log file."""
    kept = []
    with lock:
        for raw in lines:
            line = raw.decode("utf-8", errors="replace")
            if counter.feed(line):
                kept.append(line)
        volume.lines += len(lines)
        volume.size += sum(len(raw) + 1 for raw in lines)
        volume.kept += len(kept)
    return kept


def _forwarder(child: subprocess.Popen[bytes], log: LogFile) -> Callable[[int, FrameType | None], None]:
    def forward(signum: int, _frame: FrameType | None) -> None:
        if signum == signal.SIGHUP:
            log.reopen()
        with contextlib.suppress(ProcessLookupError):
            child.send_signal(signum)

    return forward


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "broker-log",
        help="run Mosquitto (the command after --) and report what it refuses to the hub",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    parser.add_argument("--log-file", type=Path, help="where to keep the broker's log (default: stdout)")
    parser.add_argument("--mqtt-host", default="localhost", help="the broker, as this watcher reaches it")
    parser.add_argument("--mqtt-port", type=int, help="its port; without it nothing is reported")
    parser.add_argument("--ca", type=Path, help="the CA certificate")
    parser.add_argument("--cert", type=Path, help=f"{BROKER_LOG_IDENTITY}'s certificate")
    parser.add_argument("--key", type=Path, help=f"{BROKER_LOG_IDENTITY}'s key")
    parser.add_argument("--period", type=float, default=DEFAULT_PERIOD_S, help="seconds between reports")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- mosquitto -c <conf>")
    parser.set_defaults(func=_main)


def _main(args: argparse.Namespace) -> int:
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print("icafe broker-log: give the broker's command after --", file=sys.stderr)
        return 2
    reporter = None
    if args.mqtt_port is not None:
        if not (args.ca and args.cert and args.key):
            print("icafe broker-log: --mqtt-port needs --ca, --cert and --key", file=sys.stderr)
            return 2
        reporter = Reporter(args.mqtt_host, args.mqtt_port, tls_context(args.ca, args.cert, args.key))
    if args.period <= 0:
        print("icafe broker-log: --period must be positive", file=sys.stderr)
        return 2
    return run(command, LogFile(args.log_file), reporter, args.period)
