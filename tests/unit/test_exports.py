"""The export writers (hub.exports): typed cells in each format, formula injection neutralised, the branch's
language, currency and timezone, and memory that does not grow with the number of rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.escape import unescape
from pypdf import PdfReader

from hub.exports import lists, pdf, xlsx
from hub.exports import table as t
from hub.exports.cells import FORMULA_STARTS, money_format
from hub.exports.csv import csv_cell
from hub.exports.formats import FORMATS, Format
from hub.exports.sheet import Sheet
from hub.exports.table import ColumnType, Locale, Row
from hub.exports.texts import has_title

COLUMNS = (
    t.text("name"),
    t.integer("payments"),
    t.money("amount"),
    t.time("time"),
    t.date("created_at"),
    t.percent("value"),
)
# 2026-11-25 09:30:00 UTC: 14:30 in Tashkent (UTC+5).
AT = int(dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC).timestamp() * 1000)
HOSTILE = ('=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1")
TASHKENT = Locale("UZS", "Asia/Tashkent", "en")


def write(
    fmt: Format, rows: Sequence[Row], tmp_path: Path, locale: Locale = TASHKENT, columns=COLUMNS
) -> Path:
    path = tmp_path / f"out.{FORMATS[fmt].extension}"
    writer = FORMATS[fmt].writer(path, Sheet("Payments", columns, locale, ["Branch: main"]), tmp_path)
    writer.write(rows)
    writer.close()
    return path


def rows_of(n: int) -> list[Row]:
    return [(f"row {i}", i, i * 100, AT + i * 60_000, dt.date(2026, 11, 25), i / 100) for i in range(n)]


# ---- CSV ----------------------------------------------------------------------------------------


def test_csv_writes_minor_units_local_times_and_fractions(tmp_path: Path) -> None:
    path = write(Format.CSV, [("tea", 3, 1_234_500, AT, dt.date(2026, 11, 25), 0.4231)], tmp_path)
    header, row = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert header == ["name", "payments", "amount_minor", "time", "created_at", "value"]
    assert row == ["tea", "3", "1234500", "2026-11-25T14:30:00+05:00", "2026-11-25", "0.4231"]


def test_csv_neutralises_formulas_in_text_only(tmp_path: Path) -> None:
    path = write(Format.CSV, [(text, -5, -500, None, None, None) for text in HOSTILE], tmp_path)
    # newline="": a carriage return inside a quoted cell is data, not a line end to translate.
    with path.open(encoding="utf-8", newline="") as file:
        body = list(csv.reader(file))[1:]
    assert [row[0] for row in body] == [f"'{text}" for text in HOSTILE]
    # Numbers are written by the hub from integers: a negative amount stays a number.
    assert {row[1] for row in body} == {"-5"}
    assert {row[2] for row in body} == {"-500"}
    assert {row[3] for row in body} == {""}


@given(st.text())
def test_no_text_cell_starts_like_a_formula(text: str) -> None:
    assert not csv_cell(text, ColumnType.TEXT, "UTC").startswith(FORMULA_STARTS)


# ---- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_cells_are_typed_with_the_branch_currency_and_timezone(tmp_path: Path) -> None:
    path = write(Format.XLSX, [("tea", 3, 1_234_500, AT, dt.date(2026, 11, 25), 0.4231)], tmp_path)
    sheet = openpyxl.load_workbook(path).active
    header, row = list(sheet.iter_rows())
    assert [c.value for c in header] == ["Name", "Payments", "Amount", "Time", "Created", "Value"]
    assert all(c.font.b for c in header)
    name, count, amount, at, day, share = row
    assert (name.value, name.data_type, name.quotePrefix) == ("tea", "s", False)
    assert (count.value, count.data_type) == (3, "n")
    assert amount.value == 12_345
    assert amount.data_type == "n"
    assert amount.number_format == money_format("UZS", "en") == '#,##0 "so\'m";-#,##0 "so\'m"'
    assert at.value == dt.datetime(2026, 11, 25, 14, 30)
    assert at.is_date
    assert day.value == dt.datetime(2026, 11, 25)
    assert day.number_format == "yyyy-mm-dd"
    assert share.value == pytest.approx(0.4231)
    assert share.number_format == "0.0%"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:F2"
    assert sheet.column_dimensions["A"].width > 0


def test_xlsx_money_keeps_cents_for_a_currency_that_shows_them(tmp_path: Path) -> None:
    path = write(Format.XLSX, [("x", 1, 1_234_567, None, None, None)], tmp_path, Locale("USD", "UTC", "en"))
    amount = openpyxl.load_workbook(path).active["C2"]
    assert amount.value == pytest.approx(12_345.67)
    assert amount.number_format == '#,##0.00 "USD";-#,##0.00 "USD"'


def test_xlsx_writes_text_as_text_never_as_a_formula(tmp_path: Path) -> None:
    path = write(Format.XLSX, [(text, None, None, None, None, None) for text in HOSTILE], tmp_path)
    cells = [row[0] for row in openpyxl.load_workbook(path).active.iter_rows(min_row=2)]
    # The file escapes control characters as OOXML says (a carriage return is "_x000D_", which Excel reads
    # back); openpyxl leaves the escapes as they are.
    assert [unescape(c.value) for c in cells] == list(HOSTILE)
    assert {c.data_type for c in cells} == {"s"}  # "f" would be a formula
    # Excel's own mark of text typed as '=...: editing the cell keeps it text.
    assert all(c.quotePrefix for c in cells)
    assert b"<f>" not in _sheet_xml(path)


def _sheet_xml(path: Path) -> bytes:
    import zipfile

    with zipfile.ZipFile(path) as book:
        return book.read("xl/worksheets/sheet1.xml")


def test_xlsx_continues_on_a_new_sheet_past_excel_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_DATA_ROWS", 3)
    book = openpyxl.load_workbook(write(Format.XLSX, rows_of(7), tmp_path))
    assert book.sheetnames == ["Payments", "Payments (2)", "Payments (3)"]
    assert [[r[1] for r in s.iter_rows(min_row=2, values_only=True)] for s in book] == [
        [0, 1, 2],
        [3, 4, 5],
        [6],
    ]


def test_sheet_names_follow_excel_rules() -> None:
    assert xlsx.sheet_name("Payments: 2026/11 [main]", 1) == "Payments  2026 11  main"
    assert len(xlsx.sheet_name("x" * 40, 12)) == 31


# ---- PDF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Сумма", "Время", "12 345 сум", "Стр. 1"]),
        ("uz", ["Summa", "Vaqt", "12 345 so'm", "Sahifa 1"]),
    ],
)
def test_pdf_is_in_the_branch_language(tmp_path: Path, language: str, words: list[str]) -> None:
    locale = Locale("UZS", "Asia/Tashkent", language)
    path = write(Format.PDF, [("чай", 3, 1_234_500, AT, None, 0.5)], tmp_path, locale)
    text = PdfReader(path).pages[0].extract_text()
    for expected in [*words, "Payments", "Branch: main", "чай", "2026-11-25 14:30", "50.0 %"]:
        assert expected in text


def test_pdf_repeats_headings_on_every_page(tmp_path: Path) -> None:
    reader = PdfReader(write(Format.PDF, rows_of(300), tmp_path))
    assert len(reader.pages) > 1
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "Amount" in text
        assert f"Page {number}" in text
    assert "row 299" in reader.pages[-1].extract_text()


def test_pdf_refuses_more_rows_than_print_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf, "MAX_ROWS", 10)
    writer = pdf.PdfWriter(tmp_path / "x.pdf", Sheet("P", COLUMNS, TASHKENT), tmp_path)
    writer.write(rows_of(10))
    with pytest.raises(pdf.TooLongToPrint):
        writer.write(rows_of(1))


# ---- memory: the writers stream ------------------------------------------------------------------


def _peak_while_writing(fmt: Format, n: int, tmp_path: Path) -> int:
    """The writer's peak traced memory (Python allocations) writing ``n`` rows a batch of 500 at a time."""
    path = tmp_path / f"{n}.{FORMATS[fmt].extension}"
    tracemalloc.start()
    try:
        writer = FORMATS[fmt].writer(path, Sheet("Payments", COLUMNS, TASHKENT), tmp_path)
        for start in range(0, n, 500):
            writer.write(rows_of_range(start, min(n, start + 500)))
        writer.close()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def rows_of_range(start: int, end: int) -> list[Row]:
    return [(f"row {i}", i, i * 100, AT + i, dt.date(2026, 11, 25), 0.5) for i in range(start, end)]


