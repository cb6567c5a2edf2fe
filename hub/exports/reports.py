"""Reports as exports: a report's answer (the very one its API route gives) laid out as tables, one per
section: its totals as one row, then each list it holds (by method, by period, top members...).

Every figure is taken from the answer field by field, never computed again, so an exported report shows
what the API and the console show. Only the form changes: a period's first day becomes a date, time used
a duration (milliseconds in CSV, hours in a spreadsheet or on paper).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.exports.table import (
    Cell,
    Column,
    ColumnType,
    Row,
    Table,
    date,
    duration,
    integer,
    money,
    percent,
    text,
    time,
)
from hub.exports.texts import word

Answer = Mapping[str, Any]


@dataclass(frozen=True)
class Pick:
    """A column and the field of a section's item it shows (dotted for nested ones; "" the item itself)."""

    column: Column
    path: str

    def value(self, item: Any) -> Cell:
        for part in self.path.split(".") if self.path else ():
            item = item.get(part) if isinstance(item, Mapping) else None
        if item is None:
            return None
        if self.column.type is ColumnType.DATE:
            return dt.date.fromisoformat(str(item))
        if self.column.type is ColumnType.TEXT:
            return str(item)
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise TypeError(f"{self.column.key}: {item!r} is not a number")
        return item


def pick(column: Column, path: str | None = None) -> Pick:
    """A column showing the field of its own name, or ``path``."""
    return Pick(column, column.key if path is None else path)


@dataclass(frozen=True)
class Section:
    """A table of a report: ``items`` picks its rows out of the answer."""

    key: str
    items: Callable[[Answer], Sequence[Any]]
    picks: tuple[Pick, ...]

    def table(self, language: str) -> Table:
        return Table(self.key, word(f"section:{self.key}", language), [p.column for p in self.picks])

    def rows(self, answer: Answer) -> list[Row]:
        return [tuple(p.value(item) for p in self.picks) for item in self.items(answer)]


def _whole(answer: Answer) -> Sequence[Any]:
    return [answer]


def _field(path: str) -> Callable[[Answer], Sequence[Any]]:
    def items(answer: Answer) -> Sequence[Any]:
        found: Any = answer
        for part in path.split("."):
            found = found[part]
        return list(found)

    return items


def _entries(name: str) -> Callable[[Answer], Sequence[Any]]:
    """A mapping's entries as items: its key as ``kind``, its fields besides."""
    return lambda answer: [{"kind": key, **value} for key, value in answer[name].items()]


def totals(*picks: Pick) -> Section:
    return Section("totals", _whole, picks)


def listed(key: str, *picks: Pick, path: str | None = None) -> Section:
    return Section(key, _field(path or key), picks)


# Takings-like columns: the payment history's figures.
_DESK = (
    pick(integer("payments")),
    pick(money("paid")),
    pick(integer("refunds")),
    pick(money("refunded")),
    pick(money("net")),
)
_PERIOD = pick(date("period"))
_SESSIONS = (pick(integer("sessions")), pick(duration("used_ms")), pick(money("priced")))
_MEMBER = (
    pick(text("member_id")),
    pick(text("login")),
    pick(money("spend")),
    pick(money("topups")),
    pick(integer("sessions")),
    pick(duration("used_ms")),
)
_PC = (pick(text("pc_id")), pick(text("zone")), *_SESSIONS)
_PRODUCT = (pick(text("product_id")), pick(text("name", 24)), pick(text("category")))
_SALES = (pick(integer("sold")), pick(money("revenue")), pick(money("cost_of_sales")), pick(money("margin")))

