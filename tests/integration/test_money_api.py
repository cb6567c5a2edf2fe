"""Money through the API on the real stack: payments by every method, idempotency, refunds with their
permission and 2FA confirmation, receipts, shifts with a blind count, history, and concurrency."""

from __future__ import annotations

import asyncio
import csv
import io
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from icafe.stack import LocalStack

from .conftest import ADMIN_PASSWORD, Staff, create_staff, database, icafe

SOM = 100  # minor units (tiyin) per so'm


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def pay(client: httpx.Client, body: dict[str, Any], idem: str | None = None) -> httpx.Response:
    return client.post("/payments", json=body, headers={"Idempotency-Key": idem or key()})


def ensure_shift(client: httpx.Client, opening_float: int = 0) -> dict[str, Any]:
    current = client.get("/shifts/current")
    if current.status_code == 200:
        shift: dict[str, Any] = current.json()
        return shift
    opened = client.post("/shifts", json={"opening_float": opening_float})
    assert opened.status_code == 201, opened.text
    shift = opened.json()
    return shift


def new_member(client: httpx.Client) -> str:
    created = client.post("/members", json={"login": f"m{uuid.uuid4().hex[:10]}", "secret": "4321"})
    assert created.status_code == 201, created.text
    member_id: str = created.json()["id"]
    return member_id


def balance(client: httpx.Client, member_id: str) -> int:
    value: int = client.get(f"/members/{member_id}").json()["balance"]
    return value


def new_product(client: httpx.Client, price: int) -> str:
    created = client.post("/products", json={"name": f"Cola {uuid.uuid4().hex[:6]}", "price": price})
    assert created.status_code == 201, created.text
    product_id: str = created.json()["id"]
    return product_id


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def client_for(stack: LocalStack, staff: Staff) -> httpx.Client:
    return httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=staff.headers, timeout=15)


@pytest.fixture(scope="module")
def manager(stack: LocalStack, token: str) -> Staff:
    return create_staff(stack, token, "manager")


@pytest.fixture(scope="module")
def cashier(stack: LocalStack, token: str) -> Staff:
    return create_staff(stack, token, "cashier")


@pytest.fixture
def cashier_api(stack: LocalStack, cashier: Staff) -> Iterator[httpx.Client]:
    with client_for(stack, cashier) as client:
        yield client


@pytest.fixture
def manager_api(stack: LocalStack, manager: Staff) -> Iterator[httpx.Client]:
    with client_for(stack, manager) as client:
        yield client


def test_a_cash_top_up_is_taken_once_and_printed(api: httpx.Client) -> None:
    ensure_shift(api)
    member = new_member(api)
    idem = key()
    first = pay(
        api, {"purpose": "topup", "method": "cash", "amount": 50_000 * SOM, "member_id": member}, idem
    )
    assert first.status_code == 201, first.text
    payment = first.json()
    assert payment["replayed"] is False
    assert payment["balance"] == 50_000 * SOM
    assert payment["amount_display"] == "50 000 so'm"
    assert payment["receipt"] == f"main-{payment['receipt_no']:06d}"

    again = pay(
        api, {"purpose": "topup", "method": "cash", "amount": 50_000 * SOM, "member_id": member}, idem
    )
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["replayed"]) == (payment["id"], True)
    assert balance(api, member) == 50_000 * SOM

    reused = pay(api, {"purpose": "topup", "method": "cash", "amount": 1 * SOM, "member_id": member}, idem)
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"

    for layout in ("a4", "thermal"):
        receipt = api.get(f"/payments/{payment['id']}/receipt", params={"layout": layout, "lang": "ru"})
        assert receipt.status_code == 200
        assert receipt.headers["content-type"] == "application/pdf"
        text = pdf_text(receipt.content)
        assert payment["receipt"] in text
        assert "50 000 сум" in text
        assert "Баланс после" in text  # the member's balance right after the top-up
    assert api.get(f"/payments/{payment['id']}/receipt", params={"layout": "a5"}).status_code == 400


