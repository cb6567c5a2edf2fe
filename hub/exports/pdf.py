"""PDF exports, for print: A4 pages in the branch's language, drawn one page at a time.

Rows are drawn straight onto reportlab's canvas as they arrive, a page at a time, instead of building one
table for the whole export (a platypus story holds every row until it is laid out). Each row is one line:
text cut to its column with an ellipsis, numbers on the right, money and times as receipts print them.
The column headings repeat on every page; the first page carries the title, the branch and the filters.
Columns that are ids for programs (``Column.printed``) are left out, so the others are wide enough.
Wide tables turn the page to landscape. An export of several tables (a report) prints them one after
another, each under its title, its headings repeated on the pages it runs over.

reportlab still keeps each finished page's drawing commands until the file is saved (some 20-30 KB a
page), so a printable export is capped at ``MAX_ROWS`` rows: past that, a spreadsheet is the tool.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from hub.exports.cells import duration_text, money_text, percent_text, printed_time
from hub.exports.sheet import Sheet
from hub.exports.table import Cell, Column, ColumnType, Row
from hub.exports.texts import word
from hub.receipts.fonts import receipt_fonts
from hub.receipts.render import ellipsize

MAX_ROWS = 20_000
MARGIN = 12 * mm
SIZE = 7.5
LEADING = SIZE * 1.45
PAD = 2.0
# Character widths by type, for sharing the page's width between columns.
_CHARS = {
    ColumnType.TEXT: 14,
    ColumnType.INTEGER: 7,
    ColumnType.MONEY: 14,
    ColumnType.TIME: 16,
    ColumnType.DATE: 10,
    ColumnType.PERCENT: 7,
    ColumnType.DURATION: 8,
}
_NUMERIC = frozenset({ColumnType.INTEGER, ColumnType.MONEY, ColumnType.PERCENT, ColumnType.DURATION})
TABLE_TITLE = 10.0
_GREY = colors.Color(0.4, 0.4, 0.4)
_LIGHT = colors.Color(0.85, 0.85, 0.85)
# Beyond this many characters of columns, the page is turned to landscape.
_PORTRAIT_CHARS = 100


class TooLongToPrint(ValueError):
    """More rows than a printed export holds."""


def printed_cell(value: Cell, kind: ColumnType, sheet: Sheet) -> str:
    locale = sheet.locale
    if value is None:
        return ""
    if kind is ColumnType.MONEY and isinstance(value, int):
        return money_text(value, locale.currency, locale.language)
    if kind is ColumnType.TIME and isinstance(value, int):
        return printed_time(value, locale.timezone)
    if kind is ColumnType.DATE and isinstance(value, dt.date):
        return value.isoformat()
    if kind is ColumnType.PERCENT and isinstance(value, int | float):
        return percent_text(float(value))
    if kind is ColumnType.DURATION and isinstance(value, int):
        return duration_text(value)
    if kind is ColumnType.INTEGER and isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return str(value).replace("\n", " ")


def _chars(columns: Sequence[Column], titles: Sequence[str]) -> list[int]:
    """Each column's share of the width, in characters: its own (or its type's), or its heading's in the
    export's language (bold, so two more), whichever is wider."""
    return [
        max(column.width or _CHARS[column.type], len(title) + 2)
        for column, title in zip(columns, titles, strict=True)
    ]


def _printed(columns: Sequence[Column]) -> list[int]:
    """The indexes of the columns a page shows (not the ids for programs)."""
    return [index for index, column in enumerate(columns) if column.printed]