SECTIONS: Mapping[str, tuple[Section, ...]] = {
    "takings": (
        totals(
            pick(money("total")),
            pick(integer("payments")),
            pick(money("paid")),
            pick(integer("refunds")),
            pick(money("refunded")),
        ),
        listed("by_method", pick(text("method")), *_DESK),
        listed("by_purpose", pick(text("purpose")), *_DESK),
        listed("by_staff", pick(text("staff")), *_DESK),
        listed("by_shift", pick(text("shift_id")), pick(text("staff")), *_DESK),
        listed("by_period", _PERIOD, *_DESK),
    ),
    "revenue": (
        totals(
            pick(money("earned_time"), "earned.time"),
            pick(money("earned_products"), "earned.products"),
            pick(money("earned_total"), "earned.total"),
            pick(money("refunds")),
            pick(money("net")),
            pick(money("uncollected")),
            pick(money("adjustments")),
        ),
        Section(
            "held",
            _whole,
            (
                pick(money("topups")),
                pick(money("vouchers_sold"), "vouchers.sold"),
                pick(money("vouchers_redeemed"), "vouchers.redeemed"),
                pick(money("outstanding_members"), "outstanding.members"),
                pick(money("outstanding_vouchers"), "outstanding.vouchers"),
                pick(time("outstanding_at"), "outstanding.at"),
            ),
        ),
        listed(
            "by_product",
            pick(text("product_id")),
            pick(text("name", 24)),
            pick(integer("quantity")),
            pick(money("total")),
        ),
        listed("by_zone", pick(text("zone")), pick(text("tariff_id")), *_SESSIONS),
        listed(
            "by_period",
            _PERIOD,
            pick(money("pc_time"), "time"),
            pick(money("goods"), "products"),
            pick(money("refunds")),
            pick(money("net")),
        ),
    ),
    "usage": (
        totals(
            pick(integer("sessions")),
            pick(duration("used_ms")),
            pick(duration("average_ms")),
            pick(money("priced")),
            pick(integer("open")),
        ),
        listed("by_kind", pick(text("kind")), *_SESSIONS),
        listed("by_zone", pick(text("zone")), *_SESSIONS),
        listed("pcs_by_hours", *_PC),
        listed("pcs_by_revenue", *_PC),
        listed("idle_pcs", pick(text("pc_id"), "")),
        listed(
            "heatmap",
            pick(integer("weekday")),
            pick(integer("hour")),
            pick(duration("occupied_ms")),
            pick(percent("share")),
        ),
        listed("by_period", _PERIOD, pick(integer("sessions")), pick(duration("used_ms"))),
    ),
    "members": (
        totals(
            pick(integer("new")),
            pick(integer("active_members"), "active"),
            pick(integer("balances_members"), "balances.members"),
            pick(money("balances_total"), "balances.total"),
        ),
        listed("new_by_period", _PERIOD, pick(integer("members"))),
        listed("top_by_spend", *_MEMBER),
        listed("top_by_hours", *_MEMBER),
        listed(
            "balances",
            pick(money("at_least")),
            pick(money("below")),
            pick(integer("members")),
            path="balances.buckets",
        ),
    ),
    "staff": (
        listed(
            "staff",
            pick(text("staff")),
            pick(integer("shifts")),
            pick(integer("open_shifts")),
            pick(money("over_short")),
            *_DESK[:4],
            pick(money("takings")),
            pick(integer("unlocks")),
            pick(integer("stops")),
        ),
    ),
    "inventory": (
        totals(
            pick(money("on_hand_value"), "totals.on_hand_value"),
            pick(money("revenue"), "totals.revenue"),
            pick(money("cost_of_sales"), "totals.cost_of_sales"),
            pick(money("margin"), "totals.margin"),
        ),
        Section(
            "movements",
            _entries("movements"),
            (pick(text("kind")), pick(integer("quantity")), pick(money("stock_value"), "value")),
        ),
        listed(
            "products",
            *_PRODUCT,
            pick(integer("opening")),
            pick(integer("closing")),
            pick(money("closing_value")),
            *_SALES,
        ),
        listed("sales", *_PRODUCT, *_SALES),
        listed(
            "low_stock",
            *_PRODUCT,
            pick(integer("on_hand")),
            pick(integer("low_level"), "low_stock"),
            pick(money("stock_value"), "value"),
        ),
    ),
}


class ReportRows:
    """A report as an export's rows: its answer read once (when first counted), then each section's rows,
    each prefixed with its table's index (``hub.exports.table.TabledSource``)."""

    def __init__(self, report: str, language: str, answer: Callable[[], Awaitable[Answer]]) -> None:
        self._sections = SECTIONS[report]
        self._tables = [section.table(language) for section in self._sections]
        self._read = answer
        self._answer: Answer | None = None

    @property
    def tables(self) -> Sequence[Table]:
        return self._tables

    @property
    def columns(self) -> Sequence[Column]:
        return self._tables[0].columns

    async def _rows(self) -> list[list[Row]]:
        if self._answer is None:
            self._answer = await self._read()
        return [section.rows(self._answer) for section in self._sections]

    async def count(self) -> int:
        return sum(len(rows) for rows in await self._rows())

    async def rows(self) -> AsyncIterator[Row]:
        for index, rows in enumerate(await self._rows()):
            for row in rows:
                yield (index, *row)
