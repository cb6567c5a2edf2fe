"""The stock keeper's own decisions, with fakes at its ports: when a movement raises or resolves the
low-stock alert, and how a sale's lines become one wanted quantity per product."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from billing.stock import Level, StockKind
from hub.alerts import StockAlerts
from hub.inventory.keeper import StockKeeper, _merged
from hub.store import Store
from hub.store.stock import Details, StockMovement
from hub.store.stock_items import StockItem
from hub.store.transactions import TxItem


@dataclass
class FakeAlerts:
    raised: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    resolved: list[tuple[str, str]] = field(default_factory=list)

    async def low_stock(self, branch: str, product_id: str, message: str, details: dict[str, Any]) -> None:
        self.raised.append((branch, product_id, details))

    async def restocked(self, branch: str, product_id: str, by: str) -> None:
        self.resolved.append((branch, product_id))


class FakeProducts:
    async def get(self, product_id: str) -> None:
        return None


class FakeStore:
    products = FakeProducts()


def moved(quantity: int, after: int) -> StockMovement:
    return StockMovement(
        id="m",
        branch="main",
        product_id="cola",
        kind=StockKind.SOLD if quantity < 0 else StockKind.RECEIVED,
        quantity=quantity,
        value=0,
        revenue=0,
        at=1,
        seq=1,
        level=Level(on_hand=after),
        details=Details(),
    )


@pytest.mark.parametrize(
    ("quantity", "after", "outcome"),
    [
        (-1, 3, "raised"),  # 4 -> 3: down to the level
        (-5, 0, "raised"),  # 5 -> 0: past it
        (-1, 2, None),  # 3 -> 2: low already, alerted before
        (-1, 5, None),  # 6 -> 5: still above
        (4, 5, "resolved"),  # 1 -> 5: back above
        (1, 3, None),  # 2 -> 3: still low
        (10, 2, None),  # -8 -> 2: still low
    ],
)
async def test_a_movement_raises_low_stock_only_when_it_crosses_the_level(
    quantity: int, after: int, outcome: str | None
) -> None:
    alerts = FakeAlerts()
    keeper = StockKeeper(cast(Store, FakeStore()), cast(StockAlerts, alerts))
    await keeper.watch(moved(quantity, after), StockItem("cola", track=True, low_stock=3))
    assert ("raised" if alerts.raised else "resolved" if alerts.resolved else None) == outcome
    if alerts.raised:
        assert alerts.raised[0][2] == {"on_hand": after, "low_stock": 3, "name": "cola"}


async def test_a_product_without_a_level_is_never_alerted() -> None:
    alerts = FakeAlerts()
    keeper = StockKeeper(cast(Store, FakeStore()), cast(StockAlerts, alerts))
    await keeper.watch(moved(-10, 0), StockItem("cola", track=True))
    assert alerts.raised == alerts.resolved == []


def test_a_sales_lines_are_merged_per_product_in_a_stable_order() -> None:
    items = (
        TxItem(kind="product", product_id="tea", name="Tea", quantity=1, unit_price=300, total=300),
        TxItem(kind="product", product_id="cola", name="Cola", quantity=2, unit_price=800, total=1_600),
        TxItem(kind="session", quantity=1, unit_price=5_000, total=5_000),
        TxItem(kind="product", product_id="tea", name="Tea", quantity=3, unit_price=300, total=900),
    )
    assert [(w.product_id, w.quantity, w.revenue) for w in _merged(items)] == [
        ("cola", 2, 1_600),
        ("tea", 4, 1_200),
    ]
