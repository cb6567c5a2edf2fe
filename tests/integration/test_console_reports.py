"""Reports in a real browser (Debian's Chromium, through Playwright) against a real hub:
admin_web/e2e/reports.spec.ts reads the dashboard and each report page after this test took payments, a
refund (a sale of a counted product among them) and ran sessions through the API; the figures the pages
show are the API's. The spec writes the rest of that product's stock off down to its low-stock level while
the dashboard is open, and its alert comes in live.

The console is built first when its sources changed (admin_web/scripts/console.sh build). Screenshots go
to ICAFE_E2E_SCREENSHOTS (default: a folder under the system's temporary directory).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

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

SOM = 100
LOW_LEVEL = 2


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    build_console()
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("console-reports"),
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


def _pay(owner: httpx.Client, body: dict[str, object]) -> dict[str, object]:
    paid = owner.post("/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert paid.status_code == 201, paid.text
    answer: dict[str, object] = paid.json()
    return answer


@needs_node
def test_reports_in_a_browser(console_stack: LocalStack) -> None:
    stack = console_stack
    with owner_client(stack) as owner:
        assert owner.post("/shifts", json={"opening_float": 0}).status_code in (201, 409)
        member = owner.post("/members", json={"login": f"rep{uuid.uuid4().hex[:8]}", "secret": "1234"})
        assert member.status_code == 201, member.text
        product = owner.post("/products", json={"name": "Tea", "price": 3_000 * SOM})
        assert product.status_code == 201, product.text
        tea = product.json()["id"]
        counted = owner.put(f"/inventory/items/{tea}", json={"track": True, "low_stock": LOW_LEVEL})
        assert counted.status_code == 200, counted.text
        received = owner.post(
            "/inventory/receipts",
            json={"lines": [{"product_id": tea, "quantity": 10, "unit_cost": 1_200 * SOM}]},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert received.status_code == 201, received.text
        _pay(
            owner,
            {"purpose": "topup", "method": "cash", "amount": 50_000 * SOM, "member_id": member.json()["id"]},
        )
        sale = _pay(
            owner,
            {
                "purpose": "sale",
                "method": "cash",
                "items": [{"product_id": tea, "quantity": 4}],
            },
        )
        refund = owner.post(
            f"/payments/{sale['id']}/refunds",
            json={"amount": 3_000 * SOM, "reason": "cold tea", "password": ADMIN_PASSWORD},
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert refund.status_code == 201, refund.text
        takings = owner.get("/reports/takings").json()
        usage = owner.get(
            "/reports/usage", params={"from": takings["last_day"], "to": takings["last_day"]}
        ).json()
        assert takings["total"] == (50_000 + 12_000 - 3_000) * SOM
        day = {"from": takings["last_day"], "to": takings["last_day"]}
        [top] = owner.get("/reports/revenue", params=day).json()["by_product"]
        assert (top["name"], top["quantity"]) == ("Tea", 4)
        stock = {row["product_id"]: row for row in owner.get("/inventory/stock").json()["items"]}
        assert stock[tea]["on_hand"] > LOW_LEVEL

        shots = screenshots_dir()
        run_playwright(
            "e2e/reports.spec.ts",
            {
                "ICAFE_E2E_URL": stack.api_url,
                "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
                "ICAFE_E2E_TODAY": takings["last_day"],
                "ICAFE_E2E_TAKINGS_MAJOR": str(takings["total"] // SOM),
                "ICAFE_E2E_SESSIONS": str(usage["sessions"]),
                "ICAFE_E2E_TOP_NAME": top["name"],
                "ICAFE_E2E_TOP_UNITS": str(top["quantity"]),
                "ICAFE_E2E_TOP_MAJOR": str(top["total"] // SOM),
                "ICAFE_E2E_STOCK_PRODUCT_ID": tea,
                "ICAFE_E2E_STOCK_ABOVE_LOW": str(stock[tea]["on_hand"] - LOW_LEVEL),
                "ICAFE_E2E_SCREENSHOTS": shots,
                "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright-reports"),
            },
        )
