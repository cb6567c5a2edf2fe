"""`icafe broker-log`: what it counts and keeps from Mosquitto 2.0.11's log. The lines are verbatim from a
real broker (dynamic-security plugin, log types notice, subscribe and debug)."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

from icafe.broker_log import DenialCounter, summary_lines
from protocol import decode, encode
from protocol.broker import MAX_CLIENTS, BrokerDenials, DenialKind

# A hub (client id hub-x) publishes a retained command; PC pc-001 connects under the client id "pc one",
# subscribes to the hub's shared subscription (refused), its own commands (granted; the retained one is
# sent after the SUBACK) and "#" (refused); then, as "pc-001", publishes on another PC's topic (refused).
LOG = """\
1795996277: New connection from 127.0.0.1:38918 on port 18832.
1795996277: New client connected from 127.0.0.1:38918 as hub-x (p5, c1, k60, u'icafe-hub').
1795996277: No will message specified.
1795996277: Sending CONNACK to hub-x (0, 0)
1795996277: Received PUBLISH from hub-x (d0, q1, r1, m1, 'icafe/v1/main/pc/pc-001/cmd', ... (8 bytes))
1795996277: Sending PUBACK to hub-x (m1, rc16)
1795996277: Received DISCONNECT from hub-x
1795996277: Client hub-x disconnected.
1795996277: New connection from 127.0.0.1:38926 on port 18832.
1795996277: New client connected from 127.0.0.1:38926 as pc one (p5, c1, k60, u'pc-001').
1795996277: No will message specified.
1795996277: Sending CONNACK to pc one (0, 0)
1795996277: Received SUBSCRIBE from pc one
1795996277: \t$share/hub/icafe/v1/+/pc/+/hello (QoS 1)
1795996277: \ticafe/v1/main/pc/pc-001/cmd (QoS 1)
1795996277: pc one 1 icafe/v1/main/pc/pc-001/cmd
1795996277: \t# (QoS 1)
1795996277: Sending SUBACK to pc one
1795996277: Sending PUBLISH to pc one (d0, q1, r1, m1, 'icafe/v1/main/pc/pc-001/cmd', ... (8 bytes))
1795996277: Received PUBACK from pc one (Mid: 1, RC:0)
1795996278: Received DISCONNECT from pc one
1795996278: Client pc one disconnected.
1795996278: New connection from 127.0.0.1:55472 on port 18832.
1795996278: New client connected from 127.0.0.1:55472 as pc-001 (p5, c1, k60, u'pc-001').
1795996278: No will message specified.
1795996278: Sending CONNACK to pc-001 (0, 0)
1795996278: Denied PUBLISH from pc-001 (d0, q1, r0, m1, 'icafe/v1/main/pc/pc-002/hello', ... (1 bytes))
1795996278: Sending PUBACK to pc-001 (m1, rc135)
1795996278: Received DISCONNECT from pc-001
1795996278: Client pc-001 disconnected.
1795996262: New client connected from 127.0.0.1:58386 as pc-001 (p2, c1, k60, u'pc-001').
1795996262: Client pc-001 disconnected due to oversize packet.
"""

KEPT = [
    "New connection from 127.0.0.1:38918 on port 18832.",
    "New client connected from 127.0.0.1:38918 as hub-x (p5, c1, k60, u'icafe-hub').",
    "Client hub-x disconnected.",
    "New connection from 127.0.0.1:38926 on port 18832.",
    "New client connected from 127.0.0.1:38926 as pc one (p5, c1, k60, u'pc-001').",
    "Client pc one disconnected.",
    "New connection from 127.0.0.1:55472 on port 18832.",
    "New client connected from 127.0.0.1:55472 as pc-001 (p5, c1, k60, u'pc-001').",
    "Client pc-001 disconnected.",
    "New client connected from 127.0.0.1:58386 as pc-001 (p2, c1, k60, u'pc-001').",
    "Client pc-001 disconnected due to oversize packet.",
]


def feed(counter: DenialCounter, text: str) -> list[str]:
    return [line.split(": ", 1)[1] for line in text.splitlines() if counter.feed(line)]


def test_refusals_are_counted_per_username_and_kind_and_only_operator_lines_kept() -> None:
    counter = DenialCounter(since_ms=1)
    assert feed(counter, LOG) == KEPT
    report = counter.take(2)
    assert report is not None
    assert report.totals == {DenialKind.SUBSCRIBE: 2, DenialKind.PUBLISH: 1, DenialKind.OVERSIZE: 1}
    entries = {(e.client, e.kind): (e.count, e.last_topic) for e in report.clients}
    # The client id "pc one" is mapped back to the certificate's CN, pc-001.
    assert entries == {
        ("pc-001", DenialKind.SUBSCRIBE): (2, "#"),
        ("pc-001", DenialKind.PUBLISH): (1, "icafe/v1/main/pc/pc-002/hello"),
        ("pc-001", DenialKind.OVERSIZE): (1, ""),
    }
    assert (report.since, report.sent_at) == (1, 2)
    # The report survives the wire, and a new period starts empty.
    assert decode(encode(report), BrokerDenials) == report
    assert counter.take(3) is None


def test_a_subscription_whose_every_filter_is_granted_counts_nothing() -> None:
    counter = DenialCounter()
    feed(
        counter,
        "1: Received SUBSCRIBE from icafe-hub-hub\n"
        "1: \t$share/hub/icafe/v1/+/pc/+/telemetry (QoS 1)\n"
        "1: icafe-hub-hub 1 $share/hub/icafe/v1/+/pc/+/telemetry\n"
        "1: \ticafe/v1/+/pc/+/status (QoS 1)\n"
        "1: Sending PUBLISH to icafe-hub-hub (d0, q1, r1, m3, 'icafe/v1/a/pc/b/status', ... (9 bytes))\n"
        "1: icafe-hub-hub 1 icafe/v1/+/pc/+/status\n"
        "1: Sending SUBACK to icafe-hub-hub\n",
    )
    assert counter.take(1) is None


def test_a_client_with_no_known_username_counts_in_the_totals_only() -> None:
    counter = DenialCounter()
    feed(counter, "5: Denied PUBLISH from stranger (d0, q0, r0, m0, 'x/y', ... (3 bytes))\n")
    report = counter.take(6)
    assert report is not None
    assert report.totals == {DenialKind.PUBLISH: 1}
    assert report.clients == []


def test_a_flood_costs_one_bounded_report() -> None:
    """However many clients and refusals, one report per period, naming at most MAX_CLIENTS clients (the
    busiest), with exact totals."""
    counter = DenialCounter()
    lines = []
    for n in range(MAX_CLIENTS + 50):
        pc = f"pc-{n:04d}"
        lines.append(f"7: New client connected from 10.0.0.1:{n} as {pc} (p5, c1, k60, u'{pc}').")
        lines += [
            f"7: Denied PUBLISH from {pc} (d0, q0, r0, m0, 'icafe/v1/x/pc/{pc}/hello', ... (1 bytes))"
        ] * (1 + (n == 0) * 1000)
    feed(counter, "\n".join(lines))
    report = counter.take(8)
    assert report is not None
    assert report.totals == {DenialKind.PUBLISH: MAX_CLIENTS + 50 + 1000}
    assert len(report.clients) == MAX_CLIENTS
    assert report.clients[0].client == "pc-0000"
    assert report.clients[0].count == 1001
    assert len(summary_lines(report)) == MAX_CLIENTS + 1


def test_the_watcher_runs_the_broker_keeps_its_log_and_ends_with_its_status(tmp_path: Path) -> None:
    """`icafe broker-log -- <broker>` with a stand-in broker that logs and exits 3: the kept lines and the
    summary of refusals go to the log file (mode 0600), the per-packet lines do not, and the status is the
    broker's. The stand-in writes its log 7 bytes at a time, so lines reach the watcher in pieces."""
    log = tmp_path / "mosquitto.log"
    broker = (
        "import sys, time\n"
        "for i in range(0, len(LOG), 7):\n"
        "    sys.stdout.write(LOG[i:i + 7]); sys.stdout.flush(); time.sleep(0.0005)\n"
        "sys.exit(3)"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "icafe",
            "broker-log",
            "--log-file",
            str(log),
            "--period",
            "60",
            "--",
            sys.executable,
            "-c",
            f"LOG = {LOG!r}\n{broker}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 3, result.stderr
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    lines = log.read_text().splitlines()
    kept = [line.split(": ", 1)[1] for line in lines if not line.startswith("icafe:")]
    assert kept == KEPT
    summary = [line for line in lines if line.startswith("icafe: refused")]
    assert summary[0].endswith("oversize 1, publish 1, subscribe 2")
    assert "icafe: refused subscribe x2 from pc-001 (last: '#')" in summary
