"""The payment history's CSV export (``GET /api/v1/payments/export.csv``) neutralises text that starts like
a formula by the exports' own rule (``hub.exports.cells.formula_safe``), tab and carriage return included."""

from __future__ import annotations

import csv
import io

from hub.api.payments import csv_row


def test_a_cell_that_starts_like_a_formula_is_text() -> None:
    values = ["=HYPERLINK(evil)", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "refund", "120000", ""]
    [row] = csv.reader(io.StringIO(csv_row(values)))
    assert row == [
        "'=HYPERLINK(evil)",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\t=1+1",
        "'\r=1+1",
        "refund",
        "120000",
        "",
    ]
