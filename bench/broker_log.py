"""What counting the broker's refusals costs: the broker's CPU per message with the debug log piped into
``icafe broker-log`` (as shipped), against the same configuration logging only errors, warnings and notices.

Usage::

    python bench/broker_log.py [--pcs N] [--messages M]

Renders ``broker/mosquitto.conf.tmpl`` with a fresh CA of N PCs (the access list from its records), runs
the broker both ways (the plugin and its access list in both), connects the hub's identity (a shared
subscription) and N PCs, has each PC publish M telemetry messages (QoS 0), waits until the hub received
all of them, and prints the CPU time (user + system, from /proc, so other load on the machine does not
count) of the broker, and of the watcher, per message delivered.
"""

from __future__ import annotations

import argparse
import os
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho
import psutil
from paho.mqtt.enums import CallbackAPIVersion

from icafe.stack import dynsec_plugin
from protocol import TopicKind, topic
from protocol.topics import PREFIX, SHARED_GROUP
from protocol.transport import tls_context
from provisioning import HUB_IDENTITY, CertificateAuthority
from provisioning.broker_acl import ensure_services, write_broker_acl
from provisioning.crl_dir import CRL_DIR

ROOT = Path(__file__).resolve().parents[1]
TELEMETRY = (
    b'{"v":1,"cpu_percent":12.5,"memory_percent":40.1,"disk_percent":55.0,"uptime_s":3600,'
    b'"user":null,"locked":true,"sent_at":1795996000000}'
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def render(base: Path, ca: CertificateAuthority, port: int, hub_port: int, *, debug: bool) -> Path:
    broker = ca.broker_identity()
    (base / "persistence").mkdir(exist_ok=True)
    text = string.Template((ROOT / "broker" / "mosquitto.conf.tmpl").read_text()).substitute(
        # As root, Mosquitto would drop to its own user, who cannot read this temporary folder.
        user_line="user root" if os.geteuid() == 0 else "",
        persistence_dir=str(base / "persistence"),
        dynsec_plugin=dynsec_plugin(),
        dynsec_file=str(base / "dynamic-security.json"),
        port=port,
        bind_address="127.0.0.1",
        hub_port=hub_port,
        hub_bind_address="127.0.0.1",
        ca_file=ca.ca_cert_path,
        cert_file=broker.cert_path,
        key_file=broker.key_path,
        crl_file=ca.crl_path,
        crl_dir=ca.root / CRL_DIR,
        extra="",
    )
    if not debug:
        text = text.replace("log_type subscribe\n", "").replace("log_type debug\n", "")
    conf = base / ("debug.conf" if debug else "quiet.conf")
    conf.write_text(text)
    return conf


def connect(ca: CertificateAuthority, name: str, port: int, client_id: str) -> paho.Client:
    identity = ca.get(name)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv5)
    client.tls_set_context(tls_context(ca.ca_cert_path, identity.cert_path, identity.key_path))
    client.connect("localhost", port)
    client.loop_start()
    return client


def cpu(processes: list[psutil.Process]) -> list[float]:
    return [sum(process.cpu_times()[:2]) for process in processes]


def measure(
    argv: list[str], ca: CertificateAuthority, ports: tuple[int, int], pcs: int, messages: int
) -> None:
    port, hub_port = ports
    broker = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", hub_port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the broker did not start") from None
                time.sleep(0.05)
        expected = pcs * messages
        received = [0]
        done = threading.Event()

        def on_message(*_args: object) -> None:
            received[0] += 1
            if received[0] >= expected:
                done.set()

        hub = connect(ca, HUB_IDENTITY, hub_port, "icafe-hub-bench")
        hub.on_message = on_message
        hub.subscribe(f"$share/{SHARED_GROUP}/{PREFIX}/+/pc/+/{TopicKind.TELEMETRY.value}", qos=0)
        clients = [connect(ca, f"pc-{n:04d}", port, f"pc-{n:04d}") for n in range(pcs)]
        time.sleep(1.5)  # every client connected and subscribed before the window opens
        processes = [psutil.Process(broker.pid), *psutil.Process(broker.pid).children(recursive=True)]
        before = cpu(processes)
        for _ in range(messages):
            for n, client in enumerate(clients):
                client.publish(topic("main", f"pc-{n:04d}", TopicKind.TELEMETRY), TELEMETRY, qos=0)
            time.sleep(0.002)
        done.wait(60)
        time.sleep(1)  # the watcher reads what the broker wrote last
        after = cpu(processes)
        spent = {p.name(): b - a for p, a, b in zip(processes, before, after, strict=True)}
        total = sum(spent.values())
        parts = ", ".join(f"{name} {1e6 * s / max(received[0], 1):.0f} µs" for name, s in spent.items())
        per_message = 1e6 * total / max(received[0], 1)
        print(f"  {received[0]} of {expected} delivered; CPU per message {per_message:.0f} µs ({parts})")
        for client in [*clients, hub]:
            client.disconnect()
            client.loop_stop()
    finally:
        broker.terminate()
        broker.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--pcs", type=int, default=50)
    parser.add_argument("--messages", type=int, default=400, help="messages per PC")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="icafe-broker-log-") as folder:
        base = Path(folder)
        ca = CertificateAuthority.init(base / "certs")
        ca.ensure(HUB_IDENTITY, kind="hub")
        ensure_services(ca)
        ca.issue_many([f"pc-{n:04d}" for n in range(options.pcs)], site="main")
        write_broker_acl(ca, base / "dynamic-security.json", 0o600)
        ports = (free_port(), free_port())
        quiet = render(base, ca, *ports, debug=False)
        loud = render(base, ca, *ports, debug=True)
        print(
            f"{options.pcs} PCs x {options.messages} telemetry messages (QoS 0), hub on a shared subscription"
        )
        print("errors, warnings and notices only (the broker's own output, discarded):")
        measure(["mosquitto", "-c", str(quiet)], ca, ports, options.pcs, options.messages)
        print("as shipped (debug and subscribe log types, piped into icafe broker-log):")
        watcher = [sys.executable, "-m", "icafe", "broker-log", "--log-file", str(base / "broker.log"), "--"]
        measure([*watcher, "mosquitto", "-c", str(loud)], ca, ports, options.pcs, options.messages)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