def test_the_receipt_renders_to_an_image(api: httpx.Client, tmp_path: Path) -> None:
    ensure_shift(api)
    product = new_product(api, 8_000 * SOM)
    sale = pay(api, {"purpose": "sale", "method": "cash", "items": [{"product_id": product, "quantity": 3}]})
    assert sale.status_code == 201, sale.text
    assert sale.json()["amount"] == 24_000 * SOM
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(api.get(f"/payments/{sale.json()['id']}/receipt", params={"layout": "thermal"}).content)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", "-singlefile", str(pdf), str(tmp_path / "page")], check=True
    )
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    from PIL import Image

    image = Image.open(tmp_path / "page.png").convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 500, "the receipt page is blank"


def test_card_payments_need_the_terminal_reference_and_never_a_card_number(api: httpx.Client) -> None:
    ensure_shift(api)
    member = new_member(api)
    body = {"purpose": "topup", "method": "card", "amount": 10_000 * SOM, "member_id": member}
    missing = pay(api, body)
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "terminal_ref_required")
    card_number = pay(api, body | {"terminal_ref": "4111111111111111"})
    assert (card_number.status_code, card_number.json()["error"]["code"]) == (400, "card_number_refused")
    approved = pay(api, body | {"terminal_ref": "APPR-123456"})
    assert approved.status_code == 201, approved.text
    assert approved.json()["terminal_ref"] == "APPR-123456"
    assert balance(api, member) == 10_000 * SOM


def test_cash_needs_an_open_shift_and_a_cashier_cannot_refund(
    cashier_api: httpx.Client, api: httpx.Client
) -> None:
    member = new_member(api)
    body = {"purpose": "topup", "method": "cash", "amount": 5_000 * SOM, "member_id": member}
    if cashier_api.get("/shifts/current").status_code == 200:
        pytest.fail("the cashier should start without a shift")
    refused = pay(cashier_api, body)
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "shift_required")
    ensure_shift(cashier_api, 100_000 * SOM)
    taken = pay(cashier_api, body)
    assert taken.status_code == 201, taken.text
    refund = cashier_api.post(
        f"/payments/{taken.json()['id']}/refunds",
        json={"amount": 1_000 * SOM, "reason": "changed mind", "password": "x"},
        headers={"Idempotency-Key": key()},
    )
    assert refund.status_code == 403
    assert balance(api, member) == 5_000 * SOM


def test_paying_by_balance_never_goes_below_zero(api: httpx.Client) -> None:
    ensure_shift(api)
    member = new_member(api)
    product = new_product(api, 12_000 * SOM)
    assert (
        pay(
            api, {"purpose": "topup", "method": "cash", "amount": 20_000 * SOM, "member_id": member}
        ).status_code
        == 201
    )
    sale = {
        "purpose": "sale",
        "method": "balance",
        "member_id": member,
        "items": [{"product_id": product, "quantity": 1}],
    }
    assert pay(api, sale).status_code == 201
    short = pay(api, sale)
    assert (short.status_code, short.json()["error"]["code"]) == (402, "insufficient_balance")
    assert balance(api, member) == 8_000 * SOM
    stale_price = pay(api, sale | {"method": "cash", "amount": 11_000 * SOM})
    assert (stale_price.status_code, stale_price.json()["error"]["code"]) == (409, "price_changed")


def test_a_voucher_is_sold_checked_and_spent(api: httpx.Client) -> None:
    ensure_shift(api)
    sold = pay(api, {"purpose": "voucher", "method": "cash", "amount": 30_000 * SOM})
    assert sold.status_code == 201, sold.text
    code = sold.json()["voucher_code"]
    assert len(code) == 12
    assert sold.json()["voucher_last4"] == code[-4:]
    listed = api.get("/vouchers").json()["items"]
    assert {"id": sold.json()["voucher_id"], "balance": 30_000 * SOM} in [
        {k: v[k] for k in ("id", "balance")} for v in listed
    ]
    assert code not in str(listed)  # codes are never listed
    checked = api.post("/vouchers/check", json={"code": f"{code[:4]}-{code[4:8]}-{code[8:].lower()}"})
    assert checked.json()["balance"] == 30_000 * SOM
    product = new_product(api, 10_000 * SOM)
    spend = {
        "purpose": "sale",
        "method": "voucher",
        "voucher_code": code,
        "items": [{"product_id": product, "quantity": 2}],
    }
    spent = pay(api, spend)
    assert spent.status_code == 201, spent.text
    receipt = pdf_text(api.get(f"/payments/{spent.json()['id']}/receipt", params={"lang": "en"}).content)
    assert code[-4:] in receipt
    assert code not in receipt  # masked
    assert pay(api, spend).json()["error"]["code"] == "insufficient_balance"
    assert api.post("/vouchers/check", json={"code": code}).json()["balance"] == 10_000 * SOM
    member = new_member(api)
    redeem = {"purpose": "topup", "method": "voucher", "voucher_code": code, "member_id": member}
    assert pay(api, redeem | {"amount": 10_000 * SOM}).status_code == 201  # the rest, into a balance
    assert balance(api, member) == 10_000 * SOM
    assert api.post("/vouchers/check", json={"code": code}).json()["balance"] == 0
    assert pay(api, redeem | {"amount": 1}).json()["error"]["code"] == "insufficient_balance"
    wrong = pay(api, spend | {"voucher_code": "NOPE-NOPE-NOPE"})
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (404, "voucher_not_found")
    sold_receipt = pdf_text(api.get(f"/payments/{sold.json()['id']}/receipt").content)
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in sold_receipt  # the buyer takes the code home


