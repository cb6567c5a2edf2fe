"""The inventory API on the running hub: settings, receipts with cost, sales through /payments taking stock,
the low-stock alert on the WebSocket, write-offs, stocktakes, movements, the inventory report, who may do
what, and what bad input is told."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import uuid
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from icafe.stack import LocalStack

from .conftest import create_staff, wait_until


class LiveFeed:
    """The console's WebSocket, read by a thread while the test goes on."""

    def __init__(self, stack: LocalStack, token: str) -> None:
        self.url = f"ws://127.0.0.1:{stack.config.http_port}/api/v1/ws?token={token}"
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> LiveFeed:
        self._exit = contextlib.ExitStack()
        self._ws = self._exit.enter_context(connect(self.url))
        assert json.loads(self._ws.recv(timeout=5))["type"] == "hello"
        self._thread = threading.Thread(target=self._collect, daemon=True)
        self._thread.start()
        return self

    def _collect(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            for raw in self._ws:
                self.events.append(json.loads(raw))

    def __exit__(self, *exc: object) -> None:
        self._exit.close()
        self._thread.join(5)

    def stock_alert(self, product_id: str) -> dict[str, Any] | None:
        found = [e for e in self.events if e.get("type") == "stock.alert" and e["product_id"] == product_id]
        return found[0] if found else None


def key() -> str:
    return f"inv-{uuid.uuid4().hex}"


def new_product(api: httpx.Client, price: int) -> str:
    created = api.post("/products", json={"name": f"Chips {uuid.uuid4().hex[:6]}", "price": price})
    assert created.status_code == 201, created.text
    product_id: str = created.json()["id"]
    return product_id


def ensure_shift(api: httpx.Client) -> None:
    if api.get("/shifts/current").status_code != 200:
        assert api.post("/shifts", json={"opening_float": 0}).status_code == 201


def stock_of(api: httpx.Client, product_id: str) -> dict[str, Any]:
    page = api.get("/inventory/stock", params={"limit": 500})
    assert page.status_code == 200, page.text
    row: dict[str, Any] = next(item for item in page.json()["items"] if item["product_id"] == product_id)
    return row


def sell(api: httpx.Client, product_id: str, quantity: int) -> httpx.Response:
    body = {"purpose": "sale", "method": "cash", "items": [{"product_id": product_id, "quantity": quantity}]}
    return api.post("/payments", json=body, headers={"Idempotency-Key": key()})


def test_stock_follows_receipts_sales_write_offs_and_counts(
    stack: LocalStack, api: httpx.Client, token: str
) -> None:
    product = new_product(api, 1_000)
    settings = api.put(f"/inventory/items/{product}", json={"track": True, "low_stock": 2, "unit_cost": 450})
    assert settings.status_code == 200, settings.text
    assert settings.json()["low_stock"] == 2
    receipt_key = key()
    body = {"lines": [{"product_id": product, "quantity": 5, "unit_cost": 400}], "note": "invoice 12"}
    received = api.post("/inventory/receipts", json=body, headers={"Idempotency-Key": receipt_key})
    assert received.status_code == 201, received.text
    again = api.post("/inventory/receipts", json=body, headers={"Idempotency-Key": receipt_key})
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["replayed"]) == (received.json()["id"], True)
    row = stock_of(api, product)
    assert (row["on_hand"], row["value"], row["average_cost"], row["low"]) == (5, 2_000, 400, False)

    ensure_shift(api)
    with LiveFeed(stack, token) as feed:
        sold = sell(api, product, 3)
        assert sold.status_code == 201, sold.text
        alert = wait_until(lambda: feed.stock_alert(product), 10, "the low-stock alert on the WebSocket")
    assert alert["alert"]["state"] == "open"
    assert alert["alert"]["details"] == {
        "on_hand": 2,
        "low_stock": 2,
        "name": alert["alert"]["details"]["name"],
    }
    alerts = api.get("/inventory/alerts").json()["items"]
    assert [a["product_id"] for a in alerts if a["product_id"] == product] == [product]
    assert stock_of(api, product)["low"] is True
    assert any(
        r["product_id"] == product for r in api.get("/inventory/stock", params={"low": 1}).json()["items"]
    )

    refused = sell(api, product, 3)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "out_of_stock"
    assert "only 2 of Chips" in refused.json()["error"]["message"]

    written = api.post(
        "/inventory/write-offs",
        json={"product_id": product, "quantity": 1, "reason": "bag torn"},
        headers={"Idempotency-Key": key()},
    )
    assert written.status_code == 201, written.text
    too_many = api.post(
        "/inventory/write-offs",
        json={"product_id": product, "quantity": 5, "reason": "lost"},
        headers={"Idempotency-Key": key()},
    )
    assert too_many.status_code == 409

    sheet = api.post("/inventory/stocktakes", json={"counted_by": "Dilnoza Karimova"})
    assert sheet.status_code == 201, sheet.text
    sheet_id = sheet.json()["id"]
    counted = api.put(
        f"/inventory/stocktakes/{sheet_id}/counts", json={"counts": [{"product_id": product, "counted": 4}]}
    )
    assert counted.status_code == 200, counted.text
    assert [(line["expected"], line["variance"]) for line in counted.json()["lines"]] == [(1, 3)]
    posted = api.post(f"/inventory/stocktakes/{sheet_id}/post")
    assert posted.status_code == 200, posted.text
    assert posted.json()["state"] == "posted"
    assert api.post(f"/inventory/stocktakes/{sheet_id}/post").json()["lines"] == posted.json()["lines"]
    late = api.put(
        f"/inventory/stocktakes/{sheet_id}/counts", json={"counts": [{"product_id": product, "counted": 9}]}
    )
    assert late.status_code == 409
    row = stock_of(api, product)
    assert (row["on_hand"], row["low"]) == (4, False)  # counted back above the level: resolved
    assert all(a["product_id"] != product for a in api.get("/inventory/alerts").json()["items"])

    moves = api.get("/inventory/movements", params={"product_id": product}).json()
    assert moves["total"] == 4
    assert [m["kind"] for m in moves["items"]] == ["counted", "written_off", "sold", "received"]
    assert [m["on_hand"] for m in moves["items"]] == [4, 1, 2, 5]
    assert moves["items"][0]["counted_by"] == "Dilnoza Karimova"
    assert moves["items"][1]["reason"] == "bag torn"
    assert moves["items"][3]["unit_cost"] == 400
    sold_only = api.get("/inventory/movements", params={"product_id": product, "kind": "sold"}).json()
    assert [m["quantity"] for m in sold_only["items"]] == [-3]
    assert sold_only["items"][0]["revenue"] == 3_000

    today = dt.datetime.now(dt.UTC).date()
    report = api.get(
        "/reports/inventory",
        params={
            "from": (today - dt.timedelta(days=1)).isoformat(),
            "to": (today + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert report.status_code == 200, report.text
    figures = report.json()
    line = next(p for p in figures["products"] if p["product_id"] == product)
    assert (line["opening"], line["closing"], line["sold"], line["revenue"]) == (0, 4, 3, 3_000)
    assert (line["cost_of_sales"], line["margin"]) == (1_200, 1_800)
    assert line["moved"]["received"] == {"quantity": 5, "value": 2_000}
    assert line["moved"]["written_off"] == {"quantity": -1, "value": -400}
    assert line["moved"]["counted"]["quantity"] == 3
    assert any(s["product_id"] == product and s["sold"] == 3 for s in figures["sales"])
    assert figures["totals"]["on_hand_value"] == sum(p["value"] for p in figures["products"])
    before = api.get("/reports/inventory", params={"from": "2020-01-01", "to": "2020-01-31"}).json()
    old = next(p for p in before["products"] if p["product_id"] == product)
    assert (old["opening"], old["closing"], old["sold"]) == (0, 0, 0)


def test_cashiers_see_stock_but_only_managers_move_it(
    stack: LocalStack, api: httpx.Client, token: str
) -> None:
    cashier = create_staff(stack, token, "cashier")
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=cashier.headers, timeout=15) as desk:
        assert desk.get("/inventory/stock").status_code == 200
        assert desk.get("/inventory/movements").status_code == 200
        body = {"lines": [{"product_id": "x", "quantity": 1}]}
        denied = desk.post("/inventory/receipts", json=body, headers={"Idempotency-Key": key()})
        assert denied.status_code == 403
        assert desk.get("/reports/inventory").status_code == 403
    manager = create_staff(stack, token, "manager")
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=manager.headers, timeout=15) as office:
        product = new_product(api, 500)
        done = office.post(
            "/inventory/receipts",
            json={"lines": [{"product_id": product, "quantity": 2}]},
            headers={"Idempotency-Key": key()},
        )
        assert done.status_code == 201, done.text
        assert office.get("/reports/inventory").status_code == 200


def test_bad_input_is_told_what_to_do(api: httpx.Client) -> None:
    product = new_product(api, 500)
    no_key = api.post("/inventory/receipts", json={"lines": [{"product_id": product, "quantity": 1}]})
    assert no_key.status_code == 400
    assert "Idempotency-Key" in no_key.json()["error"]["message"]
    zero = api.post(
        "/inventory/receipts",
        json={"lines": [{"product_id": product, "quantity": 0}]},
        headers={"Idempotency-Key": key()},
    )
    assert zero.status_code == 400
    assert "quantity" in zero.json()["error"]["message"]
    unknown = api.post(
        "/inventory/receipts",
        json={"lines": [{"product_id": "no-such-product", "quantity": 1}]},
        headers={"Idempotency-Key": key()},
    )
    assert unknown.status_code == 404
    untracked = api.post(
        "/inventory/write-offs",
        json={"product_id": product, "quantity": 1, "reason": "broken"},
        headers={"Idempotency-Key": key()},
    )
    assert untracked.status_code == 409
    assert untracked.json()["error"]["code"] == "not_tracked"
    twice = api.post(
        "/inventory/receipts",
        json={"lines": [{"product_id": product, "quantity": 1}, {"product_id": product, "quantity": 2}]},
        headers={"Idempotency-Key": key()},
    )
    assert twice.status_code == 400
    backwards = api.get("/reports/inventory", params={"from": "2026-02-01", "to": "2026-01-01"})
    assert backwards.status_code == 400
    assert "swap" in backwards.json()["error"]["message"]
    assert api.get("/reports/inventory", params={"from": "yesterday"}).status_code == 400
    assert api.get("/inventory/movements", params={"kind": "stolen"}).status_code == 400
    assert api.get("/inventory/stock", params={"branch": "nowhere"}).status_code == 404
    assert api.get("/inventory/stocktakes/nope").status_code == 404
