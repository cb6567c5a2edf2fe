"""Export jobs: run off the request, in the hub, with progress on the live feed and a private file.

``POST /api/v1/exports`` records a job and hands it here; a task of the hub reads the rows from the store a
batch at a time and gives each batch to the format's writer in a worker thread, so neither the event loop
nor memory grows with the export. Progress goes out on the live channel (``export.progress`` with rows and
percent, then ``export.done`` with the download link, or ``export.failed``), addressed to the user who
asked (``to_user``: the WebSocket forwards it to their sockets only).

Files live in ``<data dir>/exports`` (0700; files 0600), written as ``<id>.<ext>.part`` and renamed when
complete, deleted ``keep`` after they are done.

A hub that stops or dies mid-export does not resume it: the job is failed as retryable (``POST
/api/v1/exports/{id}/retry`` runs it again from the start). A hub stopping cleanly fails its own jobs as it
stops; a restarted one fails those its previous life left running under the same hub id; and any replica
fails a job whose hub stopped beating (``LEASE_MS``), so none stays "running" forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.exports.formats import FORMATS, Format
from hub.exports.pdf import TooLongToPrint
from hub.exports.sheet import Sheet, Writer
from hub.exports.table import Row, RowSource
from hub.live import LiveState
from hub.outages import outage
from hub.store.exports import ExportRecord, ExportRepository, JobState

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
BATCH_ROWS = 500
# Jobs one hub runs at once; more wait their turn (queued).
RUNNING_AT_ONCE = 2
PROGRESS_EVERY_MS = 500
BEAT_EVERY_S = 10.0
# A job whose hub has not beaten for this long is failed by any replica.
LEASE_MS = 60_000
CLEAN_EVERY_S = 60.0
SCRATCH_AGE_S = 3600.0
PART = ".part"

HUB_STOPPED = "the hub stopped during the export; retry it"


@dataclass(frozen=True)
class Started:
    """What a job needs to run: its record, the rows to write and how they are shown."""

    record: ExportRecord
    source: RowSource
    sheet: Sheet


def download_path(job_id: str) -> str:
    return f"/api/v1/exports/{job_id}/download"


def _private_folder(path: Path) -> Path:
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR)
    return path


def _create_private_file(path: Path) -> None:
    """An empty file only the hub's user may read; the writers then open it and keep its mode."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE))
    os.chmod(path, PRIVATE_FILE)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def _remove_older(folder: Path, before: float) -> int:
    removed = 0
    for path in folder.iterdir():
        with contextlib.suppress(FileNotFoundError):  # another replica's upkeep got there first
            if path.is_file() and path.stat().st_mtime < before:
                path.unlink()
                removed += 1
    return removed


def _complete(part: Path, final: Path) -> int:
    part.rename(final)
    return final.stat().st_size


