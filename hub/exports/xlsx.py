"""XLSX exports, for people: a real spreadsheet written row by row in constant memory.

XlsxWriter in ``constant_memory`` mode: each row goes to a temporary file (in the export's private scratch
folder) as soon as the next one starts, and the workbook is assembled from it when closed, so memory holds
one row whatever the size. (openpyxl's write-only mode streams too, but is about half as fast and its
write-only sheets cannot set column widths and frozen panes as simply; it stays the tests' reader.)

Cells are typed: numbers as numbers, money as a number of major units with a number format in the branch's
currency at its display precision (so'm: no fractions), times and days as Excel dates on the branch's wall
clock, shares as percentages; text is always written as a string, never read as a formula, a number or a
link, and text that starts like a formula also carries Excel's quote prefix (what Excel sets itself for
``'=1``), so editing the cell keeps it text instead of turning it into a live formula. A header row,
frozen, with a filter; widths by column. Past Excel's 1,048,576 rows a sheet continues on the next one
("Payments (2)"). An export of several tables (a report) writes each on its own worksheet, named after
its title.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from hub.exports.cells import FORMULA_STARTS, excel_duration, excel_time, major_units, money_format
from hub.exports.sheet import Sheet
from hub.exports.table import Cell, Column, ColumnType, Row, Table

# Excel's last row is 1,048,576: one for the header, the rest for data.
MAX_DATA_ROWS = 1_048_575
SHEET_NAME_MAX = 31
_FORBIDDEN_IN_NAMES = str.maketrans({c: " " for c in "[]:*?/\\"})
MAX_TEXT = 32_767  # characters Excel holds in a cell

_WIDTHS = {
    ColumnType.TEXT: 16,
    ColumnType.INTEGER: 10,
    ColumnType.MONEY: 16,
    ColumnType.TIME: 19,
    ColumnType.DATE: 11,
    ColumnType.PERCENT: 9,
    ColumnType.DURATION: 10,
}


def sheet_name(title: str, part: int) -> str:
    """A valid, unique worksheet name: Excel allows 31 characters and none of ``[]:*?/\\``."""
    suffix = f" ({part})" if part > 1 else ""
    base = title.translate(_FORBIDDEN_IN_NAMES).strip("' ") or "export"
    return base[: SHEET_NAME_MAX - len(suffix)] + suffix


class XlsxFileWriter:
    def __init__(self, path: Path, sheet: Sheet, scratch: Path) -> None:
        self._sheet = sheet
        self._book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "tmpdir": str(scratch),
                # Text stays text: never a formula, a number or a link, whatever it looks like.
                "strings_to_formulas": False,
                "strings_to_numbers": False,
                "strings_to_urls": False,
            },
        )
        locale = sheet.locale
        self._header = self._book.add_format({"bold": True, "bottom": 1})
        self._formats: dict[ColumnType, Any] = {
            ColumnType.INTEGER: self._book.add_format({"num_format": "#,##0"}),
            ColumnType.MONEY: self._book.add_format(
                {"num_format": money_format(locale.currency, locale.language)}
            ),
            ColumnType.TIME: self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            ColumnType.DATE: self._book.add_format({"num_format": "yyyy-mm-dd"}),
            ColumnType.PERCENT: self._book.add_format({"num_format": "0.0%"}),
            ColumnType.DURATION: self._book.add_format({"num_format": "[h]:mm"}),
        }
        self._quoted = self._book.add_format({"quote_prefix": True})
        self._table_index = -1
        self._table: Table = sheet.parts[0]
        self._table_columns: Sequence[Column] = ()  # the worksheet's being written
        self._part = 0
        self._row = 0
        self._ws: Any = None
        self._reach(0)

    def _reach(self, index: int) -> None:
        """Start the tables up to ``index``, a worksheet each (one without rows keeps its header)."""
        while self._table_index < index:
            self._table_index += 1
            self._table = self._sheet.parts[self._table_index]
            self._part = 0
            self._new_sheet()

    def _end_sheet(self) -> None:
        if self._ws is not None:
            self._ws.autofilter(0, 0, self._row, len(self._table_columns) - 1)

    def _new_sheet(self) -> None:
        self._end_sheet()
        self._table_columns = self._table.columns
        self._part += 1
        self._ws = self._book.add_worksheet(sheet_name(self._table.title, self._part))
        titles = self._sheet.titles_of(self._table.columns)
        for index, (column, title) in enumerate(zip(self._table.columns, titles, strict=True)):
            width = column.width or max(_WIDTHS[column.type], min(len(title) + 2, 40))
            self._ws.set_column(index, index, width)
            self._ws.write_string(0, index, title, self._header)
        self._ws.freeze_panes(1, 0)
        self._row = 0

    def write(self, rows: Sequence[Row]) -> None:
        for table, row in self._sheet.split(rows):
            self._reach(table)
            if self._row >= MAX_DATA_ROWS:
                self._new_sheet()
            self._row += 1
            for index, (value, column) in enumerate(zip(row, self._table.columns, strict=True)):
                if value is not None:
                    self._cell(self._row, index, value, column.type)

    def _cell(self, row: int, col: int, value: Cell, kind: ColumnType) -> None:
        ws, locale = self._ws, self._sheet.locale
        if kind is ColumnType.MONEY and isinstance(value, int):
            ws.write_number(row, col, major_units(value, locale.currency), self._formats[kind])
        elif kind is ColumnType.TIME and isinstance(value, int):
            ws.write_datetime(row, col, excel_time(value, locale.timezone), self._formats[kind])
        elif kind is ColumnType.DURATION and isinstance(value, int):
            ws.write_number(row, col, excel_duration(value), self._formats[kind])
        elif kind is ColumnType.DATE and isinstance(value, dt.date):
            ws.write_datetime(row, col, value, self._formats[kind])
        elif kind in (ColumnType.INTEGER, ColumnType.PERCENT) and isinstance(value, int | float):
            ws.write_number(row, col, value, self._formats[kind])
        else:  # text, or a value not of its column's type: as text
            shown = str(value)[:MAX_TEXT]
            ws.write_string(row, col, shown, self._quoted if shown.startswith(FORMULA_STARTS) else None)

    def close(self) -> None:
        self._reach(len(self._sheet.parts) - 1)
        self._end_sheet()
        self._book.close()
