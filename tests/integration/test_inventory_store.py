"""Inventory on the real store: stock follows every sale and refund exactly once with its ledger entry,
racing sales never oversell, receipts carry their cost, stocktakes post their variances, low stock is
alerted live, and what a crash leaves between the money and the goods is reconciled exactly once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from billing.stock import StockKind
from hub.clock import now_ms
from hub.errors import Refused
from hub.inventory.keeper import Actor, sale_movement_id
from hub.inventory.reconcile import LEASE_MS
from hub.inventory.service import Inventory
from hub.live import CHANNEL
from hub.money.requests import PaymentRequest, RefundRequest, SaleItem
from hub.money.service import MoneyService
from hub.store import BranchRecord, ProductRecord, Store, open_store
from hub.store.ledger import HistoryFilter
from hub.store.stock import MovementFilter
from hub.store.stock_operations import OperationLine
from hub.store.transactions import TxKind
from icafe.stack import LocalStack

from .conftest import DESK

BOSS = Actor("boss", "boss-id")


@pytest.fixture
def inventory(money: MoneyService, store: Store) -> Inventory:
    return Inventory(store, money.stock)


async def stocked(inventory: Inventory, store: Store, product: str, quantity: int, cost: int = 500) -> None:
    """A product at 1 000 a unit with ``quantity`` received at ``cost`` each at branch main."""
    await store.products.create(ProductRecord(product, product.title(), 1_000))
    await inventory.operations.receive(
        "main", [OperationLine(product, quantity, cost)], "delivery", BOSS, f"receive-{product}"
    )


def sale(product: str, quantity: int) -> PaymentRequest:
    return PaymentRequest(
        purpose="sale", method="cash", items=[SaleItem(product_id=product, quantity=quantity)]
    )


async def on_hand(store: Store, product: str, branch: str = "main") -> int:
    return (await store.stock.level(branch, product)).on_hand


async def movements(store: Store, product: str) -> list[Any]:
    return [m async for m in store.stock.iterate(MovementFilter(branch="main", product_id=product))]


@pytest.fixture
async def live(stack: LocalStack) -> AsyncIterator[list[dict[str, Any]]]:
    """Stock alerts published on the live channel every replica forwards to its WebSockets."""
    seen: list[dict[str, Any]] = []
    redis = Redis.from_url(stack.redis_url)
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(CHANNEL)

    async def collect() -> None:
        async for message in pubsub.listen():
            event = json.loads(message["data"])
            if event.get("type") == "stock.alert":
                seen.append(event)

    task = asyncio.create_task(collect())
    try:
        yield seen
    finally:
        task.cancel()
        await pubsub.aclose()
        await redis.aclose()


async def test_a_sale_takes_its_goods_out_with_its_ledger_entry_once_per_key(
    store: Store, money: MoneyService, inventory: Inventory
) -> None:
    await stocked(inventory, store, "cola", 10)
    first = await money.payments.pay(sale("cola", 3), DESK, "sale-1")
    again = await money.payments.pay(sale("cola", 3), DESK, "sale-1")
    assert again.transaction.id == first.transaction.id
    assert not again.created
    tx = first.transaction
    assert [(line.product_id, line.quantity) for line in tx.stock] == [("cola", -3)]
    moved = await store.stock.by_ref(tx.id)
    assert [(m.id, m.kind, m.quantity, m.revenue) for m in moved] == [
        (sale_movement_id(tx.id, "cola"), StockKind.SOLD, -3, 3_000)
    ]
    assert moved[0].value == -1_500  # at the cost received
    assert (moved[0].details.staff, moved[0].details.staff_id) == (DESK.username, DESK.user_id)
    level = await store.stock.level("main", "cola")
    assert (level.on_hand, level.value) == (7, 3_500)
    assert level.on_hand == sum(m.quantity for m in await movements(store, "cola"))


async def test_selling_more_than_is_on_hand_is_refused_and_moves_nothing(
    store: Store, money: MoneyService, inventory: Inventory
) -> None:
    await stocked(inventory, store, "chips", 2)
    await store.products.create(ProductRecord("tea", "Tea", 300))  # not counted: sold freely
    request = PaymentRequest(
        purpose="sale",
        method="cash",
        items=[SaleItem(product_id="tea", quantity=9), SaleItem(product_id="chips", quantity=3)],
    )
    with pytest.raises(Refused) as refused:
        await money.payments.pay(request, DESK, "too-many")
    assert (refused.value.status, refused.value.code) == (409, "out_of_stock")
    assert "only 2 of Chips left at main, 3 asked" in str(refused.value)
    assert await on_hand(store, "chips") == 2
    assert [m.kind for m in await movements(store, "chips")] == [StockKind.RECEIVED]
    assert await store.ledger.by_key("payment:main:too-many") is None


async def test_a_product_allowing_negative_stock_sells_past_zero(
    store: Store, money: MoneyService, inventory: Inventory
) -> None:
    await stocked(inventory, store, "water", 1)
    item = await store.stock_items.get("water")
    await store.stock_items.save(item.__class__(**{**vars(item), "allow_negative": True}))
    await money.payments.pay(sale("water", 3), DESK, "past-zero")
    assert await on_hand(store, "water") == -2


async def test_a_refund_returns_its_goods_never_more_than_were_sold(
    store: Store, money: MoneyService, inventory: Inventory
) -> None:
    await stocked(inventory, store, "juice", 10)
    paid = (await money.payments.pay(sale("juice", 4), DESK, "juice-sale")).transaction
    assert await on_hand(store, "juice") == 6
    partial = RefundRequest(
        amount=1_000, reason="one was warm", restock=[SaleItem(product_id="juice", quantity=1)]
    )
    refund = (await money.refunds.refund(paid.id, partial, DESK, "r1")).transaction
    assert [(line.product_id, line.quantity) for line in refund.stock] == [("juice", 1)]
    assert await on_hand(store, "juice") == 7
    returned = await store.stock.by_ref(refund.id)
    assert [(m.kind, m.quantity, m.value) for m in returned] == [(StockKind.RETURNED, 1, 500)]
    too_many = RefundRequest(amount=1_000, reason="more", restock=[SaleItem(product_id="juice", quantity=4)])
    with pytest.raises(Refused) as refused:
        await money.refunds.refund(paid.id, too_many, DESK, "r2")
    assert refused.value.code == "return_exceeds_sale"
    # The rest of the money back, no goods named: all that is left of the sale comes back.
    rest = RefundRequest(amount=3_000, reason="customer left")
    await money.refunds.refund(paid.id, rest, DESK, "r3")
    assert await on_hand(store, "juice") == 10
    assert await store.stock.returned(paid.id, "juice") == 4
    level = await store.stock.level("main", "juice")
    assert level.value == 5_000
    assert level.total(StockKind.SOLD.value) == -4
    assert level.total(StockKind.RETURNED.value) == 4


async def test_twenty_racing_sales_of_the_last_five_never_oversell(
    stack: LocalStack, store: Store, money: MoneyService, inventory: Inventory
) -> None:
    """Two hub replicas (each with its own store client and in-process locks) sell the last five at
    once, ten sales each: exactly five succeed, the rest are refused, and the record agrees."""
    await stocked(inventory, store, "last", 5)
    replica = await open_store(stack.mongo_url, store.db.name)
    other = MoneyService(replica, money.books._live, money.payments._cipher, "main")

    async def sell(i: int) -> str:
        service = money if i % 2 else other
        try:
            await service.payments.pay(sale("last", 1), DESK, f"race-{i}")
        except Refused as exc:
            return exc.code
        return "sold"

    try:
        outcomes = await asyncio.gather(*(sell(i) for i in range(20)))
    finally:
        await replica.close()
    assert sorted(outcomes) == ["out_of_stock"] * 15 + ["sold"] * 5
    level = await store.stock.level("main", "last")
    assert (level.on_hand, level.value) == (0, 0)
    moved = await movements(store, "last")
    assert sum(m.quantity for m in moved) == 0
    assert [m.seq for m in moved] == list(range(1, len(moved) + 1))
    sales = [tx async for tx in store.ledger.iterate(HistoryFilter(kinds=("payment",), branch="main"))]
    sold = [tx for tx in sales if any(line.product_id == "last" for line in tx.stock)]
    assert len(sold) == 5
    assert sorted(m.details.ref for m in moved if m.kind is StockKind.SOLD) == sorted(tx.id for tx in sold)


async def test_a_receipt_carries_its_cost_and_a_write_off_its_reason(
    store: Store, inventory: Inventory
) -> None:
    await stocked(inventory, store, "gum", 10, cost=300)
    again = await inventory.operations.receive(
        "main", [OperationLine("gum", 10, 300)], "delivery", BOSS, "receive-gum"
    )
    assert not again.created  # the same key: nothing received twice
    await inventory.operations.receive("main", [OperationLine("gum", 5, 600)], "invoice 7", BOSS, "gum-2")
    level = await store.stock.level("main", "gum")
    assert (level.on_hand, level.value, level.last_cost, level.average_cost) == (15, 6_000, 600, 400)
    written = await inventory.operations.write_off("main", OperationLine("gum", 3), "expired", BOSS, "w1")
    assert written.operation.state == "done"
    off = await store.stock.by_ref(written.operation.id)
    assert [(m.kind, m.quantity, m.value, m.details.reason, m.details.staff) for m in off] == [
        (StockKind.WRITTEN_OFF, -3, -1_200, "expired", "boss")
    ]
    with pytest.raises(Refused) as refused:
        await inventory.operations.write_off("main", OperationLine("gum", 13), "lost", BOSS, "w2")
    assert refused.value.code == "out_of_stock"
    assert await on_hand(store, "gum") == 12


async def test_a_stocktake_posts_each_variance_once_with_the_counters_name(
    store: Store, inventory: Inventory
) -> None:
    await stocked(inventory, store, "bar", 10)
    await stocked(inventory, store, "nuts", 4)
    await store.products.create(ProductRecord("mints", "Mints", 200))  # first counted here
    sheet = await inventory.stocktakes.open("main", "Dilnoza", "monthly", BOSS)
    counted = await inventory.stocktakes.count(sheet.record.id, [("bar", 8), ("nuts", 4), ("mints", 6)], BOSS)
    assert {(line.product_id, line.expected, line.variance) for line in counted.lines} == {
        ("bar", 10, -2),
        ("nuts", 4, 0),
        ("mints", 0, 6),
    }
    posted = await inventory.stocktakes.post(sheet.record.id, BOSS)
    again = await inventory.stocktakes.post(sheet.record.id, BOSS)
    assert posted.record.state == again.record.state == "posted"
    assert {(line.product_id, line.counted, line.variance) for line in again.lines} == {
        ("bar", 8, -2),
        ("nuts", 4, 0),
        ("mints", 6, 6),
    }
    moved = await store.stock.by_ref(sheet.record.id)
    assert len(moved) == 3
    assert all(m.kind is StockKind.COUNTED for m in moved)
    assert {m.details.counted_by for m in moved} == {"Dilnoza"}
    assert (await on_hand(store, "bar"), await on_hand(store, "mints")) == (8, 6)
    assert (await store.stock_items.get("mints")).track
    with pytest.raises(Refused) as late:
        await inventory.stocktakes.count(sheet.record.id, [("bar", 1)], BOSS)
    assert late.value.code == "stocktake_posted"


async def test_low_stock_is_alerted_live_and_resolved_when_restocked(
    store: Store, money: MoneyService, inventory: Inventory, live: list[dict[str, Any]]
) -> None:
    await stocked(inventory, store, "snack", 5)
    item = await store.stock_items.get("snack")
    await store.stock_items.save(item.__class__(**{**vars(item), "low_stock": 2}))
    await money.payments.pay(sale("snack", 2), DESK, "s1")
    assert await store.alerts.unresolved_for_branch("main") == []
    await money.payments.pay(sale("snack", 1), DESK, "s2")
    await money.payments.pay(sale("snack", 1), DESK, "s3")  # already low: the same alert
    open_alerts = await store.alerts.unresolved_for_branch("main")
    assert [(a.product_id, a.kind, a.state, a.count) for a in open_alerts] == [
        ("snack", "low_stock", "open", 1)
    ]
    assert open_alerts[0].details["on_hand"] == 2
    await inventory.operations.receive("main", [OperationLine("snack", 10, 500)], None, BOSS, "refill")
    assert await store.alerts.unresolved_for_branch("main") == []
    for _ in range(100):
        if len(live) >= 2:
            break
        await asyncio.sleep(0.05)
    pushed = [(e["product_id"], e["alert"]["state"]) for e in live if e["product_id"] == "snack"]
    assert pushed == [("snack", "open"), ("snack", "resolved")]


async def test_a_crash_between_holding_the_goods_and_the_payment_is_voided_exactly_once(
    stack: LocalStack,
    store: Store,
    money: MoneyService,
    inventory: Inventory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await stocked(inventory, store, "pie", 3)

    async def crash(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the hub died here")

    monkeypatch.setattr(money.payments._books, "post", crash)
    with pytest.raises(ConnectionError):
        await money.payments.pay(sale("pie", 2), DESK, "crashed")
    monkeypatch.undo()
    assert await on_hand(store, "pie") == 1  # held for a payment that never came
    # Two replicas reconcile at once, past the lease.
    replica = await open_store(stack.mongo_url, store.db.name)
    other = Inventory(replica, MoneyService(replica, money.books._live, money.payments._cipher, "main").stock)
    later = now_ms() + LEASE_MS + 1_000
    try:
        done = await asyncio.gather(inventory.reconciler.run(later), other.reconciler.run(later))
    finally:
        await replica.close()
    assert sum(d.voided for d in done) == 1
    assert await on_hand(store, "pie") == 3
    kinds = [m.kind for m in await movements(store, "pie")]
    assert kinds == [StockKind.RECEIVED, StockKind.SOLD, StockKind.VOIDED]
    assert (await inventory.reconciler.run(later + 60_000)).changed is False
    # The goods are free again: a new sale of all three goes through.
    await money.payments.pay(sale("pie", 3), DESK, "after")
    assert await on_hand(store, "pie") == 0


async def test_a_payment_whose_hold_was_voided_gets_its_goods_out_exactly_once(
    store: Store, money: MoneyService, inventory: Inventory
) -> None:
    """The payment came after its hold was voided (a hub stalled past the lease): the reconciler takes
    the goods out again, once, so stock still equals what was sold."""
    await stocked(inventory, store, "cake", 5)
    paid = (await money.payments.pay(sale("cake", 2), DESK, "slow")).transaction
    hold = await store.stock.get(sale_movement_id(paid.id, "cake"))
    assert hold is not None
    await money.stock.void(hold, Actor("system"))
    assert await on_hand(store, "cake") == 5
    later = now_ms() + LEASE_MS + 1_000
    done = await inventory.reconciler.run(later)
    assert done.settled == 1
    assert done.voided == 0
    assert await on_hand(store, "cake") == 3
    assert await money.stock.settle(paid) == 0  # settled already: nothing moves twice
    assert sum(m.quantity for m in await store.stock.by_ref(paid.id)) == -2


async def test_a_crash_between_a_refund_and_its_returned_goods_is_reconciled_exactly_once(
    store: Store, money: MoneyService, inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    await stocked(inventory, store, "soda", 4)
    paid = (await money.payments.pay(sale("soda", 2), DESK, "soda-sale")).transaction

    async def crash(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("the hub died here")

    monkeypatch.setattr(money.stock, "return_goods", crash)
    with pytest.raises(ConnectionError):
        await money.refunds.refund(paid.id, RefundRequest(amount=2_000, reason="all back"), DESK, "back")
    monkeypatch.undo()
    refunds = await store.ledger.refunds_of(paid.id)
    assert [r.kind for r in refunds] == [TxKind.REFUND]
    assert await on_hand(store, "soda") == 2
    later = now_ms() + LEASE_MS + 1_000
    assert (await inventory.reconciler.run(later)).settled == 1
    assert await money.stock.settle(refunds[0]) == 0
    assert await on_hand(store, "soda") == 4
    assert await store.stock.returned(paid.id, "soda") == 2


async def test_a_transfer_moves_every_line_at_its_value_or_none(store: Store, inventory: Inventory) -> None:
    await store.branches.create_if_missing(BranchRecord(id="north", name="North"))
    await stocked(inventory, store, "lemonade", 4, cost=250)
    await stocked(inventory, store, "wafer", 1, cost=100)
    short = [OperationLine("lemonade", 2), OperationLine("wafer", 3)]
    with pytest.raises(Refused) as refused:
        await inventory.operations.transfer("main", "north", short, None, BOSS, "t1")
    assert refused.value.code == "out_of_stock"
    assert "only 1 of Wafer left at main, 3 asked" in str(refused.value)
    assert (await on_hand(store, "lemonade"), await on_hand(store, "lemonade", "north")) == (4, 0)
    done = await inventory.operations.transfer(
        "main", "north", [OperationLine("lemonade", 3)], "box 1", BOSS, "t2"
    )
    assert done.operation.state == "done"
    there = await store.stock.level("north", "lemonade")
    assert (there.on_hand, there.value) == (3, 750)
    assert (await store.stock.level("main", "lemonade")).value == 250
    moved = await store.stock.by_ref(done.operation.id)
    assert {(m.branch, m.kind, m.details.counterpart) for m in moved} == {
        ("main", StockKind.TRANSFER_OUT, "north"),
        ("north", StockKind.TRANSFER_IN, "main"),
    }