def refund(
    client: httpx.Client, payment_id: str, body: dict[str, Any], idem: str | None = None
) -> httpx.Response:
    return client.post(
        f"/payments/{payment_id}/refunds", json=body, headers={"Idempotency-Key": idem or key()}
    )


def test_refunds_need_a_reason_a_fresh_2fa_code_and_never_exceed_the_payment(
    api: httpx.Client, manager_api: httpx.Client, manager: Staff
) -> None:
    assert manager.phone is not None
    ensure_shift(manager_api)
    product = new_product(api, 5_000 * SOM)
    sale = pay(
        manager_api, {"purpose": "sale", "method": "cash", "items": [{"product_id": product, "quantity": 4}]}
    )
    assert sale.status_code == 201, sale.text
    payment_id = sale.json()["id"]

    no_confirmation = refund(manager_api, payment_id, {"amount": 5_000 * SOM, "reason": "spilled"})
    assert (no_confirmation.status_code, no_confirmation.json()["error"]["code"]) == (
        403,
        "confirmation_required",
    )
    by_password = refund(
        manager_api, payment_id, {"amount": 5_000 * SOM, "reason": "spilled", "password": manager.password}
    )
    assert by_password.json()["error"]["code"] == "confirmation_required"  # 2FA users confirm with a code
    wrong_code = refund(
        manager_api, payment_id, {"amount": 5_000 * SOM, "reason": "spilled", "totp": "000000"}
    )
    assert (wrong_code.status_code, wrong_code.json()["error"]["code"]) == (403, "confirmation_failed")
    no_reason = refund(manager_api, payment_id, {"amount": 5_000 * SOM, "reason": " ", "totp": "000000"})
    assert no_reason.status_code == 400

    idem = key()
    body = {"amount": 15_000 * SOM, "reason": "three spilled", "totp": manager.phone.code()}
    done = refund(manager_api, payment_id, body, idem)
    assert done.status_code == 201, done.text
    assert done.json()["kind"] == "refund"
    replayed = refund(manager_api, payment_id, body, idem)  # the code was spent; the retry still answers
    assert (replayed.status_code, replayed.json()["id"]) == (200, done.json()["id"])

    rest = refund(
        manager_api, payment_id, {"amount": 5_001 * SOM, "reason": "more", "totp": manager.phone.code()}
    )
    assert rest.json()["error"]["code"] == "refund_exceeds_payment"
    detail = api.get(f"/payments/{payment_id}").json()
    assert detail["refundable"] == 5_000 * SOM
    assert [r["amount"] for r in detail["refunds"]] == [15_000 * SOM]

    text = pdf_text(api.get(f"/payments/{done.json()['id']}/receipt", params={"lang": "en"}).content)
    assert "three spilled" in text
    audit = api.get("/audit", params={"action": "payment.refund"}).json()["items"]
    assert any(entry["target"] == payment_id and entry["reason"] == "three spilled" for entry in audit)


