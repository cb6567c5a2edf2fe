"""The inventory report (``GET /api/v1/reports/inventory``): stock on hand and its value, the period's
movements, sales by product with their cost and margin, and low stock, over days in the branch's
timezone. Computed from the movements' running totals (``hub.inventory.report``): fast at any size."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, answers
from hub.api.guard import requires
from hub.api.inventory import StockLevel
from hub.api.query import Name, QueryModel, with_query
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.inventory.report import inventory_report, period

bp = Blueprint("inventory_report", url_prefix="/reports/inventory")


class InventoryReportQuery(QueryModel):
    branch: Name | None = Field(default=None, description="the branch (default: the hub's own)")
    from_: dt.date | None = Field(
        default=None, alias="from", description="the first day, YYYY-MM-DD in the branch's timezone"
    )
    to: dt.date | None = Field(default=None, description="the last day, included (default: today)")


class Moved(Answer):
    quantity: int = Field(description="+ in, - out")
    value: int = Field(description="at cost, minor units")


class Movements(Answer):
    received: Moved
    sold: Moved
    returned: Moved
    written_off: Moved
    transfer_in: Moved
    transfer_out: Moved
    counted: Moved


class ProductActivity(StockLevel):
    opening: int = Field(description="on hand at the start of the first day")
    closing: int = Field(description="on hand at the end of the last day")
    closing_value: int
    moved: Movements
    sold: int = Field(description="units sold (net of sales voided)")
    revenue: int = Field(description="takings of those sales, minor units")
    cost_of_sales: int = Field(description="what the goods sold cost, minor units")
    margin: int


class ProductSales(Answer):
    product_id: str
    name: str
    category: str
    sold: int
    revenue: int
    cost_of_sales: int
    margin: int


class Totals(Answer):
    on_hand_value: int = Field(description="the stock on hand's value now, minor units")
    revenue: int
    cost_of_sales: int
    margin: int


class InventoryReport(Answer):
    branch: str
    currency: str
    timezone: str
    from_date: str = Field(description="the first day, YYYY-MM-DD")
    to_date: str = Field(description="the last day, included")
    from_ms: int
    to_ms: int = Field(description="the end of the last day (excluded)")
    generated_at: int
    totals: Totals
    movements: Movements
    products: list[ProductActivity]
    sales: list[ProductSales] = Field(description="products sold in the period, best takings first")
    low_stock: list[StockLevel] = Field(description="products at or below their low-stock level now")


@bp.get("")
@openapi.definition(
    summary="Inventory report: stock on hand and value, the period's movements, sales by product, low "
    "stock (from/to are days in the branch's timezone; default the last 30 days)",
    tag="reports",
)
@requires(Permission.REPORTS_READ)
@with_query(InventoryReportQuery)
@answers(InventoryReport, errors=(404,))
async def report(request: Request, query: InventoryReportQuery) -> dict[str, Any]:
    return await inventory_answer(request.app.ctx, query)


async def inventory_answer(ctx: Any, query: InventoryReportQuery) -> dict[str, Any]:
    """The report as the route answers it (and its export writes it)."""
    branch = await ctx.money.branch(query.branch)
    now = now_ms()
    return await inventory_report(ctx.store, branch, await period(branch, query.from_, query.to, now), now)
