"""CSV exports, for programs: UTF-8, one header row of column keys, then a line per row.

Money is an integer of minor units (its header ends in ``_minor``), times are ISO 8601 with the branch's
offset, shares decimal fractions, time used integer milliseconds, and text that starts like a formula is
prefixed with ``'``.

An export of several tables (a report) writes them one after another, each as a block: a line
``section,<key>``, its header line, its rows, and an empty line before the next block. ``csv.reader``
reads it back; an empty row ends a block.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from pathlib import Path

from hub.exports.cells import formula_safe, fraction_text, iso_time
from hub.exports.sheet import Sheet
from hub.exports.table import Cell, ColumnType, Row


def csv_cell(value: Cell, kind: ColumnType, timezone: str) -> str:
    if value is None:
        return ""
    if kind is ColumnType.TIME and isinstance(value, int):
        return iso_time(value, timezone)
    if kind is ColumnType.DATE and isinstance(value, dt.date):
        return value.isoformat()
    if kind is ColumnType.PERCENT and isinstance(value, int | float):
        return fraction_text(float(value))
    if kind in (ColumnType.INTEGER, ColumnType.MONEY, ColumnType.DURATION) and isinstance(value, int):
        return str(value)
    return formula_safe(str(value))  # text, or a value of another type than its column's: as text


def csv_line(values: Sequence[str]) -> str:
    """One CSV line of already formatted (and neutralised) cells."""
    out = io.StringIO()
    csv.writer(out).writerow(values)
    return out.getvalue()


class CsvWriter:
    def __init__(self, path: Path, sheet: Sheet, scratch: Path) -> None:
        self._sheet = sheet
        self._timezone = sheet.locale.timezone
        self._file = path.open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._file)
        self._table = -1
        self._types: list[ColumnType] = []
        self._reach(0)

    def _reach(self, index: int) -> None:
        """Start the tables up to ``index`` (one without rows still gets its heading)."""
        while self._table < index:
            self._table += 1
            table = self._sheet.parts[self._table]
            if self._sheet.tables:
                if self._table:
                    self._csv.writerow([])
                self._csv.writerow(["section", formula_safe(table.key)])
            self._csv.writerow([formula_safe(column.csv_header) for column in table.columns])
            self._types = [column.type for column in table.columns]

    def write(self, rows: Sequence[Row]) -> None:
        timezone = self._timezone
        for index, cells in self._sheet.split(rows):
            self._reach(index)
            self._csv.writerow(
                [csv_cell(value, kind, timezone) for value, kind in zip(cells, self._types, strict=True)]
            )

    def close(self) -> None:
        self._reach(len(self._sheet.parts) - 1)
        self._file.close()
