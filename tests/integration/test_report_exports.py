"""Reports exported over the real hub: every report's CSV (parsed back with ``csv``) and XLSX (opened with
openpyxl) hold the numbers of the report's JSON for the same filters, section by section; the PDF prints
each section's title in the branch's language; reports need ``reports:read`` to export."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any, cast

import httpx
import openpyxl
import pytest

from billing.money import currency
from billing.tariffs import local_time
from hub.exports.cells import FORMULA_STARTS
from hub.exports.reports import SECTIONS, Section
from hub.exports.table import Cell, ColumnType
from icafe.stack import LocalStack

from .conftest import ADMIN_PASSWORD, create_staff
from .test_exports import download, exported, finished, pdf_text
from .test_money_api import ensure_shift, key, new_member, new_product, pay, refund

SOM = 100
REPORTS = ("takings", "revenue", "usage", "members", "staff", "inventory")


def kind_and_route(report: str) -> tuple[str, str]:
    return f"report_{report}", f"/reports/{report}"


def filters_of(report: str, today: str) -> dict[str, str]:
    """A week to today, by week where the report groups."""
    first = (dt.date.fromisoformat(today) - dt.timedelta(days=6)).isoformat()
    grouped = {"group": "week"} if report not in ("staff", "inventory") else {}
    return {"from": first, "to": today, **grouped}


def csv_sections(data: bytes) -> dict[str, list[dict[str, str]]]:
    """The documented shape: blocks of ``section,<key>``, a header, the rows; an empty line between."""
    sections: dict[str, list[dict[str, str]]] = {}
    name: str | None = None
    header: list[str] | None = None
    for row in csv.reader(io.StringIO(data.decode("utf-8"), newline="")):
        if not row:
            name = header = None
        elif name is None:
            assert row[0] == "section", row
            name, header = row[1], None
            sections[name] = []
        elif header is None:
            header = row
        else:
            sections[name].append(dict(zip(header, row, strict=True)))
    return sections


def from_csv(text: str, kind: ColumnType) -> Cell:
    if text == "":
        return None
    if kind in (ColumnType.INTEGER, ColumnType.MONEY, ColumnType.DURATION):
        return int(text)
    if kind is ColumnType.DATE:
        return dt.date.fromisoformat(text)
    if kind is ColumnType.PERCENT:
        return float(text)
    if kind is ColumnType.TIME:
        return int(dt.datetime.fromisoformat(text).timestamp() * 1000)
    quoted = text.startswith("'") and text[1:].startswith(FORMULA_STARTS)
    return text[1:] if quoted else text  # a zone named "-" is written "'-" (formula safety)


def from_xlsx(value: Any, kind: ColumnType, code: str, timezone: str) -> Cell:
    """A spreadsheet's cell back in the answer's units (major units to minor, hours to ms, days to dates)."""
    if value is None or value == "":
        return None
    if kind is ColumnType.MONEY:
        major: float = value
        return round(major * 10 ** currency(code).exponent)
    if kind is ColumnType.DURATION:
        days = value.total_seconds() / 86_400 if isinstance(value, dt.timedelta) else value
        return round(days * 86_400_000)
    if kind is ColumnType.DATE:
        return value.date() if isinstance(value, dt.datetime) else cast(Cell, value)
    if kind is ColumnType.TIME:
        local = value.replace(tzinfo=local_time(0, timezone).tzinfo)
        return int(local.timestamp() * 1000)
    return cast(Cell, value)


def expected(section: Section, answer: dict[str, Any], timezone: str) -> list[tuple[Cell, ...]]:
    """The section's rows from the JSON answer; a time to the second, as the files write it; empty text as
    no value."""

    def shown(value: Cell, kind: ColumnType) -> Cell:
        if kind is ColumnType.TIME and isinstance(value, int):
            return value // 1000 * 1000
        return None if value == "" else value

    kinds = [p.column.type for p in section.picks]
    return [tuple(map(shown, row, kinds)) for row in section.rows(answer)]


@pytest.fixture(scope="module")
def activity(stack: LocalStack, token: str) -> str:
    """Payments, a refund and goods received and sold today; today's date at the hub's branch."""
    with httpx.Client(
        base_url=f"{stack.api_url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as api:
        ensure_shift(api)
        member = new_member(api)
        product = new_product(api, 5_000 * SOM)
        received = api.post(
            "/inventory/receipts",
            json={"lines": [{"product_id": product, "quantity": 10, "unit_cost": 3_000 * SOM}]},
            headers={"Idempotency-Key": key()},
        )
        assert received.status_code == 201, received.text
        topup = {"purpose": "topup", "method": "cash", "amount": 30_000 * SOM, "member_id": member}
        assert pay(api, topup).status_code == 201
        sold = pay(
            api,
            {
                "purpose": "sale",
                "method": "cash",
                "items": [{"product_id": product, "quantity": 2}],
            },
        )
        assert sold.status_code == 201, sold.text
        given = refund(
            api, sold.json()["id"], {"amount": 5_000 * SOM, "reason": "broken", "password": ADMIN_PASSWORD}
        )
        assert given.status_code == 201, given.text
        today: str = api.get("/reports/takings").json()["last_day"]
    return today


def test_every_report_exports_the_numbers_of_its_json(api: httpx.Client, activity: str) -> None:
    for report in REPORTS:
        kind, route = kind_and_route(report)
        filters = filters_of(report, activity)
        answer = api.get(route, params=filters)
        assert answer.status_code == 200, answer.text
        report_json = answer.json()
        code, timezone = report_json["currency"], report_json["timezone"]

        tables = csv_sections(exported(api, kind, "csv", filters))
        assert list(tables) == [section.key for section in SECTIONS[report]]
        book = openpyxl.load_workbook(io.BytesIO(exported(api, kind, "xlsx", filters)))
        assert len(book.worksheets) == len(SECTIONS[report])
        for section, sheet in zip(SECTIONS[report], book.worksheets, strict=True):
            want = expected(section, report_json, timezone)
            headers = [p.column.csv_header for p in section.picks]
            kinds = [p.column.type for p in section.picks]
            from_file = [
                tuple(from_csv(row[h], k) for h, k in zip(headers, kinds, strict=True))
                for row in tables[section.key]
            ]
            assert from_file == want, (report, section.key)
            _, *cells = list(sheet.iter_rows(values_only=True))
            from_book = [
                tuple(from_xlsx(v, k, code, timezone) for v, k in zip(row, kinds, strict=True))
                for row in cells
            ]
            assert from_book == want, (report, section.key)

        if report == "takings":  # the issue's own words: the same numbers as the API's JSON
            totals = tables["totals"][0]
            assert int(totals["total_minor"]) == report_json["total"]
            assert int(totals["paid_minor"]) == report_json["paid"] > 0
            by_method = {row["method"]: int(row["net_minor"]) for row in tables["by_method"]}
            assert by_method == {row["method"]: row["net"] for row in report_json["by_method"]}
            money_cell = book["By method"].cell(row=2, column=3)
            assert isinstance(money_cell.value, float | int)
            assert currency(code).name("en") in money_cell.number_format
        if report == "inventory":
            assert (
                sum(int(row["revenue_minor"]) for row in tables["sales"]) == report_json["totals"]["revenue"]
            )


def test_reports_print_in_the_branch_language(api: httpx.Client, activity: str) -> None:
    filters = filters_of("takings", activity)
    english = pdf_text(exported(api, "report_takings", "pdf", filters))
    for title in ("Takings report", "By method", "By period"):
        assert title in english

    branch = api.get("/branches/main").json()
    settings = {k: v for k, v in branch.items() if k != "id"}
    assert api.put("/branches/main", json=settings | {"language": "ru"}).status_code == 200
    try:  # the job takes the branch's language when asked for
        started = api.post("/exports", json={"kind": "report_usage", "format": "pdf", "filters": filters})
    finally:
        assert api.put("/branches/main", json=settings).status_code == 200
    assert started.status_code == 202, started.text
    russian = pdf_text(download(api, finished(api, started.json()["id"])))
    for title in ("Отчёт: загрузка", "Загрузка по часам"):
        assert title in russian


def test_reports_need_reports_read_and_good_filters(stack: LocalStack, token: str, api: httpx.Client) -> None:
    cashier = create_staff(stack, token, "cashier")
    body = {"kind": "report_takings", "format": "csv", "filters": {}}
    assert (
        httpx.post(cashier.url("/exports"), headers=cashier.headers, json=body, timeout=15).status_code == 403
    )
    backwards = api.post("/exports", json=body | {"filters": {"from": "2026-03-01", "to": "2026-02-01"}})
    assert backwards.status_code == 400
    assert "swap" in backwards.json()["error"]["message"]
    ungrouped = api.post("/exports", json=body | {"kind": "report_staff", "filters": {"group": "week"}})
    assert ungrouped.status_code == 400
    assert "not a filter of report_staff" in ungrouped.json()["error"]["message"]
    nowhere = api.post("/exports", json=body | {"filters": {"branch": "nowhere"}})
    assert nowhere.status_code == 404
