"""The agent's journal: an outbox that is durable, atomic and never silently reset."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge_agent.journal import Journal, JournalCorrupt, JournalEntry, JournalError


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "agent" / "journal.db"  # the folder does not exist yet: open creates it


@pytest.fixture
def journal(path: Path) -> Iterator[Journal]:
    with Journal.open(path) as j:
        yield j


def test_journal_files_are_private_to_the_agent(path: Path) -> None:
    # It holds session state and members' offline verifiers: nobody else on the PC may read it.
    with Journal.open(path) as journal:
        journal.append("session.checkpoint", {"session_id": "s1"}, 1)
        modes = {p.name: p.stat().st_mode & 0o777 for p in path.parent.iterdir()}
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert modes[path.name] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes


def seqs(entries: list[JournalEntry]) -> list[int]:
    return [e.seq for e in entries]


# -- sequence numbers, pending, acknowledgement ----------------------------------------------------------


def test_new_journal_is_empty(journal: Journal, path: Path) -> None:
    assert path.exists()
    assert journal.path == path
    assert journal.last_seq == 0
    assert journal.acknowledged_seq == 0
    assert journal.pending() == []
    assert re.fullmatch(r"[0-9a-f]{32}", journal.journal_id)


def test_seqs_strictly_increase_from_one(journal: Journal) -> None:
    first = journal.append("session.started", {"session": "s1", "member": None, "prepaid": True}, 1000)
    assert first == JournalEntry(
        seq=1, type="session.started", data={"session": "s1", "member": None, "prepaid": True}, at=1000
    )
    batch = journal.append_many([("session.checkpoint", {"used_ms": 60_000}, 61_000), ("x", {}, 62_000)])
    assert seqs(batch) == [2, 3]
    assert journal.append("session.ended", {"used_ms": 90_000}, 91_000).seq == 4
    assert journal.last_seq == 4
    assert journal.append_many([]) == []
    assert journal.last_seq == 4


def test_pending_is_unacked_in_ascending_order(journal: Journal) -> None:
    written = [journal.append("tick", {"i": i}, 1000 + i) for i in range(10)]
    assert journal.pending() == written
    assert journal.pending(limit=3) == written[:3]
    assert journal.acknowledge(4) == 4
    assert journal.pending() == written[4:]
    assert journal.pending(limit=2) == written[4:6]
    assert journal.acknowledged_seq == 4


def test_acknowledge_prunes_exactly_the_acked(journal: Journal) -> None:
    for i in range(5):
        journal.append("tick", {"i": i}, i)
    assert journal.acknowledge(0) == 0
    assert journal.acknowledge(2) == 2
    assert seqs(journal.pending()) == [3, 4, 5]
    assert journal.acknowledge(2) == 0  # redelivered ack
    assert journal.acknowledge(5) == 3
    assert journal.pending() == []


def test_acknowledged_seq_is_monotonic(journal: Journal) -> None:
    for i in range(6):
        journal.append("tick", {"i": i}, i)
    journal.acknowledge(4)
    assert journal.acknowledge(1) == 0  # a stale, lower ack is a no-op
    assert journal.acknowledged_seq == 4
    assert seqs(journal.pending()) == [5, 6]


def test_ack_beyond_last_seq_is_refused(journal: Journal) -> None:
    journal.append("tick", {}, 1)
    journal.append("tick", {}, 2)
    with pytest.raises(JournalError, match="beyond"):
        journal.acknowledge(3)
    assert journal.acknowledged_seq == 0
    assert seqs(journal.pending()) == [1, 2]


@pytest.mark.parametrize("bad", [-1, True, 1.0, "1", None])
def test_ack_needs_a_non_negative_int(journal: Journal, bad: Any) -> None:
    journal.append("tick", {}, 1)
    with pytest.raises(JournalError):
        journal.acknowledge(bad)
    assert seqs(journal.pending()) == [1]


@pytest.mark.parametrize("bad", [0, -5, True, 2.5])
def test_pending_limit_must_be_positive(journal: Journal, bad: Any) -> None:
    with pytest.raises(JournalError):
        journal.pending(limit=bad)


def test_last_seq_survives_pruning_everything_and_reopening(path: Path) -> None:
    with Journal.open(path) as journal:
        for i in range(3):
            journal.append("tick", {"i": i}, i)
        assert journal.acknowledge(3) == 3
        assert journal.last_seq == 3
    with Journal.open(path) as journal:
        assert journal.last_seq == 3
        assert journal.acknowledged_seq == 3
        assert journal.pending() == []
        assert journal.append("tick", {}, 10).seq == 4  # never reuses a seq the hub has seen


def test_entries_survive_reopening(path: Path) -> None:
    with Journal.open(path) as journal:
        written = [journal.append("tick", {"i": i, "s": "é✓"}, i) for i in range(3)]
        journal.acknowledge(1)
    with Journal.open(path) as journal:
        assert journal.pending() == written[1:]


# -- journal id ------------------------------------------------------------------------------------------


def test_journal_id_is_stable_across_reopen_and_new_per_file(tmp_path: Path) -> None:
    with Journal.open(tmp_path / "a.db") as a:
        a_id = a.journal_id
    with Journal.open(tmp_path / "a.db") as again:
        assert again.journal_id == a_id
    with Journal.open(tmp_path / "b.db") as b:
        assert b.journal_id != a_id


# -- state -----------------------------------------------------------------------------------------------


def test_state_round_trips(path: Path) -> None:
    session = {"id": "s1", "limit_ms": 3_600_000, "tariff": {"per_hour": 250}, "tags": ["vip"], "x": None}
    with Journal.open(path) as journal:
        assert journal.get_state("session") is None
        assert journal.get_state("session", default={}) == {}
        journal.put_state("session", session)
        journal.put_state("anchor", 1_700_000_000_000)
        assert journal.get_state("session") == session
        journal.put_state("anchor", 1_700_000_000_500)  # overwrite
    with Journal.open(path) as journal:
        assert journal.get_state("session") == session
        assert journal.get_state("anchor") == 1_700_000_000_500
        journal.put_state("session", None)
        assert journal.get_state("session", default="gone") is None  # a stored null is not "absent"
        assert journal.last_seq == 0  # state writes are not events


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), {1, 2}, object(), b"bytes"])
def test_state_must_be_json(journal: Journal, bad: Any) -> None:
    with pytest.raises(JournalError):
        journal.put_state("k", bad)
    assert journal.get_state("k", default="absent") == "absent"


def test_put_state_and_append_lands_both(path: Path) -> None:
    with Journal.open(path) as journal:
        entry = journal.put_state_and_append(
            "session", {"id": "s1", "used_ms": 60_000}, "session.checkpoint", {"used_ms": 60_000}, 61_000
        )
        assert entry.seq == 1
    with Journal.open(path) as journal:
        assert journal.get_state("session") == {"id": "s1", "used_ms": 60_000}
        assert journal.pending() == [entry]


@pytest.mark.parametrize(
    ("value", "data"),
    [
        ({"id": "s2"}, {"nested": {"a": 1}}),  # bad event
        (float("nan"), {"used_ms": 1}),  # bad state
    ],
)
def test_put_state_and_append_is_atomic(journal: Journal, value: Any, data: Any) -> None:
    journal.put_state_and_append("session", {"id": "s1"}, "session.started", {}, 1)
    with pytest.raises(JournalError):
        journal.put_state_and_append("session", value, "session.checkpoint", data, 2)
    assert journal.get_state("session") == {"id": "s1"}
    assert seqs(journal.pending()) == [1]
    assert journal.last_seq == 1


def test_put_state_and_append_rolls_back_on_a_database_failure(journal: Journal) -> None:
    """The event insert fails inside the transaction (a pre-existing row claims its seq): the state write
    that preceded it in the same transaction is undone too."""
    journal.put_state("session", {"id": "s1"})
    assert journal._conn is not None
    journal._conn.execute("INSERT INTO entries (seq, type, data, at) VALUES (1, 'intruder', '{}', 0)")
    with pytest.raises(JournalError):
        journal.put_state_and_append("session", {"id": "s2"}, "session.checkpoint", {}, 5)
    assert journal.get_state("session") == {"id": "s1"}
    assert journal.last_seq == 0


# -- refused data ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "data", "at"),
    [
        ("tick", {"nested": {"a": 1}}, 1),
        ("tick", {"list": [1, 2]}, 1),
        ("tick", {"nan": float("nan")}, 1),
        ("tick", {"float": 1.5}, 1),
        ("tick", {"bytes": b"x"}, 1),
        ("tick", {"huge": 2**63}, 1),
        ("tick", {"surrogate": "\ud800"}, 1),
        ("tick", {1: "int key"}, 1),
        ("tick", {f"k{i}": i for i in range(65)}, 1),
        ("tick", ["not", "a", "mapping"], 1),
        ("", {}, 1),
        ("t" * 65, {}, 1),
        (None, {}, 1),
        ("tick", {}, -1),
        ("tick", {}, 1.5),
        ("tick", {}, True),
        ("tick", {}, 2**53),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(
    journal: Journal, type_: Any, data: Any, at: Any
) -> None:
    journal.append("ok", {}, 1)
    with pytest.raises(JournalError):
        journal.append(type_, data, at)
    with pytest.raises(JournalError):
        journal.append_many([("ok", {}, 2), (type_, data, at)])  # one bad item: none lands
    assert journal.last_seq == 1
    assert seqs(journal.pending()) == [1]


def test_extreme_but_valid_values_are_accepted(journal: Journal) -> None:
    data = {"min": -(2**63), "max": 2**63 - 1, "t": True, "f": False, "n": None, "s": ""}
    entry = journal.append("t" * 64, data, 2**53 - 1)
    assert journal.pending() == [entry]
    assert journal.pending()[0].data == data


# -- failures while writing ------------------------------------------------------------------------------


def test_disk_full_raises_and_leaves_the_journal_as_it_was(journal: Journal) -> None:
    journal.put_state("session", {"id": "s1"})
    written = [journal.append("tick", {"i": i}, i) for i in range(3)]
    conn = journal._conn
    assert conn is not None
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # the "disk" is now full
    with pytest.raises(JournalError, match="full"):
        journal.append("big", {"blob": "x" * 200_000}, 10)
    with pytest.raises(JournalError):
        journal.put_state_and_append("session", {"id": "s2", "pad": "y" * 200_000}, "big", {}, 11)
    assert journal.last_seq == 3
    assert journal.pending() == written
    assert journal.get_state("session") == {"id": "s1"}
    conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    assert journal.append("big", {"blob": "x" * 200_000}, 12).seq == 4


def test_closed_journal_refuses_calls(path: Path) -> None:
    journal = Journal.open(path)
    journal.close()
    journal.close()  # idempotent
    with pytest.raises(JournalError, match="closed"):
        journal.append("tick", {}, 1)
    with pytest.raises(JournalError, match="closed"):
        _ = journal.last_seq


def test_concurrent_appends_from_threads_get_unique_contiguous_seqs(journal: Journal) -> None:
    def worker(n: int) -> None:
        for i in range(25):
            journal.append("tick", {"worker": n, "i": i}, i)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seqs(journal.pending()) == list(range(1, 101))


async def test_usable_through_asyncio_to_thread(journal: Journal) -> None:
    import asyncio

    entry = await asyncio.to_thread(journal.append, "tick", {"i": 1}, 1)
    assert await asyncio.to_thread(journal.pending) == [entry]


# -- durability under kill -9 ----------------------------------------------------------------------------

CHILD = """
import sys
from pathlib import Path
from edge_agent.journal import Journal