class ExportJobs:
    def __init__(
        self,
        repository: ExportRepository,
        live: LiveState,
        folder: Path,
        *,
        runner: str,
        keep_ms: int,
        clock: Callable[[], int],
    ) -> None:
        self._jobs = repository
        self._live = live
        self.folder = folder
        self._scratch = folder / "tmp"
        self._runner = runner
        self._keep_ms = keep_ms
        self._clock = clock
        self._slots = asyncio.Semaphore(RUNNING_AT_ONCE)
        # job id -> its task, while queued or running in this hub
        self._active: dict[str, asyncio.Task[None]] = {}
        self._maintenance: asyncio.Task[None] | None = None

    # ---- the hub's life -----------------------------------------------------------------------

    async def open(self) -> None:
        await asyncio.to_thread(_private_folder, self.folder)
        await asyncio.to_thread(_private_folder, self._scratch)
        failed = await self._jobs.fail_orphans(runner=self._runner, error=HUB_STOPPED, at=self._clock())
        if failed:
            log.info("%d export(s) cut short by this hub's previous stop are failed as retryable", failed)
        self._maintenance = asyncio.create_task(self._maintain(), name="export-jobs")

    async def close(self) -> None:
        if self._maintenance is not None:
            self._maintenance.cancel()
        tasks = list(self._active.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._maintenance is not None:
            await asyncio.gather(self._maintenance, return_exceptions=True)

    # ---- running ------------------------------------------------------------------------------

    def start(self, job: Started) -> None:
        """Run the job in the background (it waits for a slot while others run)."""
        record = job.record
        task = asyncio.create_task(self._run(job), name=f"export-{record.id}")
        self._active[record.id] = task
        task.add_done_callback(lambda _: self._active.pop(record.id, None))

    def path_of(self, record: ExportRecord) -> Path | None:
        return self.folder / record.file if record.file else None

    async def _run(self, job: Started) -> None:
        record = job.record
        part = self.folder / f"{record.id}.{FORMATS[Format(record.format)].extension}{PART}"
        try:
            async with self._slots:
                if not await self._jobs.start(
                    record.id, record.attempt, runner=self._runner, at=self._clock()
                ):
                    return  # failed or retried elsewhere meanwhile
                rows = await self._write(job, part)
            final = part.with_name(part.name.removesuffix(PART))
            size = await asyncio.to_thread(_complete, part, final)
            now = self._clock()
            done = await self._jobs.finish(
                record.id,
                record.attempt,
                file=final.name,
                size=size,
                rows=rows,
                at=now,
                expires_at=now + self._keep_ms,
            )
            if not done:  # failed meanwhile by a sweep that took this hub for dead
                await asyncio.to_thread(_remove, final)
                return
            await self._publish(
                "export.done",
                record,
                rows=rows,
                total=rows,
                percent=100,
                size=size,
                download=download_path(record.id),
            )
        except asyncio.CancelledError:
            await self._failed(record, part, HUB_STOPPED, retryable=True)
            raise
        except TooLongToPrint as exc:
            await self._failed(
                record, part, f"{exc}; export CSV or XLSX, or narrow the filters", retryable=False
            )
        except Exception as exc:
            down = outage(exc)
            if down is None:
                log.exception("export %s (%s, %s) failed", record.id, record.kind, record.format)
            else:
                log.warning(
                    "export %s (%s, %s): the %s became unavailable: %s",
                    record.id,
                    record.kind,
                    record.format,
                    down,
                    exc,
                )
            message = f"the {down} became unavailable" if down else "an unexpected error (see the hub's log)"
            await self._failed(record, part, f"{message}; retry the export", retryable=True)

    async def _write(self, job: Started, part: Path) -> int:
        record = job.record
        total = await job.source.count()
        await asyncio.to_thread(_create_private_file, part)
        factory = FORMATS[Format(record.format)].writer
        writer: Writer = await asyncio.to_thread(factory, part, job.sheet, self._scratch)
        rows = 0
        await self._report(record, rows, total)
        last_report = self._clock()
        batch: list[Row] = []
        try:
            async for row in job.source.rows():
                batch.append(row)
                if len(batch) < BATCH_ROWS:
                    continue
                await asyncio.to_thread(writer.write, batch)
                rows += len(batch)
                batch = []
                if self._clock() - last_report >= PROGRESS_EVERY_MS:
                    total = max(total, rows)
                    await self._report(record, rows, total)
                    last_report = self._clock()
            if batch:
                await asyncio.to_thread(writer.write, batch)
                rows += len(batch)
        finally:
            # Always closed (a half-written XLSX holds temporary files); a failed one is then deleted.
            await asyncio.to_thread(writer.close)
        await self._report(record, rows, max(total, rows))
        return rows

    async def _report(self, record: ExportRecord, rows: int, total: int) -> None:
        percent = 100 if total == 0 else min(100, rows * 100 // total)
        await self._jobs.progress(record.id, record.attempt, rows=rows, total=total, at=self._clock())
        await self._publish("export.progress", record, rows=rows, total=total, percent=percent)

    async def _failed(self, record: ExportRecord, part: Path, error: str, *, retryable: bool) -> None:
        # Shielded: a cancelled task still records why it ended and leaves no partial file behind.
        async def record_it() -> None:
            await asyncio.to_thread(_remove, part)
            if await self._jobs.fail(
                record.id, record.attempt, error=error, retryable=retryable, at=self._clock()
            ):
                await self._publish("export.failed", record, error=error, retryable=retryable)

        try:
            await asyncio.shield(record_it())
        except Exception:  # the store is down too: the lease sweep fails it later
            log.warning("could not record export %s as failed", record.id, exc_info=True)

    async def _publish(self, kind: str, record: ExportRecord, **fields: Any) -> None:
        event = {
            "type": kind,
            "id": record.id,
            "to_user": record.user_id,
            "kind": record.kind,
            "format": record.format,
            **fields,
        }
        try:
            await self._live.publish(event)
        except Exception:  # progress is a courtesy: the job's state is in the store
            log.warning("could not publish %s for export %s", kind, record.id, exc_info=True)

    # ---- upkeep -------------------------------------------------------------------------------

    async def _maintain(self) -> None:
        last_clean = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                now = self._clock()
                await self._jobs.beat(list(self._active), now)
                stale = await self._jobs.fail_orphans(beat_before=now - LEASE_MS, error=HUB_STOPPED, at=now)
                if stale:
                    log.warning("%d export(s) whose hub stopped beating failed as retryable", stale)
                await self.expire()
                if loop.time() - last_clean >= CLEAN_EVERY_S:
                    await self.clean()
                    last_clean = loop.time()
            except Exception:
                log.exception("export upkeep failed; will retry")
            await asyncio.sleep(BEAT_EVERY_S)

    async def expire(self) -> int:
        """Delete the files of done jobs past their keep (checked at every beat: one indexed query);
        how many."""
        removed = 0
        now = self._clock()
        for record in await self._jobs.expired(now):
            path = self.path_of(record)
            if path is not None:
                await asyncio.to_thread(_remove, path)
            if await self._jobs.expire(record.id, now):
                removed += 1
        return removed

    async def clean(self) -> int:
        """Delete any file no live job owns (a crash's ``.part``, a failed job's), and scratch files
        untouched for ``SCRATCH_AGE_S`` (a killed XLSX writer's: a live one writes them with every row);
        how many."""
        removed = await asyncio.to_thread(_remove_older, self._scratch, time.time() - SCRATCH_AGE_S)
        names = await asyncio.to_thread(lambda: [p.name for p in self.folder.iterdir() if p.is_file()])
        owners = {name: name.split(".", 1)[0] for name in names}
        states = await self._jobs.states(sorted(set(owners.values())))
        for name, job_id in owners.items():
            state = states.get(job_id)
            keep = state in (JobState.QUEUED, JobState.RUNNING) or (
                state is JobState.DONE and not name.endswith(PART)
            )
            if not keep:
                await asyncio.to_thread(_remove, self.folder / name)
                removed += 1
        return removed
