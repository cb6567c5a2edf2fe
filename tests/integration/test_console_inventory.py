"""The console's inventory pages driven in a real browser (Debian's Chromium, through Playwright) against a
hub of their own: admin_web/e2e/inventory.spec.ts. The record the browser left is then read back through
the API: stock follows what was done, each movement once, signed by who did it; the goods sent to the
other branch arrived there."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

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

BAR = "Energy bar"
LOW = "Cola 0.5 l"
NORTH = "North"


@pytest.fixture(scope="module")
def inventory_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    build_console()
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("inventory-console"),
        http_port=free_port(),
        admin_password=ADMIN_PASSWORD,
        hub_env={
            "ICAFE_MONGO_DB": f"icafe_inv_{uuid.uuid4().hex[:8]}",
            "ICAFE_DETECT_BLOCKING": "1",
            **SECURITY_ENV,
        },
    )
    local = LocalStack(config)
    try:
        local.start_infrastructure()
        # The hub builds its API document as it starts, slow on a machine busy with other suites.
        local.start_hub(ready_timeout_s=240)
        yield local
    finally:
        local.stop()


@needs_node
def test_inventory_in_a_browser(inventory_stack: LocalStack) -> None:
    stack = inventory_stack
    with owner_client(stack) as owner:
        ids = {}
        for name, price in ((BAR, 5_000_00), (LOW, 8_000_00)):
            created = owner.post("/products", json={"name": name, "price": price, "category": "Snacks"})
            assert created.status_code == 201, created.text
            ids[name] = created.json()["id"]
        # The cola is counted and already at its low-stock level; the bar is counted from its first receipt.
        settings = {"track": True, "low_stock": 3, "unit_cost": 3_000_00}
        assert owner.put(f"/inventory/items/{ids[LOW]}", json=settings).status_code == 200
        received = owner.post(
            "/inventory/receipts",
            json={"lines": [{"product_id": ids[LOW], "quantity": 2}]},
            headers={"Idempotency-Key": "e2e-inventory-cola"},
        )
        assert received.status_code == 201, received.text
        # A second branch to send goods to, with the same settings as the hub's own.
        main = owner.get("/branches").json()["items"][0]
        north = {key: value for key, value in main.items() if key != "id"} | {"name": NORTH}
        assert owner.put("/branches/north", json=north).status_code == 200
    shots = screenshots_dir()
    run_playwright(
        "e2e/inventory.spec.ts",
        {
            "ICAFE_E2E_URL": stack.api_url,
            "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
            "ICAFE_E2E_STOCK_PRODUCT": BAR,
            "ICAFE_E2E_LOW_PRODUCT": LOW,
            "ICAFE_E2E_OTHER_BRANCH": NORTH,
            "ICAFE_E2E_SCREENSHOTS": shots,
            "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright-inventory"),
        },
    )
    # What the browser did is in the record: received, written off, counted, sent, each once.
    with owner_client(stack) as owner:
        # This branch's: the movements list holds every branch's (the goods' arrival north too).
        query = {"product_id": ids[BAR], "branch": "main"}
        moves = owner.get("/inventory/movements", params=query).json()["items"]
        assert [(m["kind"], m["quantity"], m["on_hand"]) for m in moves] == [
            ("transfer_out", -2, 2),
            ("counted", -1, 4),
            ("written_off", -1, 5),
            ("received", 6, 6),
        ]
        assert moves[0]["counterpart"] == "north"
        assert (moves[1]["counted_by"], moves[2]["reason"], moves[3]["unit_cost"]) == (
            "Dilnoza Karimova",
            "Dropped",
            2_500_00,
        )
        stock = {row["product_id"]: row for row in owner.get("/inventory/stock").json()["items"]}
        assert (stock[ids[BAR]]["on_hand"], stock[ids[BAR]]["value"], stock[ids[BAR]]["low"]) == (
            2,
            5_000_00,
            True,
        )
        # The cola's delivery in the other tab took it above its level; one went north after.
        assert (stock[ids[LOW]]["on_hand"], stock[ids[LOW]]["low"]) == (6, False)
        alerts = {a["product_id"] for a in owner.get("/inventory/alerts").json()["items"]}
        assert alerts == {ids[BAR]}
        arrived = owner.get("/inventory/stock", params={"branch": "north"}).json()["items"]
        assert {row["product_id"]: row["on_hand"] for row in arrived} == {ids[BAR]: 2, ids[LOW]: 1}
