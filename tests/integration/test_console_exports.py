"""Exports in a real browser (Debian's Chromium, through Playwright) against a real hub:
admin_web/e2e/exports.spec.ts starts exports from the payments, members and audit lists' Export menus,
follows their toasts to the download and saves the files; this test then reads them back (openpyxl, pypdf,
csv) against the API's lists with the same filters.

The console is built first when its sources changed (admin_web/scripts/console.sh build). Screenshots go
to ICAFE_E2E_SCREENSHOTS (default: a folder under the system's temporary directory).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from billing.money import currency
from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

from .browser import (
    build_console,
    needs_node,
    owner_client,
    run_playwright,
    screenshots_dir,
)
from .conftest import ADMIN_PASSWORD, SECURITY_ENV

HOSTILE_NAME = "=1+2 Formula Fan"


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    build_console()
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("console-exports"),
        http_port=free_port(),
        admin_password=ADMIN_PASSWORD,
        hub_env={
            "ICAFE_MONGO_DB": f"icafe_own_{uuid.uuid4().hex[:8]}",
            "ICAFE_DETECT_BLOCKING": "1",
            **SECURITY_ENV,
        },
    )
    local = LocalStack(config)
    try:
        local.start_infrastructure()
        local.start_hub(ready_timeout_s=180)  # the build and the browser share the machine with it
        yield local
    finally:
        local.stop()


@needs_node
def test_exports_in_a_browser(console_stack: LocalStack, tmp_path: Path) -> None:
    stack = console_stack
    with owner_client(stack) as owner:
        assert owner.post("/shifts", json={"opening_float": 0}).status_code in (201, 409)
        login = f"exp{uuid.uuid4().hex[:8]}"
        member = owner.post("/members", json={"login": login, "name": HOSTILE_NAME, "secret": "1234"})
        assert member.status_code == 201, member.text
        member_id = member.json()["id"]
        for i in range(6):
            amount = 2_500_00 * (i + 1)
            body = {"purpose": "topup", "method": "cash", "amount": amount, "member_id": member_id}
            paid = owner.post("/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
            assert paid.status_code == 201, paid.text

        shots = screenshots_dir()
        downloads = tmp_path / "downloads"
        downloads.mkdir()
        run_playwright(
            "e2e/exports.spec.ts",
            {
                "ICAFE_E2E_URL": stack.api_url,
                "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
                "ICAFE_E2E_EXPORT_MEMBER_ID": member_id,
                "ICAFE_E2E_EXPORT_MEMBER_LOGIN": login,
                "ICAFE_E2E_DOWNLOADS": str(downloads),
                "ICAFE_E2E_SCREENSHOTS": shots,
                "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright-exports"),
            },
        )

        # What the browser downloaded is what the API lists with the page's filters.
        payments = owner.get("/payments", params={"member_id": member_id, "limit": 100}).json()["items"]
        payments.sort(key=lambda p: (p["at"], p["id"]))
        members = owner.get("/members", params={"q": login}).json()["items"]
        audit = owner.get("/audit", params={"action": "export.create", "limit": 100}).json()
        # The report exported from its tab: the page's range and grouping, the report's numbers.
        report_job = next(j for j in owner.get("/exports").json()["items"] if j["kind"] == "report_takings")
        takings = owner.get("/reports/takings", params=report_job["filters"]).json()

    factor = 10 ** currency(payments[0]["currency"]).exponent
    sheet = openpyxl.load_workbook(downloads / "payments.xlsx").active
    header, *rows = list(sheet.iter_rows(values_only=True))
    column = {title: index for index, title in enumerate(header)}
    assert [row[column["ID"]] for row in rows] == [p["id"] for p in payments]
    assert [row[column["Amount"]] for row in rows] == [p["amount"] / factor for p in payments]

    text = "\n".join(page.extract_text() for page in PdfReader(downloads / "payments.pdf").pages)
    assert all(p["receipt"] in text for p in payments)

    with (downloads / "members.csv").open(encoding="utf-8", newline="") as file:
        listed = list(csv.DictReader(file))
    assert [(m["id"], int(m["balance_minor"])) for m in listed] == [(m["id"], m["balance"]) for m in members]
    assert listed[0]["name"] == "'" + HOSTILE_NAME  # a spreadsheet opening it shows text, runs nothing

    audit_sheet = openpyxl.load_workbook(io.BytesIO((downloads / "audit.xlsx").read_bytes())).active
    seqs = [row[0] for row in audit_sheet.iter_rows(min_row=2, values_only=True)]
    # Exported while its own entry (and those of the exports before it) were already written.
    assert set(seqs) <= {entry["seq"] for entry in audit["items"]}
    assert len(seqs) >= 3

    assert set(report_job["filters"]) == {"from", "to", "group"}
    assert report_job["filters"]["group"] == "week"
    with (downloads / "report-takings.csv").open(encoding="utf-8", newline="") as file:
        blocks = list(csv.reader(file))
    totals = dict(zip(blocks[1], blocks[2], strict=True))  # section,totals / its header / its row
    assert blocks[0] == ["section", "totals"]
    assert int(totals["total_minor"]) == takings["total"] > 0
