"""What every writer is given, and what it must do.

A writer is synchronous and does file I/O: the job runs each call in a worker thread
(``asyncio.to_thread``), a batch of rows at a time, so the event loop never waits on a disk and memory
holds one batch, whatever the export's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hub.exports.table import Column, Locale, Row
from hub.exports.texts import column_title


@dataclass(frozen=True)
class Sheet:
    """An export's table and how it is shown: its title, columns and the branch's locale; ``notes`` are
    the lines under a printed title (the branch, the filters, when it was made)."""

    title: str
    columns: Sequence[Column]
    locale: Locale
    notes: Sequence[str] = field(default_factory=tuple)

    @property
    def titles(self) -> list[str]:
        return [column_title(column.key, self.locale.language) for column in self.columns]


class Writer(Protocol):
    def write(self, rows: Sequence[Row]) -> None:
        """Append ``rows`` to the file."""
        ...

    def close(self) -> None:
        """Finish the file (an XLSX is assembled here)."""
        ...


class WriterFactory(Protocol):
    def __call__(self, path: Path, sheet: Sheet, scratch: Path) -> Writer:
        """A writer of ``path``; ``scratch`` is a private folder for its temporary files."""
        ...