journal = Journal.open(Path(sys.argv[1]))
i = 0
while True:
    entry = journal.append("tick", {"i": i}, 1000 + i)
    print(entry.seq, flush=True)
    i += 1
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_every_acknowledged_append_survives_kill_9(path: Path) -> None:
    with Journal.open(path) as journal:  # some history before the crash, part of it acked
        for i in range(5):
            journal.append("before", {"i": i}, i)
        journal.acknowledge(2)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    printed: list[int] = []
    deadline = time.monotonic() + 60
    try:
        while len(printed) < 200 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if not line:
                break
            printed.append(int(line))
    finally:
        child.kill()  # SIGKILL mid-stream: no cleanup, no close, no checkpoint
        out, err = child.communicate(timeout=30)
    printed += [int(line) for line in out.split()]  # anything printed before the kill landed
    assert len(printed) >= 200, err
    assert printed == list(range(6, 6 + len(printed)))

    with Journal.open(path) as journal:
        pending = seqs(journal.pending(limit=1_000_000))
        assert journal.last_seq >= printed[-1]  # at most one unprinted append committed after
        assert journal.last_seq <= printed[-1] + 1
        assert pending == list(range(3, journal.last_seq + 1))  # contiguous, nothing beyond last_seq
        assert journal.acknowledged_seq == 2


