"""PDF exports, for print: A4 pages in the branch's language, drawn one page at a time.

Rows are drawn straight onto reportlab's canvas as they arrive, a page at a time, instead of building one
table for the whole export (a platypus story holds every row until it is laid out). Each row is one line:
text cut to its column with an ellipsis, numbers on the right, money and times as receipts print them.
The column headings repeat on every page; the first page carries the title, the branch and the filters.
Wide tables turn the page to landscape.

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

from hub.exports.cells import money_text, percent_text, printed_time
from hub.exports.sheet import Sheet
from hub.exports.table import Cell, ColumnType, Row
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
}
_NUMERIC = frozenset({ColumnType.INTEGER, ColumnType.MONEY, ColumnType.PERCENT})
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
    if kind is ColumnType.INTEGER and isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return str(value).replace("\n", " ")


class PdfWriter:
    def __init__(self, path: Path, sheet: Sheet, scratch: Path) -> None:
        self._sheet = sheet
        self._regular, self._bold = receipt_fonts()
        chars = [column.width or _CHARS[column.type] for column in sheet.columns]
        size = landscape(A4) if sum(chars) > _PORTRAIT_CHARS else A4
        self._width, self._height = size
        usable = self._width - 2 * MARGIN
        self._columns = [usable * c / sum(chars) for c in chars]
        self._canvas = Canvas(str(path), pagesize=size, pageCompression=1)
        self._canvas.setTitle(sheet.title)
        self._page = 0
        self._rows = 0
        self._y = 0.0
        self._start_page()

    # ---- pages --------------------------------------------------------------------------------

    def _start_page(self) -> None:
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
        y -= LEADING
        self._draw_row(y, self._sheet.titles, bold=True)
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

    # ---- rows ---------------------------------------------------------------------------------

    def _draw_row(self, y: float, cells: Sequence[str], *, bold: bool = False) -> None:
        c = self._canvas
        font = self._bold if bold else self._regular
        c.setFont(font, SIZE)
        x = MARGIN
        for text, width, column in zip(cells, self._columns, self._sheet.columns, strict=True):
            shown = ellipsize(text, font, SIZE, width - 2 * PAD)
            if column.type in _NUMERIC:
                c.drawRightString(x + width - PAD, y, shown)
            else:
                c.drawString(x + PAD, y, shown)
            x += width

    def write(self, rows: Sequence[Row]) -> None:
        if self._rows + len(rows) > MAX_ROWS:
            raise TooLongToPrint(f"a printed export holds at most {MAX_ROWS} rows")
        types = [column.type for column in self._sheet.columns]
        for row in rows:
            if self._y - LEADING < MARGIN + 6:
                self._end_page()
                self._start_page()
            self._y -= LEADING
            cells = [printed_cell(value, kind, self._sheet) for value, kind in zip(row, types, strict=True)]
            self._draw_row(self._y, cells)
            self._rows += 1
            if self._rows % 2 == 0:  # a hairline between pairs of rows guides the eye across
                self._canvas.setStrokeColor(_LIGHT)
                self._canvas.setLineWidth(0.3)
                line_y = self._y - SIZE * 0.45
                self._canvas.line(MARGIN, line_y, self._width - MARGIN, line_y)

    def close(self) -> None:
        self._end_page()
        self._canvas.save()


def fits_in_print(rows: int) -> bool:
    return rows <= MAX_ROWS