# An XLSX writer that kept its cells would hold ~1 KB a row, so 2,000 vs 20,000 rows shows it (and keeps
# the traced run short); a CSV writer that kept its text ~60 bytes a row, which needs the larger sizes.
@pytest.mark.parametrize(("fmt", "rows"), [(Format.CSV, 5_000), (Format.XLSX, 2_000)])
def test_writers_memory_does_not_grow_with_rows(fmt: Format, rows: int, tmp_path: Path) -> None:
    small = _peak_while_writing(fmt, rows, tmp_path)
    large = _peak_while_writing(fmt, 10 * rows, tmp_path)
    # Ten times the rows: the peak stays within a batch's worth of the small one (a growing writer would
    # hold ~10x), and small in absolute terms.
    assert large < small + 2 * 1024 * 1024, (small, large)
    assert large < 8 * 1024 * 1024


# ---- the lists' columns --------------------------------------------------------------------------

SOURCES = (
    lists.PaymentRows,
    lists.SessionRows,
    lists.MemberRows,
    lists.AuditRows,
    lists.ShiftRows,
    lists.ProductRows,
    lists.VoucherRows,
    lists.CommandRows,
    lists.StockRows,
    lists.MovementRows,
)


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.__name__)
def test_every_column_has_a_title(source: type) -> None:
    columns = source.columns
    assert len({c.key for c in columns}) == len(columns)
    assert [c.key for c in columns if not has_title(c.key)] == []
