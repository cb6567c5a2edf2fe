"""The console's inventory pages driven in a real browser (Debian's Chromium, through Playwright) against a
hub of their own: admin_web/e2e/inventory.spec.ts. The record the browser left is then read back through
the API: stock follows what was done, each movement once, signed by who did it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

from .conftest import ADMIN_PASSWORD, SECURITY_ENV

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "admin_web"
CHROMIUM = os.environ.get("ICAFE_CHROMIUM", "/usr/bin/chromium")
BAR = "Energy bar"
LOW = "Cola 0.5 l"


def _console_script(*args: str) -> None:
    subprocess.run([str(CONSOLE / "scripts" / "console.sh"), *args], check=True, cwd=CONSOLE)


@pytest.fixture(scope="module")
def inventory_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    _console_script("build")
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


def _owner(stack: LocalStack) -> httpx.Client:
    login = httpx.post(
        f"{stack.api_url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    login.raise_for_status()
    return httpx.Client(
        base_url=f"{stack.api_url}/api/v1",
        headers={"Authorization": f"Bearer {login.json()['access_token']}"},
        timeout=15,
    )


def _playwright(spec: str, env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(CONSOLE / "scripts" / "console.sh"), "npx", "playwright", "test", spec],
        cwd=CONSOLE,
        env={**os.environ, "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1", "ICAFE_CHROMIUM": CHROMIUM, **env},
        capture_output=True,
        text=True,
        timeout=480,
        check=False,
    )
    print(result.stdout[-6000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]


@pytest.mark.skipif(shutil.which("npx") is None and not (ROOT / ".venv/bin/npx").exists(), reason="no Node")
def test_inventory_in_a_browser(inventory_stack: LocalStack) -> None:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make system-deps` installs Debian's chromium"
    stack = inventory_stack
    with _owner(stack) as owner:
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
    shots = os.environ.get("ICAFE_E2E_SCREENSHOTS") or str(
        Path(tempfile.gettempdir()) / "icafe-console-screenshots"
    )
    _playwright(
        "e2e/inventory.spec.ts",
        {
            "ICAFE_E2E_URL": stack.api_url,
            "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
            "ICAFE_E2E_STOCK_PRODUCT": BAR,
            "ICAFE_E2E_LOW_PRODUCT": LOW,
            "ICAFE_E2E_SCREENSHOTS": shots,
            "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright-inventory"),
        },
    )
    # What the browser did is in the record: received, written off, counted, each once.
    with _owner(stack) as owner:
        moves = owner.get("/inventory/movements", params={"product_id": ids[BAR]}).json()["items"]
        assert [(m["kind"], m["quantity"], m["on_hand"]) for m in moves] == [
            ("counted", -1, 4),
            ("written_off", -1, 5),
            ("received", 6, 6),
        ]
        assert (moves[0]["counted_by"], moves[1]["reason"], moves[2]["unit_cost"]) == (
            "Dilnoza Karimova",
            "Dropped",
            2_500_00,
        )
        stock = {row["product_id"]: row for row in owner.get("/inventory/stock").json()["items"]}
        assert (stock[ids[BAR]]["on_hand"], stock[ids[BAR]]["value"], stock[ids[BAR]]["low"]) == (
            4,
            10_000_00,
            True,
        )
        alerts = {a["product_id"] for a in owner.get("/inventory/alerts").json()["items"]}
        assert alerts == {ids[BAR], ids[LOW]}
