"""The soak, bounded: `bench/soak.py` with a few kills on a stack of its own (it kills the broker, the hub,
the store and Redis, which the shared session stack must never see), and its verdict: nothing journaled
lost, no payment twice, every balance as the model says, every ended session charged once, the ledger
and the audit chain intact, every part back on its own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def soak(tmp_path: Path, *options: str) -> dict[str, Any]:
    """Run the soak with ``options`` on a stack of its own; its verdict, once it found no violation."""
    argv = [sys.executable, str(SOAK), *options, "--data-dir", str(tmp_path / "soak"), "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=240, check=False)
    assert done.stdout.strip(), done.stderr[-2000:]
    verdict: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert verdict["violations"] == [], verdict
    assert done.returncode == 0, done.stderr[-2000:]
    return verdict


def test_a_branch_with_two_hub_replicas_killed_at_random_loses_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    """The desk's requests go to the two hubs in turn (a session started through one is stopped through
    the other; a request a dead hub did not answer is retried on the other), while any part, either hub
    included, is killed. One bounded run keeps the suite's time: the long runs are `bench/soak.py`'s."""
    verdict = soak(
        tmp_path, "--kills", "10", "--interval", "1.5", "--pcs", "3", "--members", "4", "--hubs", "2"
    )
    assert sum(verdict["kills"].values()) == 10
    # Every kill was undone by the supervisor, not by hand, and the desk's money went through both hubs.
    assert sum(verdict["restarts"].values()) >= 10
    assert set(verdict["answered_by"]) == {"hub", "hub-2"}, verdict["answered_by"]
    assert verdict["operations"].get("topup", 0) > 0
    assert verdict["journal_events"] > 0
