"""The agent's durable journal: an SQLite outbox of session events.

Every session event is committed here, with a strictly increasing per-journal sequence number, *before*
it is published. The hub stores events idempotently on (pc, journal id, seq) and acknowledges "up to seq";
only acknowledged entries are pruned. The journal holds money-relevant time, so every write is one fsynced
transaction, and a file we cannot trust is moved aside (quarantined) and reported, never deleted or reset.

All methods block (SQLite I/O): the agent calls them through ``asyncio.to_thread``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self, TypeVar

__all__ = ["Journal", "JournalCorrupt", "JournalEntry", "JournalError", "Value"]

Value = str | int | bool | None

SCHEMA_VERSION: Final = 1
_BUSY_TIMEOUT_MS: Final = 5000
_MAX_TYPE_LEN: Final = 64
# Mirror the wire contract (protocol.messages.Event): an entry the hub would reject could never be
# acknowledged and would block the outbox forever, so it is refused before it is written.
_MAX_DATA_KEYS: Final = 64
_MAX_AT: Final = 2**53
_INT64: Final = range(-(2**63), 2**63)
_JOURNAL_ID: Final = re.compile(r"[0-9a-f]{32}")
# Files SQLite keeps beside the database; they belong to it and move with it.
_SIBLINGS: Final = ("-wal", "-shm", "-journal")
# Error codes that mean "this file is damaged", as opposed to locked, unreadable or full.
_CORRUPTION_CODES: Final = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})

_SCHEMA: Final = (
    "CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), schema_version INTEGER NOT NULL,"
    " journal_id TEXT NOT NULL, last_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL)",
    "CREATE TABLE entries (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, data TEXT NOT NULL,"
    " at INTEGER NOT NULL)",
    "CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
_COLUMNS: Final = {
    "meta": {"id", "schema_version", "journal_id", "last_seq", "acked_seq"},
    "entries": {"seq", "type", "data", "at"},
    "state": {"key", "value"},
}

_T = TypeVar("_T")


class JournalError(Exception):
    """The journal refused an operation or could not complete it; nothing was written."""


class JournalCorrupt(JournalError):
    """The journal file could not be trusted and was moved aside, intact, to ``quarantined_to``."""

    def __init__(self, message: str, quarantined_to: Path) -> None:
        super().__init__(message)
        self.quarantined_to = quarantined_to


class _Invalid(Exception):
    """Internal: the file opened but its contents are not a journal we can trust."""


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    type: str
    data: dict[str, Value]
    at: int  # epoch ms on the agent's trusted session clock


class Journal:
    """One journal file. Create with :meth:`open`; one call at a time is enforced by a lock."""

    def __init__(self, path: Path, conn: sqlite3.Connection, journal_id: str) -> None:
        self.path = path
        self.journal_id = journal_id
        self._conn: sqlite3.Connection | None = conn
        self._lock = threading.Lock()

    # -- opening -------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> Journal:
        """Open the journal at ``path``, creating it (and its folder) if absent.

        Raises JournalCorrupt if the file is not a trustworthy journal (after moving it aside), and
        JournalError for anything else (locked, permissions, I/O), leaving the file where it is.
        """
        path = Path(path)
        try:
            # Private to the agent: the journal holds session state and members' offline verifiers.
            # SQLite gives its WAL and shared-memory files the database file's mode.
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(path.parent, 0o700)
        except OSError as exc:
            raise JournalError(f"cannot create the journal folder {path.parent}: {exc}") from exc
        if _orphaned_wal(path):
            # SQLite deletes a WAL whose database is empty; it may hold the only copy of entries.
            raise _quarantine(path, "the journal's write-ahead log exists without its database")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(path, 0o600)
        except OSError as exc:
            raise JournalError(f"cannot create the journal {path}: {exc}") from exc
        conn: sqlite3.Connection | None = None
        try:
            if path.exists() and path.stat().st_size > 0:
                _inspect_read_only(path)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            journal_id = _prepare(conn)
        except (_Invalid, sqlite3.Error, OSError) as exc:
            if conn is not None:
                conn.close()
            if isinstance(exc, _Invalid) or (isinstance(exc, sqlite3.Error) and _is_corruption(exc)):
                raise _quarantine(path, f"the journal is not trustworthy: {exc}") from exc
            raise JournalError(f"cannot open the journal {path}: {exc}") from exc
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        return cls(path, conn, journal_id)

    # -- events --------------------------------------------------------------------------------------

    def append(self, type: str, data: Mapping[str, Value], at: int) -> JournalEntry:
        """Durably record one event and return it with its sequence number."""
        return self.append_many([(type, data, at)])[0]

    def append_many(self, items: Sequence[tuple[str, Mapping[str, Value], int]]) -> list[JournalEntry]:
        """Durably record several events in one transaction: all land or none."""
        rows = [_check_event(type_, data, at) for type_, data, at in items]
        if not rows:
            return []
        return self._transact(lambda conn: _insert(conn, rows))

    @property
    def last_seq(self) -> int:
        """The highest sequence number ever written (0 if none); pruning never lowers it."""
        return self._read(_counters)[0]

    @property
    def acknowledged_seq(self) -> int:
        """The highest sequence number the hub has acknowledged so far."""
        return self._read(_counters)[1]

    def pending(self, limit: int = 500, *, after: int = 0) -> list[JournalEntry]:
        """The oldest ``limit`` unacknowledged entries with a sequence number above ``after``, in
        ascending sequence order."""
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise JournalError(f"limit must be a positive integer, not {limit!r}")
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT seq, type, data, at FROM entries WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            ).fetchall()
        )
        return [_entry(row) for row in rows]

    def acknowledge(self, up_to_seq: int) -> int:
        """Prune entries with ``seq <= up_to_seq``; return how many were pruned.

        A lower acknowledgement than one already seen is a no-op (acks may arrive out of order); one
        beyond ``last_seq`` is refused, since the hub cannot acknowledge what was never written.
        """
        if isinstance(up_to_seq, bool) or not isinstance(up_to_seq, int) or up_to_seq < 0:
            raise JournalError(f"up_to_seq must be a non-negative integer, not {up_to_seq!r}")

        def work(conn: sqlite3.Connection) -> int:
            last, acked = _counters(conn)
            if up_to_seq > last:
                raise JournalError(f"acknowledgement of seq {up_to_seq} beyond last_seq {last}")
            if up_to_seq <= acked:
                return 0
            pruned = conn.execute("DELETE FROM entries WHERE seq <= ?", (up_to_seq,)).rowcount
            conn.execute("UPDATE meta SET acked_seq = ?", (up_to_seq,))
            return pruned

        return self._transact(work)

    # -- state ---------------------------------------------------------------------------------------

    def put_state(self, key: str, value: Any) -> None:
        """Store a small JSON value under ``key`` (tuples come back as lists)."""
        row = _check_state(key, value)
        self._transact(lambda conn: _upsert_state(conn, row))

    def get_state(self, key: str, default: Any = None) -> Any:
        found = self._read(
            lambda conn: conn.execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        )
        if found is None:
            return default
        try:
            return json.loads(found[0])
        except (TypeError, ValueError) as exc:
            raise JournalError(f"state {key!r} is unreadable: {exc}") from exc

    def put_state_and_append(
        self, key: str, value: Any, type: str, data: Mapping[str, Value], at: int
    ) -> JournalEntry:
        """Store a state value and record an event in one transaction (e.g. a session snapshot and
        its checkpoint event), so a crash can never leave one without the other."""
        state_row = _check_state(key, value)
        event_row = _check_event(type, data, at)

        def work(conn: sqlite3.Connection) -> JournalEntry:
            _upsert_state(conn, state_row)
            return _insert(conn, [event_row])[0]

        return self._transact(work)

    # -- lifecycle -----------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the file; idempotent. Any later call raises JournalError."""
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                try:
                    conn.close()
                except sqlite3.Error as exc:
                    raise JournalError(f"cannot close the journal {self.path}: {exc}") from exc

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- internals -----------------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JournalError(f"the journal {self.path} is closed")
        return self._conn

    def _read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        with self._lock:
            try:
                return work(self._connection())
            except sqlite3.Error as exc:
                raise JournalError(f"journal read failed: {exc}") from exc

    def _transact(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` in one immediate (write-locking) transaction; on any failure roll it back."""
        with self._lock:
            conn = self._connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
                result = work(conn)
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    # It may fail if SQLite already rolled back (e.g. a failed COMMIT on a full disk).
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.Error):
                    raise JournalError(f"journal write failed, nothing was written: {exc}") from exc
                raise
            return result


# -- opening helpers ---------------------------------------------------------------------------------


def _inspect_read_only(path: Path) -> None:
    """Check an existing file through a read-only connection before any writer touches it.

    A read-write connection would, on closing, checkpoint and delete the WAL (even one that sits beside
    garbage); a read-only one cannot, so whatever we quarantine keeps its original bytes (SQLite may
    rebuild the -shm index, which holds no data). Raises _Invalid or a corruption error.
    """
    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    except sqlite3.Error:
        return  # the read-write pass checks it, and reports why it cannot be opened
    try:
        _check(conn)
    except sqlite3.Error as exc:
        # Anything else (say, a hot rollback journal only a writer may replay) is left to the read-write
        # pass, which runs the same checks.
        if _is_corruption(exc):
            raise
    finally:
        conn.close()


def _check(conn: sqlite3.Connection) -> str | None:
    """Verify the file; return its journal id, or None if it is an empty database (nothing to lose)."""
    conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
    check = conn.execute("PRAGMA quick_check").fetchall()
    if check != [("ok",)]:
        raise _Invalid(f"it failed its integrity check: {check[:5]}")
    if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
        return None  # new, or a crash before its schema was committed
    return _validate(conn)


def _prepare(conn: sqlite3.Connection) -> str:
    """Check the file, create the schema if it is empty, and set up durability; return the journal id."""
    journal_id = _check(conn)
    # journal_mode is written into the file, so it is set only once the file has passed its checks.
    mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode != "wal":
        raise JournalError(f"the journal cannot use write-ahead logging (mode {mode!r})")
    conn.execute("PRAGMA synchronous = FULL")  # fsync the WAL on every commit
    if journal_id is not None:
        return journal_id
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-checked under the write lock: another process may have created it meanwhile.
        if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
            # One statement at a time: executescript() would commit our open transaction first.
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO meta (id, schema_version, journal_id, last_seq, acked_seq)"
                " VALUES (1, ?, ?, 0, 0)",
                (SCHEMA_VERSION, secrets.token_hex(16)),
            )
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # keep the original error
                conn.execute("ROLLBACK")
    return _validate(conn)


def _validate(conn: sqlite3.Connection) -> str:
    for table, wanted in _COLUMNS.items():
        have = {name for (name,) in conn.execute("SELECT name FROM pragma_table_info(?)", (table,))}
        if not wanted <= have:
            raise _Invalid(f"its {table!r} table is missing or lacks {sorted(wanted - have)}")
    rows = conn.execute("SELECT schema_version, journal_id, last_seq, acked_seq FROM meta").fetchall()
    if len(rows) != 1:
        raise _Invalid(f"its meta table has {len(rows)} rows, not 1")
    version, journal_id, last, acked = rows[0]
    # A version we do not know (say, after a downgrade) is untrusted too: moving it aside keeps its
    # entries for recovery while the agent carries on with a fresh journal.
    if version != SCHEMA_VERSION:
        raise _Invalid(f"it has schema version {version!r}, expected {SCHEMA_VERSION}")
    if not isinstance(journal_id, str) or not _JOURNAL_ID.fullmatch(journal_id):
        raise _Invalid(f"its journal id {journal_id!r} is invalid")
    if not (isinstance(last, int) and isinstance(acked, int) and 0 <= acked <= last):
        raise _Invalid(f"its sequence counters are invalid (last {last!r}, acked {acked!r})")
    low, high = conn.execute("SELECT min(seq), max(seq) FROM entries").fetchone()
    if high is not None and (low <= acked or high > last):
        raise _Invalid(f"its entries {low}..{high} disagree with its counters ({acked}, {last}]")
    return journal_id


def _is_corruption(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _CORRUPTION_CODES


def _sibling(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _orphaned_wal(path: Path) -> bool:
    wal = _sibling(path, "-wal")
    main_empty = not path.exists() or path.stat().st_size == 0
    return main_empty and wal.exists() and wal.stat().st_size > 0


def _quarantine(path: Path, reason: str) -> JournalError:
    """Move the file and its siblings aside under one fresh name; return the exception to raise."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    base = _sibling(path, f".corrupt-{stamp}")
    n = 1
    # Never overwrite an earlier quarantine (two in the same second, or a leftover sibling).
    while any(_sibling(base, s).exists() for s in ("", *_SIBLINGS)):
        n += 1
        base = _sibling(path, f".corrupt-{stamp}-{n}")
    try:
        # Siblings first: a WAL left behind would be deleted, or replayed, by the next fresh journal.
        for suffix in (*_SIBLINGS, ""):
            if _sibling(path, suffix).exists():
                os.replace(_sibling(path, suffix), _sibling(base, suffix))
    except OSError as exc:
        return JournalError(f"{reason}; moving it aside to {base} failed: {exc}")
    return JournalCorrupt(f"{reason}; moved to {base}", base)


# -- validation and rows -----------------------------------------------------------------------------

_EventRow = tuple[str, str, int]  # type, data as JSON, at
_StateRow = tuple[str, str]  # key, value as JSON


def _check_event(type_: object, data: object, at: object) -> _EventRow:
    if not isinstance(type_, str) or not 1 <= len(type_) <= _MAX_TYPE_LEN:
        raise JournalError(f"event type must be a string of 1-{_MAX_TYPE_LEN} characters, not {type_!r}")
    if isinstance(at, bool) or not isinstance(at, int) or not 0 <= at < _MAX_AT:
        raise JournalError(f"event time must be epoch milliseconds, not {at!r}")
    if not isinstance(data, Mapping):
        raise JournalError(f"event data must be a mapping, not {type(data).__name__}")
    if len(data) > _MAX_DATA_KEYS:
        raise JournalError(f"event data has {len(data)} keys, at most {_MAX_DATA_KEYS} allowed")
    for key, value in data.items():
        if not isinstance(key, str) or not _utf8(key):
            raise JournalError(f"event data key {key!r} is not a valid string")
        ok = (
            value is None
            or isinstance(value, bool)
            or (isinstance(value, int) and value in _INT64)
            or (isinstance(value, str) and _utf8(value))
        )
        if not ok:
            raise JournalError(
                f"event data {key!r} must be a string, 64-bit integer, bool or null: {value!r}"
            )
    return type_, json.dumps(dict(data), separators=(",", ":")), at


def _check_state(key: object, value: object) -> _StateRow:
    if not isinstance(key, str) or not key:
        raise JournalError(f"state key must be a non-empty string, not {key!r}")
    try:
        encoded = json.dumps(value, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise JournalError(f"state {key!r} is not JSON-serialisable: {exc}") from exc
    return key, encoded


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: the wire (JSON over MQTT) cannot carry them
        return False
    return True


def _insert(conn: sqlite3.Connection, rows: Sequence[_EventRow]) -> list[JournalEntry]:
    last, _ = _counters(conn)
    seqs = range(last + 1, last + 1 + len(rows))
    conn.executemany(
        "INSERT INTO entries (seq, type, data, at) VALUES (?, ?, ?, ?)",
        [(seq, *row) for seq, row in zip(seqs, rows, strict=True)],
    )
    conn.execute("UPDATE meta SET last_seq = ?", (seqs[-1],))
    return [_entry((seq, *row)) for seq, row in zip(seqs, rows, strict=True)]


def _upsert_state(conn: sqlite3.Connection, row: _StateRow) -> None:
    conn.execute(
        "INSERT INTO state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        row,
    )


def _counters(conn: sqlite3.Connection) -> tuple[int, int]:
    """(last_seq, acked_seq)."""
    last, acked = conn.execute("SELECT last_seq, acked_seq FROM meta").fetchone()
    return int(last), int(acked)


def _entry(row: tuple[Any, ...]) -> JournalEntry:
    seq, type_, data, at = row
    try:
        decoded = json.loads(data)
    except (TypeError, ValueError) as exc:
        raise JournalError(f"journal entry {seq} is unreadable: {exc}") from exc
    if not isinstance(decoded, dict):
        raise JournalError(f"journal entry {seq} data is not an object")
    return JournalEntry(seq=int(seq), type=str(type_), data=decoded, at=int(at))
