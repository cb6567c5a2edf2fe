"""Stock as the back office and the inventory report read it: each counted product's level at a branch, and
what happened to it over a period of days in the branch's timezone.

Every movement carries the running totals of its sequence (``billing.stock.Level``), so a period's
activity is the difference of the levels at its two ends: two indexed reads per product, whatever the
number of movements in between (no rollups to keep: the movements are their own).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from billing.stock import REVENUE, Level, StockKind, activity, value_key
from hub.errors import Refused
from hub.store import BranchRecord, Store
from hub.store.products import ProductRecord
from hub.store.stock_items import StockItem

MAX_DAYS = 3 * 366 + 1  # a report covers at most three years


@dataclass(frozen=True)
class StockRow:
    item: StockItem
    product: ProductRecord | None
    level: Level

    @property
    def name(self) -> str:
        return self.product.name if self.product else self.item.product_id

    @property
    def low(self) -> bool:
        return self.item.is_low(self.level.on_hand)

    def view(self) -> dict[str, Any]:
        return {
            "product_id": self.item.product_id,
            "name": self.name,
            "category": self.product.category if self.product else "",
            "price": self.product.price if self.product else 0,
            "active": self.product.active if self.product else False,
            "on_hand": self.level.on_hand,
            "value": self.level.value,
            "average_cost": self.level.average_cost,
            "last_cost": self.level.last_cost,
            "low_stock": self.item.low_stock,
            "low": self.low,
            "allow_negative": self.item.allow_negative,
            "unit_cost": self.item.unit_cost,
            "last_moved_at": self.level.at or None,
        }


async def stock_rows(store: Store, branch: str) -> list[StockRow]:
    """Every counted product's stock at ``branch`` now, by category and name."""
    items = await store.stock_items.tracked()
    products = await store.products.by_ids([item.product_id for item in items])
    rows = [
        StockRow(item, products.get(item.product_id), await store.stock.level(branch, item.product_id))
        for item in items
    ]
    return sorted(
        rows, key=lambda row: (row.product.category if row.product else "", row.name, row.item.product_id)
    )


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date  # included
    tz: ZoneInfo

    @property
    def start_ms(self) -> int:
        return _midnight(self.first, self.tz)

    @property
    def end_ms(self) -> int:
        return _midnight(self.last + dt.timedelta(days=1), self.tz)


def _midnight(day: dt.date, tz: ZoneInfo) -> int:
    return int(dt.datetime.combine(day, dt.time(), tzinfo=tz).timestamp() * 1000)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


async def branch_zone(branch: BranchRecord) -> ZoneInfo:
    # A zone's first use reads its file: off the loop (ZoneInfo caches it for later calls).
    return await asyncio.to_thread(_zone, branch.timezone)


async def period(branch: BranchRecord, first: dt.date | None, last: dt.date | None, now_ms: int) -> Period:
    """The days from ``first`` to ``last`` in the branch's timezone (default: the last 30 days to today)."""
    tz = await branch_zone(branch)
    today = dt.datetime.fromtimestamp(now_ms / 1000, tz).date()
    last = last or today
    first = first or last - dt.timedelta(days=29)
    if first > last:
        raise Refused(400, "bad_request", f"from ({first}) is after to ({last}): swap them")
    if (last - first).days + 1 > MAX_DAYS:
        raise Refused(400, "bad_request", f"a report covers at most {MAX_DAYS} days: shorten the range")
    return Period(first, last, tz)


# The kinds shown as the period's movements, in the report's order.
MOVED = (
    StockKind.RECEIVED,
    StockKind.SOLD,
    StockKind.RETURNED,
    StockKind.WRITTEN_OFF,
    StockKind.TRANSFER_IN,
    StockKind.TRANSFER_OUT,
    StockKind.COUNTED,
)


async def inventory_report(store: Store, branch: BranchRecord, span: Period, now_ms: int) -> dict[str, Any]:
    """Stock on hand and its value now, the period's movements and sales per product, and low stock."""
    rows = await stock_rows(store, branch.id)
    products = []
    totals = {"on_hand_value": 0, "revenue": 0, "cost_of_sales": 0}
    moved_totals = {kind.value: {"quantity": 0, "value": 0} for kind in MOVED}
    for row in rows:
        start = await store.stock.level_at(branch.id, row.item.product_id, span.start_ms)
        end = await store.stock.level_at(branch.id, row.item.product_id, span.end_ms)
        changes = activity(start, end)
        moved = {
            kind.value: {"quantity": changes.get(kind.value, 0), "value": changes.get(value_key(kind), 0)}
            for kind in MOVED
        }
        for kind, figures in moved.items():
            moved_totals[kind]["quantity"] += figures["quantity"]
            moved_totals[kind]["value"] += figures["value"]
        # Goods sold are negative movements; the report shows them as positive quantities and costs.
        sold, cost = -moved["sold"]["quantity"], -moved["sold"]["value"]
        revenue = changes.get(REVENUE, 0)
        totals["on_hand_value"] += row.level.value
        totals["revenue"] += revenue
        totals["cost_of_sales"] += cost
        products.append(
            row.view()
            | {
                "opening": start.on_hand,
                "closing": end.on_hand,
                "closing_value": end.value,
                "moved": moved,
                "sold": sold,
                "revenue": revenue,
                "cost_of_sales": cost,
                "margin": revenue - cost,
            }
        )
    sales = sorted(
        (p for p in products if p["sold"] or p["revenue"]),
        key=lambda p: (-p["revenue"], -p["sold"], p["name"]),
    )
    return {
        "branch": branch.id,
        "currency": branch.currency,
        "timezone": span.tz.key,
        "from_date": span.first.isoformat(),
        "to_date": span.last.isoformat(),
        "from_ms": span.start_ms,
        "to_ms": span.end_ms,
        "generated_at": now_ms,
        "totals": totals | {"margin": totals["revenue"] - totals["cost_of_sales"]},
        "movements": moved_totals,
        "products": products,
        "sales": [
            {
                k: p[k]
                for k in ("product_id", "name", "category", "sold", "revenue", "cost_of_sales", "margin")
            }
            for p in sales
        ],
        "low_stock": [row.view() for row in rows if row.low],
    }