def test_a_top_up_already_spent_cannot_be_refunded(api: httpx.Client) -> None:
    ensure_shift(api)
    member = new_member(api)
    product = new_product(api, 7_000 * SOM)
    top_up = pay(
        api, {"purpose": "topup", "method": "cash", "amount": 10_000 * SOM, "member_id": member}
    ).json()
    sale = {
        "purpose": "sale",
        "method": "balance",
        "member_id": member,
        "items": [{"product_id": product, "quantity": 1}],
    }
    assert pay(api, sale).status_code == 201
    confirm = {"reason": "customer left", "password": ADMIN_PASSWORD}
    too_much = refund(api, top_up["id"], {"amount": 10_001 * SOM, **confirm})
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (409, "refund_exceeds_payment")
    spent = refund(api, top_up["id"], {"amount": 10_000 * SOM, **confirm})
    assert (spent.status_code, spent.json()["error"]["code"]) == (402, "insufficient_balance")
    assert refund(api, top_up["id"], {"amount": 3_000 * SOM, **confirm}).status_code == 201
    assert balance(api, member) == 0


def test_a_shift_closes_with_a_blind_count(
    stack: LocalStack, cashier_api: httpx.Client, manager_api: httpx.Client, manager: Staff, tmp_path: Path
) -> None:
    shift = ensure_shift(cashier_api, 100_000 * SOM)
    assert "summary" not in cashier_api.get(f"/shifts/{shift['id']}").json()  # blind while open
    assert "summary" in manager_api.get(f"/shifts/{shift['id']}").json()
    member = new_member(manager_api)
    cash = pay(
        cashier_api, {"purpose": "topup", "method": "cash", "amount": 30_000 * SOM, "member_id": member}
    )
    card = pay(
        cashier_api,
        {
            "purpose": "topup",
            "method": "card",
            "amount": 20_000 * SOM,
            "member_id": member,
            "terminal_ref": "RRN778899",
        },
    )
    assert (cash.status_code, card.status_code) == (201, 201)
    history = manager_api.get("/payments", params={"shift_id": shift["id"]}).json()
    assert {p["id"] for p in history["items"]} >= {cash.json()["id"], card.json()["id"]}

    missing = cashier_api.post(f"/shifts/{shift['id']}/close", json={"counted": {"cash": 1}})
    assert (missing.status_code, missing.json()["error"]["code"]) == (400, "count_required")
    expected_cash = 100_000 * SOM + sum(
        p["amount"] * (1 if p["kind"] == "payment" else -1) for p in history["items"] if p["method"] == "cash"
    )
    counted = {"cash": expected_cash - 1_000 * SOM, "card": 20_000 * SOM}
    closed = cashier_api.post(f"/shifts/{shift['id']}/close", json={"counted": counted, "note": "short 1000"})
    assert closed.status_code == 200, closed.text
    lines = {line["method"]: line for line in closed.json()["summary"]["methods"]}
    assert lines["cash"]["expected"] == expected_cash
    assert lines["cash"]["difference"] == -1_000 * SOM
    assert lines["card"]["difference"] == 0
    assert closed.json()["unpaid_sessions"] == []  # this cashier seated no guest without taking money
    again = cashier_api.post(f"/shifts/{shift['id']}/close", json={"counted": counted})
    assert again.json()["error"]["code"] == "shift_closed"
    assert (
        pay(cashier_api, {"purpose": "topup", "method": "cash", "amount": 1, "member_id": member}).status_code
        == 409
    )

    report = cashier_api.get(f"/shifts/{shift['id']}/report", params={"lang": "uz"})
    assert report.headers["content-type"] == "application/pdf"
    text = pdf_text(report.content)
    assert "-1 000 so'm" in text
    thermal = cashier_api.get(f"/shifts/{shift['id']}/report", params={"layout": "thermal"})
    assert thermal.status_code == 200


