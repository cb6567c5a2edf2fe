"""`icafe demo` (what `make demo` runs): 10 PCs online within 60 s of its services starting; Ctrl-C stops
every child; a second run reuses the data."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil

from icafe.supervisor import free_port

from .conftest import wait_until

DEMO_PCS = 10
ONLINE_WITHIN_S = 60


def children_using(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(data_dir) in cmdline:
            found.append(process)
    return found


class Demo:
    def __init__(self, data_dir: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if k != "ICAFE_ADMIN_PASSWORD"}
        env.update(ICAFE_DATA_DIR=str(data_dir), ICAFE_HTTP_PORT=str(port), ICAFE_DEMO_PCS=str(DEMO_PCS))
        env.update(ICAFE_DEMO_DESK_PACE_S="0.5")  # the simulated cashier, fast
        self.process = subprocess.Popen(
            [sys.executable, "-m", "icafe", "demo"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []

    def read_until_running(self, timeout_s: float = 120) -> str:
        return self.read_until("Press Ctrl-C", timeout_s=timeout_s)

    def read_until(self, start: str, *, timeout_s: float) -> str:
        """The demo's output up to its first line starting with ``start``."""
        deadline = time.monotonic() + timeout_s
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.output.append(line)
            if line.startswith(start):
                return "".join(self.output)
        raise AssertionError(f"no {start!r} from the demo:\n" + "".join(self.output))

    def interrupt(self, *, impatient: bool = False) -> int:
        self.process.send_signal(signal.SIGINT)
        if impatient:  # a second signal while it stops, as `timeout` or a second Ctrl-C sends
            self.read_until("icafe demo: stopping", timeout_s=30)
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(30)


def listening(port: int) -> bool:
    return any(c.laddr.port == port and c.status == psutil.CONN_LISTEN for c in psutil.net_connections("tcp"))


def online_count(base: str, password: str) -> int:
    token = httpx.post(f"{base}/auth/login", json={"username": "admin", "password": password}).json()[
        "access_token"
    ]
    pcs = httpx.get(f"{base}/pcs", headers={"Authorization": f"Bearer {token}"}).json()
    return sum(1 for pc in pcs["items"] if pc["status"] == "online")


def test_demo_runs_the_whole_system_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / "demo"
    port = free_port()
    base = f"http://127.0.0.1:{port}/api/v1"

    demo = Demo(data_dir, port)
    try:
        banner = demo.read_until_running()
        started = time.monotonic()
        password = re.search(r"owner:\s+admin / (\S+)", banner)
        assert password, banner
        assert f"http://127.0.0.1:{port}/api/v1" in banner
        wait_until(
            lambda: online_count(base, password.group(1)) == DEMO_PCS, ONLINE_WITHIN_S, "10 PCs online"
        )
        print(f"demo: {DEMO_PCS} PCs online {time.monotonic() - started:.1f}s after its services started")
        first = httpx.post(f"{base}/auth/login", json={"username": "admin", "password": password.group(1)})
        token = first.json()["access_token"]
        first_seen = httpx.get(f"{base}/pcs/pc-001", headers={"Authorization": f"Bearer {token}"}).json()[
            "first_seen"
        ]
        assert children_using(data_dir), "the demo's services run with their state under the data directory"
        headers = {"Authorization": f"Bearer {token}"}
        # The simulated front desk seats customers and takes money with nothing to do.
        wait_until(
            lambda: httpx.get(f"{base}/payments", headers=headers).json()["total"] >= 3,
            60,
            "payments coming in",
        )
        takings = httpx.get(f"{base}/payments", headers=headers).json()["items"]
        assert {p["staff"] for p in takings} == {"front-desk"}  # its own cashier, not the owner
        wait_until(
            lambda: httpx.get(f"{base}/sessions", headers=headers).json()["total"] >= 1,
            60,
            "sessions running",
        )
    finally:
        code = demo.interrupt()
    assert code == 0, "".join(demo.output)
    assert children_using(data_dir) == [], "Ctrl-C left children running"

    again = Demo(data_dir, port)
    try:
        banner = again.read_until_running()
        assert f"admin / {password.group(1)}" in banner  # same owner, same data
        wait_until(
            lambda: online_count(base, password.group(1)) == DEMO_PCS, ONLINE_WITHIN_S, "PCs online again"
        )
        token = httpx.post(
            f"{base}/auth/login", json={"username": "admin", "password": password.group(1)}
        ).json()["access_token"]
        pc = httpx.get(f"{base}/pcs/pc-001", headers={"Authorization": f"Bearer {token}"}).json()
        assert pc["first_seen"] == first_seen
    finally:
        assert again.interrupt(impatient=True) == 0
    assert children_using(data_dir) == [], "a second signal cut the clean-up short"
    assert not listening(port), "the hub outlived the demo"
