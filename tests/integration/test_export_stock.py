"""The stock exports (stock on hand, stock movements) and the member's login in the payments export, on the
shared stack's hub, read back against the lists they export."""

from __future__ import annotations

import uuid

from icafe.stack import LocalStack

from .test_exports import client, csv_rows, every, exported, pdf_text, xlsx_rows
from .test_inventory_api import ensure_shift, key, new_product, sell


def test_stock_and_its_movements_export_what_their_lists_show(stack: LocalStack, token: str) -> None:
    with client(stack, token) as api:
        product = new_product(api, 1_000)
        settings = {"track": True, "low_stock": 2, "unit_cost": 450}
        assert api.put(f"/inventory/items/{product}", json=settings).status_code == 200
        body = {"lines": [{"product_id": product, "quantity": 5, "unit_cost": 400}]}
        received = api.post("/inventory/receipts", json=body, headers={"Idempotency-Key": key()})
        assert received.status_code == 201, received.text
        ensure_shift(api)
        assert sell(api, product, 4).status_code == 201  # one left: at or below 2, low

        stock = every(api, "/inventory/stock", {})
        stock_csv = csv_rows(exported(api, "stock", "csv", {}))
        low_csv = csv_rows(exported(api, "stock", "csv", {"low": True}))
        printed = pdf_text(exported(api, "stock", "pdf", {}))
        moved = {"product_id": product}
        movements = every(api, "/inventory/movements", moved)
        movements_csv = csv_rows(exported(api, "stock_movements", "csv", moved))
        header, movements_xlsx, _ = xlsx_rows(exported(api, "stock_movements", "xlsx", moved))

    # Stock on hand: the list's rows in its order, its figures in minor units, the low flag in words.
    assert [r["product_id"] for r in stock_csv] == [s["product_id"] for s in stock]
    row = next(r for r in stock_csv if r["product_id"] == product)
    listed = next(s for s in stock if s["product_id"] == product)
    assert (row["name"], int(row["on_hand"]), int(row["stock_value_minor"])) == (
        listed["name"],
        listed["on_hand"],
        listed["value"],
    )
    assert (int(row["average_cost_minor"]), int(row["last_cost_minor"]), row["low"]) == (400, 400, "yes")
    assert (int(row["on_hand"]), int(row["low_level"])) == (1, 2)
    assert product in {r["product_id"] for r in low_csv}
    assert {r["low"] for r in low_csv} == {"yes"}
    assert "Stock on hand" in printed
    assert listed["name"] in printed

    # Movements: the list's, oldest first, named by their product.
    oldest_first = sorted(movements, key=lambda m: (m["at"], m["id"]))
    assert [r["id"] for r in movements_csv] == [m["id"] for m in oldest_first]
    assert [(r["kind"], int(r["quantity"]), int(r["on_hand"])) for r in movements_csv] == [
        ("received", 5, 5),
        ("sold", -4, 1),
    ]
    assert int(movements_csv[0]["unit_cost_minor"]) == 400
    assert {r["name"] for r in movements_csv} == {listed["name"]}
    column = {title: index for index, title in enumerate(header)}
    assert [r[column["Quantity"]] for r in movements_xlsx] == [5, -4]


def test_payments_export_names_the_member(stack: LocalStack, token: str) -> None:
    login = f"m{uuid.uuid4().hex[:10]}"
    with client(stack, token) as api:
        ensure_shift(api)
        member = api.post("/members", json={"login": login, "name": "Nodira", "secret": "1234"})
        assert member.status_code == 201, member.text
        member_id = member.json()["id"]
        topup = {"purpose": "topup", "method": "cash", "amount": 5_000_00, "member_id": member_id}
        paid = api.post("/payments", json=topup, headers={"Idempotency-Key": key()})
        assert paid.status_code == 201, paid.text
        listed = every(api, "/payments", {"member_id": member_id})
        rows = csv_rows(exported(api, "payments", "csv", {"member_id": member_id}))
        # A login names the member as the id does, in the export as in the list.
        by_login = csv_rows(exported(api, "payments", "csv", {"member_id": login}))
        header, sheet_rows, _ = xlsx_rows(exported(api, "payments", "xlsx", {"member_id": member_id}))
    assert [(r["member_login"], r["member_id"]) for r in rows] == [
        (p["member_login"], p["member_id"]) for p in listed
    ]
    assert [r["member_login"] for r in rows] == [login]
    assert by_login == rows
    assert [r[header.index("Member")] for r in sheet_rows] == [login]
    assert [r[header.index("Member ID")] for r in sheet_rows] == [member_id]