def test_history_filters_and_pages(api: httpx.Client) -> None:
    ensure_shift(api)
    member = new_member(api)
    for amount in (1_000, 2_000, 3_000):
        assert (
            pay(
                api, {"purpose": "topup", "method": "cash", "amount": amount * SOM, "member_id": member}
            ).status_code
            == 201
        )
    mine = api.get("/payments", params={"member_id": member, "limit": 2}).json()
    assert mine["total"] == 3
    assert [p["amount"] for p in mine["items"]] == [3_000 * SOM, 2_000 * SOM]  # newest first
    rest = api.get("/payments", params={"member_id": member, "limit": 2, "offset": 2}).json()
    assert [p["amount"] for p in rest["items"]] == [1_000 * SOM]
    first_at = rest["items"][0]["at"]
    later = api.get("/payments", params={"member_id": member, "from": first_at + 1}).json()
    assert later["total"] == 2
    assert api.get("/payments", params={"member_id": member, "method": "card"}).json()["total"] == 0
    assert api.get("/payments", params={"member_id": member, "staff": "admin"}).json()["total"] == 3
    assert api.get("/payments", params={"member_id": member, "staff": "someone-else"}).json()["total"] == 0
    assert api.get("/payments", params={"member_id": member, "branch": "annex"}).json()["total"] == 0
    exported = api.get("/payments/export.csv", params={"member_id": member})
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [int(row["amount_minor"]) for row in rows] == [
        1_000 * SOM,
        2_000 * SOM,
        3_000 * SOM,
    ]  # oldest first
    assert {row["member_id"] for row in rows} == {member}
    assert all(row["receipt"].startswith("main-") for row in rows)
    first = mine["items"][-1]["id"]
    formula = {"amount": 1 * SOM, "reason": "=HYPERLINK(evil)", "password": ADMIN_PASSWORD}
    assert refund(api, first, formula).status_code == 201
    refunds = api.get("/payments/export.csv", params={"member_id": member, "kind": "refund"}).text
    assert "'=HYPERLINK(evil)" in refunds  # a spreadsheet shows it as text, never runs it
    assert api.get("/payments", params={"from": "yesterday"}).status_code == 400
    assert api.get("/payments", params={"from": "2026-11-25T00:00"}).status_code == 400  # no offset
    assert api.get("/payments", params={"from": "2026-11-25T00:00+05:00"}).status_code == 200


def test_bad_payment_requests_get_clear_errors(api: httpx.Client) -> None:
    ensure_shift(api)
    member = new_member(api)
    no_key = api.post(
        "/payments", json={"purpose": "topup", "method": "cash", "amount": 100, "member_id": member}
    )
    assert no_key.status_code == 400
    assert "Idempotency-Key" in no_key.json()["error"]["message"]
    cases = [
        ({"purpose": "topup", "method": "cash", "amount": -5, "member_id": member}, 400),
        ({"purpose": "topup", "method": "cash", "amount": 1.5, "member_id": member}, 400),
        ({"purpose": "topup", "method": "cash", "amount": 100.0, "member_id": member}, 400),
        ({"purpose": "topup", "method": "cash", "amount": "100", "member_id": member}, 400),
        ({"purpose": "topup", "method": "cash", "amount": 10**19, "member_id": member}, 400),
        ({"purpose": "topup", "method": "bitcoin", "amount": 100, "member_id": member}, 400),
        ({"purpose": "topup", "method": "cash", "member_id": member}, 400),
        ({"purpose": "topup", "method": "balance", "amount": 100, "member_id": member}, 409),
        ({"purpose": "topup", "method": "cash", "amount": 100, "member_id": "nobody"}, 404),
        ({"purpose": "sale", "method": "cash", "items": []}, 400),
        ({"purpose": "sale", "method": "cash", "items": [{"product_id": "nope", "quantity": 1}]}, 404),
        ({"purpose": "session", "method": "cash", "session_id": "nope"}, 404),
        ({"purpose": "refund", "method": "cash", "amount": 100}, 400),
        ({"purpose": "topup", "method": "cash", "amount": 100, "member_id": member, "extra": 1}, 400),
    ]
    dear = new_product(api, 10**15)
    cases.append(({"purpose": "sale", "method": "cash", "items": [{"product_id": dear, "quantity": 2}]}, 400))
    for body, status in cases:
        response = pay(api, body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["message"]
    assert balance(api, member) == 0


def test_a_method_disabled_at_the_branch_is_refused(api: httpx.Client) -> None:
    branch = api.get("/branches/main").json()
    settings = {k: v for k, v in branch.items() if k != "id"}
    ensure_shift(api)
    member = new_member(api)
    body = {
        "purpose": "topup",
        "method": "card",
        "amount": 100,
        "member_id": member,
        "terminal_ref": "ABCD1234",
    }
    before = key()
    assert pay(api, body, before).status_code == 201
    updated = api.put("/branches/main", json=settings | {"payment_methods": ["cash", "balance"]})
    assert updated.status_code == 200, updated.text
    try:
        card = pay(api, body)
        assert (card.status_code, card.json()["error"]["code"]) == (409, "method_disabled")
        assert pay(api, body, before).status_code == 200  # a retry still gets its first answer
    finally:
        assert api.put("/branches/main", json=settings).status_code == 200
    assert api.put("/branches/main", json=settings | {"currency": "XXX"}).status_code == 400


async def test_fifty_concurrent_top_ups_and_charges_never_lose_an_update_or_go_below_zero(
    stack: LocalStack, token: str, api: httpx.Client
) -> None:
    ensure_shift(api)
    member = new_member(api)
    product = new_product(api, 3_000 * SOM)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=60) as client:

        async def one(i: int) -> httpx.Response:
            body: dict[str, Any]
            if i % 2:
                body = {"purpose": "topup", "method": "cash", "amount": 2_000 * SOM, "member_id": member}
            else:
                body = {
                    "purpose": "sale",
                    "method": "balance",
                    "member_id": member,
                    "items": [{"product_id": product, "quantity": 1}],
                }
            return await client.post("/payments", json=body, headers={"Idempotency-Key": key()})

        responses = await asyncio.gather(*(one(i) for i in range(50)))
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 402}, [r.text for r in responses if r.status_code not in (201, 402)]
    taken = [r.json() for r in responses if r.status_code == 201]
    topped = sum(p["amount"] for p in taken if p["purpose"] == "topup")
    spent = sum(p["amount"] for p in taken if p["purpose"] == "sale")
    assert topped == 25 * 2_000 * SOM  # top-ups are never refused
    final = balance(api, member)
    assert final == topped - spent >= 0
    assert statuses.count(402) == 25 - spent // (3_000 * SOM)
    numbers = sorted(p["receipt_no"] for p in taken)
    assert len(set(numbers)) == len(numbers)


