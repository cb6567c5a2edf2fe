"""The money screens driven in a real browser against a hub of their own (admin_web/e2e/money.spec.ts);
a file of its own so that the suite's workers share the browser tests (tests/integration/test_console.py
has the rest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from icafe.stack import LocalStack

from .browser import build_console, needs_node, owner_client, run_playwright, screenshots_dir
from .conftest import ADMIN_CONFIRMATION, ADMIN_PASSWORD, Staff, start_agent_process, wait_until
from .own_stack import own_stack


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    build_console()
    with own_stack(tmp_path_factory.mktemp("console-money"), {"ICAFE_TELEMETRY_FLUSH_S": "0.1"}) as local:
        yield local


MONEY_PC = "pc-301"


@needs_node
def test_money_in_a_browser(console_stack: LocalStack) -> None:
    """admin_web/e2e/money.spec.ts: a product added and sold for cash in a cashier's shift closed blind,
    the sale refunded by a manager with a TOTP code, a tariff's price previewed by the hub, a cashier
    kept out of the staff page, and the back office in three languages. A cashier with a password of
    their own; a manager with 2FA enrolled (a recovery code to sign in, so the TOTP steps stay free for
    the refund); one agent for the PC page's telemetry."""
    stack = console_stack
    agent = start_agent_process(stack, MONEY_PC)
    till = Staff(stack, "e2e-till", "till e2e passphrase 1", "cashier")
    refunder = Staff(stack, "e2e-refunder", "refunder e2e passphrase 1", "manager")
    with owner_client(stack) as owner:
        for staff in (till, refunder):
            created = owner.post(
                "/users",
                json={
                    "username": staff.username,
                    "role": staff.role,
                    "password": staff.password,
                    "confirmation": ADMIN_CONFIRMATION,
                },
            )
            assert created.status_code == 201, created.text

        def online() -> bool:
            return bool(owner.get(f"/pcs/{MONEY_PC}").json().get("status") == "online")

        wait_until(online, 30, "the money test's agent online")
    assert refunder.login().status_code == 200
    recovery = refunder.enrol()
    assert refunder.phone is not None
    shots = screenshots_dir()
    try:
        run_playwright(
            "e2e/money.spec.ts",
            {
                "ICAFE_E2E_URL": stack.api_url,
                "ICAFE_E2E_OWNER_PASSWORD": ADMIN_PASSWORD,
                "ICAFE_E2E_TILL": till.username,
                "ICAFE_E2E_TILL_PASSWORD": till.password,
                "ICAFE_E2E_REFUNDER": refunder.username,
                "ICAFE_E2E_REFUNDER_PASSWORD": refunder.password,
                "ICAFE_E2E_REFUNDER_TOTP_SECRET": refunder.phone.secret,
                "ICAFE_E2E_REFUNDER_RECOVERY_CODE": recovery[0],
                "ICAFE_E2E_MONEY_PC": MONEY_PC,
                "ICAFE_E2E_SCREENSHOTS": shots,
                "ICAFE_E2E_OUTPUT": str(stack.data_dir / "playwright-money"),
            },
        )
    finally:
        stack.supervisor.stop(agent.spec.name)
    # What the browser did is in the ledger: one sale, its partial refund, nothing twice.
    with owner_client(stack) as owner:
        sales = owner.get("/payments", params={"staff": till.username, "purpose": "sale"}).json()["items"]
        assert [(p["kind"], p["method"], p["amount"]) for p in sales] == [("payment", "cash", 1_200_000)]
        refund = owner.get(f"/payments/{sales[0]['id']}").json()
        assert refund["refundable"] == 700_000
        assert [r["amount"] for r in refund["refunds"]] == [500_000]