# -- corruption ------------------------------------------------------------------------------------------


def quarantine_of(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if ".corrupt-" in p.name)


def assert_fresh(path: Path, old_id: str) -> None:
    with Journal.open(path) as fresh:
        assert fresh.journal_id != old_id
        assert fresh.last_seq == 0
        assert fresh.pending() == []


def test_garbage_file_is_quarantined_with_its_siblings(path: Path) -> None:
    with Journal.open(path) as journal:
        old_id = journal.journal_id
        journal.append("tick", {}, 1)
    garbage = b"\x00this is not a database\xff" * 400
    path.write_bytes(garbage)
    wal, shm = path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")
    wal.write_bytes(b"stale wal")
    shm.write_bytes(b"stale shm")

    with pytest.raises(JournalCorrupt) as caught:
        Journal.open(path)
    moved = caught.value.quarantined_to
    assert re.fullmatch(r"journal\.db\.corrupt-\d{8}T\d{6}Z", moved.name)
    assert moved.parent == path.parent
    assert moved.read_bytes() == garbage
    assert moved.with_name(moved.name + "-wal").read_bytes() == b"stale wal"
    assert moved.with_name(moved.name + "-shm").exists()  # an index SQLite may rebuild: moved, not kept
    assert not path.exists()
    assert not wal.exists()
    assert not shm.exists()
    assert str(moved) in str(caught.value)

    assert_fresh(path, old_id)
    assert moved.read_bytes() == garbage  # the fresh journal left the quarantine alone


