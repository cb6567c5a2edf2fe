"""What an export writes: a table of typed columns, read from a row source page by page.

Every list and report that can be exported is a :class:`RowSource`: its columns, how many rows it holds
(for the progress), and its rows as an async stream. A row is a tuple of plain values in column order, each
of its column's type:

=========== ==================================================================================
``TEXT``     ``str``: written as text everywhere, never as a formula
``INTEGER``  ``int``
``MONEY``    ``int`` minor units of the export's currency (the branch's)
``TIME``     ``int`` epoch milliseconds, shown in the branch's timezone
``DATE``     ``datetime.date``: a calendar day of the branch (a report's day)
``PERCENT``  ``float``: a share, 0.25 for 25 %
``DURATION`` ``int`` milliseconds of time used (a report's hours)
=========== ==================================================================================

A report has several tables (its sections): its source lists them (:class:`TabledSource`) and each of its
rows starts with the index of its table, the rows of one table after another.

``None`` is an empty cell. The writers (``hub.exports.csv``, ``.xlsx``, ``.pdf``) turn the values into
their format's types; nothing else decides how a value is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"
    TIME = "time"
    DATE = "date"
    PERCENT = "percent"
    DURATION = "duration"


Cell = str | int | float | dt.date | None
Row = tuple[Cell, ...]


@dataclass(frozen=True)
class Column:
    """A column: ``key`` is its machine name (the CSV header; money columns add ``_minor``), its title
    comes from ``hub.exports.texts`` in the export's language; ``width`` in characters (0: by type).
    ``printed=False`` leaves it out of a PDF: an id for programs, which a page has no room to show."""

    key: str
    type: ColumnType = ColumnType.TEXT
    width: int = 0
    printed: bool = True

    @property
    def csv_header(self) -> str:
        return f"{self.key}_minor" if self.type is ColumnType.MONEY else self.key


def text(key: str, width: int = 0, *, printed: bool = True) -> Column:
    return Column(key, ColumnType.TEXT, width, printed)


def integer(key: str, width: int = 0) -> Column:
    return Column(key, ColumnType.INTEGER, width)


def money(key: str, width: int = 0) -> Column:
    return Column(key, ColumnType.MONEY, width)


def time(key: str, width: int = 0) -> Column:
    return Column(key, ColumnType.TIME, width)


def date(key: str, width: int = 0) -> Column:
    return Column(key, ColumnType.DATE, width)


def percent(key: str, width: int = 0) -> Column:
    return Column(key, ColumnType.PERCENT, width)


def duration(key: str, width: int = 0) -> Column:
    return Column(key, ColumnType.DURATION, width)


@dataclass(frozen=True)
class Table:
    """One table of an export that has several: ``key`` names it in a CSV, ``title`` heads it in print and
    names its worksheet."""

    key: str
    title: str
    columns: Sequence[Column]


@dataclass(frozen=True)
class Locale:
    """How the export shows money, times and words: the branch's currency, timezone and language."""

    currency: str
    timezone: str
    language: str


class RowSource(Protocol):
    """A list or report to export, already filtered."""

    @property
    def columns(self) -> Sequence[Column]: ...

    async def count(self) -> int:
        """How many rows ``rows`` will yield, as far as is known at the start (for the progress)."""
        ...

    def rows(self) -> AsyncIterator[Row]:
        """The rows in order, read from the store a page (or a cursor's batch) at a time."""
        ...


@runtime_checkable
class TabledSource(RowSource, Protocol):
    """A source of several tables; each of its rows is ``(index of its table, *cells)``."""

    @property
    def tables(self) -> Sequence[Table]: ...


@dataclass(frozen=True)
class Rows:
    """A row source over rows already in hand (a report's few dozen rows; a test's)."""

    columns: Sequence[Column]
    items: Sequence[Row]

    async def count(self) -> int:
        return len(self.items)

    async def rows(self) -> AsyncIterator[Row]:
        for row in self.items:
            yield row
