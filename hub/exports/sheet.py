"""What every writer is given, and what it must do.

A writer is synchronous and does file I/O: the job runs each call in a worker thread
(``asyncio.to_thread``), a batch of rows at a time, so the event loop never waits on a disk and memory
holds one batch, whatever the export's size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from hub.exports.table import Column, Locale, Row, RowSource, Table, TabledSource
from hub.exports.texts import column_title


@dataclass(frozen=True)
class Sheet:
    """An export's table and how it is shown: its title, columns and the branch's locale; ``notes`` are
    the lines under a printed title (the branch, the filters, when it was made). An export of several
    tables (a report) lists them in ``tables``; each of its rows then starts with its table's index."""

    title: str
    columns: Sequence[Column]
    locale: Locale
    notes: Sequence[str] = field(default_factory=tuple)
    tables: Sequence[Table] = field(default_factory=tuple)

    @classmethod
    def of(cls, title: str, source: RowSource, locale: Locale, notes: Sequence[str]) -> Sheet:
        tables = source.tables if isinstance(source, TabledSource) else ()
        return cls(title, source.columns, locale, notes, tables)

    @property
    def titles(self) -> list[str]:
        return self.titles_of(self.columns)

    def titles_of(self, columns: Sequence[Column]) -> list[str]:
        return [column_title(column.key, self.locale.language) for column in columns]

    @property
    def parts(self) -> Sequence[Table]:
        """The tables written: a list's one table, or a report's."""
        return self.tables or (Table("", self.title, self.columns),)

    def split(self, rows: Sequence[Row]) -> Iterator[tuple[int, Row]]:
        """Each row as the index of its table in ``parts`` and its cells."""
        for row in rows:
            if not self.tables:
                yield 0, row
                continue
            index = row[0]
            if not isinstance(index, int):
                raise TypeError(f"a row of a report starts with its table's index, not {index!r}")
            yield index, row[1:]


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