def test_valid_sqlite_without_meta_is_quarantined(path: Path) -> None:
    path.parent.mkdir(parents=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE entries (seq INTEGER PRIMARY KEY, type TEXT, data TEXT, at INTEGER)")
    conn.execute("INSERT INTO entries VALUES (1, 'tick', '{}', 1)")
    conn.commit()
    conn.close()
    original = path.read_bytes()

    with pytest.raises(JournalCorrupt, match="meta") as caught:
        Journal.open(path)
    assert caught.value.quarantined_to.read_bytes() == original  # not even the header was rewritten
    assert not path.exists()
    assert_fresh(path, old_id="")


@pytest.mark.parametrize(
    "sql",
    [
        "DELETE FROM meta",
        "UPDATE meta SET journal_id = 'nope'",
        "UPDATE meta SET last_seq = -1",
        "UPDATE meta SET acked_seq = last_seq + 1",
        "UPDATE meta SET last_seq = 'many'",
        "UPDATE meta SET schema_version = 99",
        "UPDATE meta SET last_seq = 1",  # entries 2..3 beyond last_seq
        "ALTER TABLE state RENAME TO other",
    ],
)
def test_invalid_meta_is_quarantined(path: Path, sql: str) -> None:
    with Journal.open(path) as journal:
        old_id = journal.journal_id
        for i in range(3):
            journal.append("tick", {}, i)
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()
    original = path.read_bytes()

    with pytest.raises(JournalCorrupt) as caught:
        Journal.open(path)
    assert caught.value.quarantined_to.read_bytes() == original
    assert not path.exists()
    assert_fresh(path, old_id)


def test_quarantine_never_overwrites_an_earlier_one(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"first garbage" * 100)
    with pytest.raises(JournalCorrupt) as first:
        Journal.open(path)
    path.write_bytes(b"second garbage" * 100)  # same second, most likely
    with pytest.raises(JournalCorrupt) as second:
        Journal.open(path)
    assert first.value.quarantined_to != second.value.quarantined_to
    assert first.value.quarantined_to.read_bytes() == b"first garbage" * 100
    assert second.value.quarantined_to.read_bytes() == b"second garbage" * 100
    assert len(quarantine_of(path)) == 2


def test_a_wal_without_its_database_is_quarantined_not_discarded(path: Path) -> None:
    path.parent.mkdir(parents=True)
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"frames that may hold the only copy of entries")
    with pytest.raises(JournalCorrupt) as caught:
        Journal.open(path)
    moved_wal = caught.value.quarantined_to.with_name(caught.value.quarantined_to.name + "-wal")
    assert moved_wal.read_bytes() == b"frames that may hold the only copy of entries"
    assert not wal.exists()
    assert_fresh(path, old_id="")


def test_an_empty_file_becomes_a_fresh_journal(path: Path) -> None:
    """Zero bytes (or a database with no tables) holds nothing to lose: a crash during creation."""
    path.parent.mkdir(parents=True)
    path.touch()
    assert_fresh(path, old_id="")
    assert quarantine_of(path) == []


def test_a_locked_journal_is_an_error_not_corruption(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Journal.open(path) as journal:
        journal.append("tick", {}, 1)
    monkeypatch.setattr("edge_agent.journal._BUSY_TIMEOUT_MS", 50)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(JournalError) as caught:
            Journal.open(path)
        assert not isinstance(caught.value, JournalCorrupt)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert quarantine_of(path) == []
    with Journal.open(path) as journal:
        assert journal.last_seq == 1


def test_stored_data_is_compact_json(journal: Journal, path: Path) -> None:
    journal.append("tick", {"a": 1, "b": "x"}, 5)
    conn = sqlite3.connect(path)
    (data,) = conn.execute("SELECT data FROM entries").fetchone()
    conn.close()
    assert json.loads(data) == {"a": 1, "b": "x"}
