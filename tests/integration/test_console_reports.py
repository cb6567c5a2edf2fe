"""Reports in a real browser (Debian's Chromium, through Playwright) against a real hub:
admin_web/e2e/reports.spec.ts reads the dashboard and each report page after this test took payments, a
refund and ran sessions through the API; the figures the pages show are the API's.

The console is built first when its sources changed (admin_web/scripts/console.sh build). Screenshots go
to ICAFE_E2E_SCREENSHOTS (default: a folder under the system's temporary directory).
"""

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
SOM = 100


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    subprocess.run([str(CONSOLE / "scripts" / "console.sh"), "build"], check=True, cwd=CONSOLE)
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


def _pay(owner: httpx.Client, body: dict[str, object]) -> dict[str, object]:
    paid = owner.post("/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert paid.status_code == 201, paid.text
    answer: dict[str, object] = paid.json()
    return answer


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
def test_reports_in_a_browser(console_stack: LocalStack) -> None:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make system-deps` installs Debian's chromium"
    stack = console_stack
    with _owner(stack) as owner:
        assert owner.post("/shifts", json={"opening_float": 0}).status_code in (201, 409)
        member = owner.post("/members", json={"login": f"rep{uuid.uuid4().hex[:8]}", "secret": "1234"})
        assert member.status_code == 201, member.text
        product = owner.post("/products", json={"name": "Tea", "price": 3_000 * SOM})
        assert product.status_code == 201, product.text
        _pay(
            owner,
            {"purpose": "topup", "method": "cash", "amount": 50_000 * SOM, "member_id": member.json()["id"]},
        )
        sale = _pay(
            owner,
            {
                "purpose": "sale",
                "method": "cash",
                "items": [{"product_id": product.json()["id"], "quantity": 4}],
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

        shots = os.environ.get("ICAFE_E2E_SCREENSHOTS") or str(
            Path(tempfile.gettempdir()) / "icafe-console-screenshots"
        )
        _playwright(
            "e2e/reports.spec.ts",
            {
                "ICAFE_E2E_URL": stack.api_url,
                "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
                "ICAFE_E2E_TODAY": takings["last_day"],
                "ICAFE_E2E_TAKINGS_MAJOR": str(takings["total"] // SOM),
                "ICAFE_E2E_SESSIONS": str(usage["sessions"]),
                "ICAFE_E2E_SCREENSHOTS": shots,
                "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright-reports"),
            },
        )
