"""A printed payments export cuts nothing: in each language, every heading and every cell of a row as wide
as real ones get (a long branch's receipt, a big amount, a member's login, a refund's reason) is drawn in
full, and the ids meant for programs are left out of the page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pypdf import PdfReader

from hub.exports.lists import PaymentRows
from hub.exports.pdf import PdfWriter
from hub.exports.sheet import Sheet
from hub.exports.table import Cell, Locale
from hub.exports.texts import column_title, kind_title
from hub.receipts.render import ELLIPSIS

AT = int(dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC).timestamp() * 1000)
MEMBER_ID = "9f3e1c2b7a6d4e5f8a9b0c1d2e3f4a5b"
WIDE: dict[str, Cell] = {
    "receipt": "chilonzor-001234",
    "time": AT,
    "kind": "payment",
    "purpose": "product",
    "method": "voucher",
    "amount": 12_500_000_00,
    "currency": "UZS",
    "branch": "chilonzor",
    "staff": "dilnoza.karim",
    "member_login": "sardor.gamer",
    "member_id": MEMBER_ID,
    "session_id": "1" * 32,
    "shift_id": "2" * 32,
    "terminal_ref": "A7731-9921",
    "refund_of": "3" * 32,
    "reason": "client changed mind",
    "id": "4" * 32,
}


@pytest.mark.parametrize("language", ["en", "ru", "uz"])
def test_printed_payments_cut_nothing(tmp_path: Path, language: str) -> None:
    columns = PaymentRows.columns
    assert set(WIDE) == {column.key for column in columns}
    locale = Locale("UZS", "Asia/Tashkent", language)
    path = tmp_path / "payments.pdf"
    writer = PdfWriter(path, Sheet(kind_title("payments", language), columns, locale), tmp_path)
    writer.write([tuple(WIDE[column.key] for column in columns)])
    writer.close()

    text = PdfReader(path).pages[0].extract_text()
    assert ELLIPSIS not in text
    printed = [column for column in columns if column.printed]
    for column in printed:
        assert column_title(column.key, language) in text
    for key in ("receipt", "staff", "member_login", "terminal_ref", "reason"):
        assert str(WIDE[key]) in text
    assert "12 500 000" in text
    assert "2026-11-25 14:30" in text
    assert {column.key for column in columns if not column.printed} == {
        "member_id",
        "session_id",
        "shift_id",
        "refund_of",
        "id",
    }
    assert MEMBER_ID not in text