class PdfWriter:
    def __init__(self, path: Path, sheet: Sheet, scratch: Path) -> None:
        self._sheet = sheet
        self._regular, self._bold = receipt_fonts()
        widest = max(sum(_chars(*self._printed_of(table.columns))) for table in sheet.parts)
        size = landscape(A4) if widest > _PORTRAIT_CHARS else A4
        self._width, self._height = size
        self._canvas = Canvas(str(path), pagesize=size, pageCompression=1)
        self._canvas.setTitle(sheet.title)
        self._table = -1
        self._shown: list[int] = []  # the indexes of the current table's printed columns
        self._kinds: list[ColumnType] = []
        self._widths: list[float] = []
        self._titles: list[str] = []
        self._page = 0
        self._rows = 0
        self._y = 0.0
        self._start_page(headings=False)
        self._reach(0)

    def _printed_of(self, columns: Sequence[Column]) -> tuple[list[Column], list[str]]:
        """The columns a page shows and their headings."""
        shown = [columns[i] for i in _printed(columns)]
        return shown, self._sheet.titles_of(shown)

    # ---- pages --------------------------------------------------------------------------------

    def _start_page(self, *, headings: bool = True) -> None:
        self._page += 1
        c = self._canvas
        y = self._height - MARGIN
        if self._page == 1:
            c.setFont(self._bold, 14)
            y -= 14
            c.drawString(MARGIN, y, ellipsize(self._sheet.title, self._bold, 14, self._width - 2 * MARGIN))
            c.setFont(self._regular, 8)
            c.setFillColor(_GREY)
            for note in self._sheet.notes:
                y -= 11
                c.drawString(MARGIN, y, ellipsize(note, self._regular, 8, self._width - 2 * MARGIN))
            c.setFillColor(colors.black)
            y -= 8
        self._y = y
        if headings:
            self._headings()

    def _headings(self) -> None:
        c = self._canvas
        y = self._y - LEADING
        self._draw_row(y, self._titles, bold=True)
        c.setStrokeColor(colors.black)
        c.setLineWidth(0.6)
        c.line(MARGIN, y - SIZE * 0.45, self._width - MARGIN, y - SIZE * 0.45)
        self._y = y - SIZE * 0.45

    def _end_page(self) -> None:
        c = self._canvas
        c.setFont(self._regular, 7)
        c.setFillColor(_GREY)
        footer = f"{self._sheet.title} · {word('page', self._sheet.locale.language)} {self._page}"
        c.drawRightString(self._width - MARGIN, MARGIN / 2, footer)
        c.setFillColor(colors.black)
        c.showPage()

    # ---- tables -------------------------------------------------------------------------------

    def _reach(self, index: int) -> None:
        """Start the tables up to ``index``: a report's under its title, on a new page when the page has
        no room left for its title, headings and a first row."""
        while self._table < index:
            self._table += 1
            table = self._sheet.parts[self._table]
            self._shown = _printed(table.columns)
            columns, self._titles = self._printed_of(table.columns)
            chars = _chars(columns, self._titles)
            usable = self._width - 2 * MARGIN
            self._widths = [usable * c / sum(chars) for c in chars]
            self._kinds = [column.type for column in columns]
            if not self._sheet.tables:
                self._headings()
                continue
            if self._y - (TABLE_TITLE * 2 + 2 * LEADING) < MARGIN + 6:
                self._end_page()
                self._start_page(headings=False)
            self._y -= TABLE_TITLE * (2.0 if self._table else 1.2)
            self._canvas.setFont(self._bold, TABLE_TITLE)
            self._canvas.drawString(
                MARGIN, self._y, ellipsize(table.title, self._bold, TABLE_TITLE, self._width - 2 * MARGIN)
            )
            self._headings()

    # ---- rows ---------------------------------------------------------------------------------

    def _draw_row(self, y: float, cells: Sequence[str], *, bold: bool = False) -> None:
        c = self._canvas
        font = self._bold if bold else self._regular
        c.setFont(font, SIZE)
        x = MARGIN
        for text, width, kind in zip(cells, self._widths, self._kinds, strict=True):
            shown = ellipsize(text, font, SIZE, width - 2 * PAD)
            if kind in _NUMERIC:
                c.drawRightString(x + width - PAD, y, shown)
            else:
                c.drawString(x + PAD, y, shown)
            x += width

    def write(self, rows: Sequence[Row]) -> None:
        if self._rows + len(rows) > MAX_ROWS:
            raise TooLongToPrint(f"a printed export holds at most {MAX_ROWS} rows")
        for table, row in self._sheet.split(rows):
            self._reach(table)
            if self._y - LEADING < MARGIN + 6:
                self._end_page()
                self._start_page()
            self._y -= LEADING
            shown = [row[i] for i in self._shown]
            cells = [
                printed_cell(value, kind, self._sheet) for value, kind in zip(shown, self._kinds, strict=True)
            ]
            self._draw_row(self._y, cells)
            self._rows += 1
            if self._rows % 2 == 0:  # a hairline between pairs of rows guides the eye across
                self._canvas.setStrokeColor(_LIGHT)
                self._canvas.setLineWidth(0.3)
                line_y = self._y - SIZE * 0.45
                self._canvas.line(MARGIN, line_y, self._width - MARGIN, line_y)

    def close(self) -> None:
        self._reach(len(self._sheet.parts) - 1)
        self._end_page()
        self._canvas.save()


def fits_in_print(rows: int) -> bool:
    return rows <= MAX_ROWS
