"""The embedded store (nx-27017) as the local stack runs it: one SQLite file per database under
``<data dir>/store/``, in WAL mode.

A backup's single snapshot point comes from SQLite itself: the online backup API copies the whole file in
one read transaction, so the copy holds exactly the writes committed before that instant, however many
the hub makes meanwhile (WAL lets it keep writing). The copy is then served by a private nx-27017 on a free
loopback port and read over the wire like any store, so the archive holds what the hub itself reads.
"""

from __future__ import annotations

import contextlib
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

LOOPBACK = "127.0.0.1"
_READY_TIMEOUT_S = 30.0
_BUSY_TIMEOUT_S = 30.0


class EmbeddedStoreError(Exception):
    """The embedded store could not be copied or served."""


def store_dir(data_dir: Path) -> Path:
    return data_dir / "store"


def database_file(data_dir: Path, database: str) -> Path:
    return store_dir(data_dir) / f"{database}.db"


def snapshot_file(source: Path, target: Path) -> None:
    """Copy the SQLite database ``source`` to ``target`` as of one instant (see the module's docstring)."""
    try:
        # mode=rw: never create an empty database where the store's file is missing.
        src = sqlite3.connect(f"file:{source}?mode=rw", uri=True, timeout=_BUSY_TIMEOUT_S)
    except sqlite3.Error as exc:
        raise EmbeddedStoreError(f"cannot open the store's file {source}: {exc}") from None
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: the whole file in one step, one read transaction
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise EmbeddedStoreError(f"cannot copy the store's file {source}: {exc}") from None
    finally:
        src.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    try:
        socket.create_connection((LOOPBACK, port), timeout=0.2).close()
    except OSError:
        return False
    return True


@contextlib.contextmanager
def serve(folder: Path, log_file: Path) -> Iterator[str]:
    """Run nx-27017 on the databases in ``folder`` (created 0700 if missing) on a free loopback port for
    the duration; yields its URL."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    port = free_port()
    pid_file = folder / f"nx-27017-{port}.pid"
    argv = [sys.executable, "-m", "nx_27017.nx_27017", "--data-dir", str(folder), "--host", LOOPBACK]
    argv += ["--port", str(port), "--pid-file", str(pid_file), "--log-file", str(log_file)]
    with log_file.open("ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + _READY_TIMEOUT_S
        while not _listening(port):
            if process.poll() is not None:
                raise EmbeddedStoreError(
                    f"the embedded store exited at start (status {process.returncode}), see {log_file}"
                )
            if time.monotonic() > deadline:
                raise EmbeddedStoreError(f"the embedded store did not listen within {_READY_TIMEOUT_S:.0f} s")
            time.sleep(0.05)
        yield f"mongodb://{LOOPBACK}:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        pid_file.unlink(missing_ok=True)