async def test_one_key_retried_ten_times_at_once_moves_money_once(
    stack: LocalStack, token: str, api: httpx.Client
) -> None:
    ensure_shift(api)
    member = new_member(api)
    idem = key()
    body = {"purpose": "topup", "method": "cash", "amount": 7_000 * SOM, "member_id": member}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": idem}
    async with httpx.AsyncClient(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=60) as client:
        responses = await asyncio.gather(*(client.post("/payments", json=body) for _ in range(10)))
        history = (await client.get("/payments", params={"member_id": member})).json()
        final = (await client.get(f"/members/{member}")).json()["balance"]
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert final == 7_000 * SOM
    assert history["total"] == 1


def test_receipt_numbers_have_no_gaps_or_duplicates(api: httpx.Client) -> None:
    ensure_shift(api)
    for _ in range(3):  # some of its own, whatever ran before
        top_up = {"purpose": "topup", "method": "cash", "amount": SOM, "member_id": new_member(api)}
        assert pay(api, top_up).status_code == 201
    numbers: list[int] = []
    offset = 0
    while True:
        page = api.get("/payments", params={"branch": "main", "offset": offset, "limit": 500}).json()
        numbers += [p["receipt_no"] for p in page["items"]]
        offset += 500
        if offset >= page["total"]:
            break
    assert sorted(numbers) == list(range(1, len(numbers) + 1))


def test_the_ledger_verifies_and_catches_an_edited_amount(stack: LocalStack, api: httpx.Client) -> None:
    ensure_shift(api)
    paid = pay(api, {"purpose": "topup", "method": "cash", "amount": SOM, "member_id": new_member(api)})
    assert paid.status_code == 201, paid.text
    ok = icafe(stack, "ledger", "verify")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "ledger balanced" in ok.stdout
    client, db = database(stack)
    try:
        ledger = db["ledger"]
        victim = ledger.find_one({"_id": paid.json()["id"]})
        assert victim is not None
        lines = [dict(line) for line in victim["lines"]]
        lines[0]["amount"] += 1
        ledger.update_one({"_id": victim["_id"]}, {"$set": {"lines": lines}})
        broken = icafe(stack, "ledger", "verify")
        assert broken.returncode == 1
        assert victim["_id"] in broken.stderr
        ledger.update_one({"_id": victim["_id"]}, {"$set": {"lines": victim["lines"]}})
    finally:
        client.close()
    assert icafe(stack, "ledger", "verify").returncode == 0
