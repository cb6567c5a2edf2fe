"""Inventory: stock on hand per product and branch, its movements, receipts (with their cost), write-offs,
transfers between branches, stocktakes, low-stock alerts and each product's stock settings.

Sales and refunds move stock themselves (``POST /payments``, ``POST /payments/{id}/refunds``); these routes
are the back office's. Every write that moves goods needs an ``Idempotency-Key`` (sent again, it answers
the first result and moves nothing twice)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from billing.stock import StockKind
from hub.alerts import stock_alert_view
from hub.api.answers import Answer, Page, absent, answers, reply
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.payments import IDEMPOTENCY_KEY, idempotency_key
from hub.api.query import Moment, Name, Paging, QueryModel, enum_schema, one_of, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.errors import Refused
from hub.inventory.keeper import Actor
from hub.inventory.report import StockRow, stock_rows
from hub.inventory.stocktakes import Sheet
from hub.money.service import MoneyService
from hub.store import BranchRecord, Store
from hub.store.stock import MovementFilter, StockMovement
from hub.store.stock_items import StockItem
from hub.store.stock_operations import OperationLine, StockOperation

bp = Blueprint("inventory", url_prefix="/inventory")

# A unit's cost in minor units: zero (a free sample) or more, bounded so that a line's value (at most
# 100 000 units) stays far within the store's 64-bit integers.
UnitCost = Annotated[int, Field(ge=0, le=10**12, strict=True)]

KINDS = tuple(kind.value for kind in StockKind)


def actor_of(request: Request) -> Actor:
    claims = request.ctx.claims
    return Actor(claims.username, claims.user_id)


async def branch_id(request: Request, given: str | None) -> str:
    """The branch named, or the hub's own (404 when there is no such branch)."""
    branch: BranchRecord = await request.app.ctx.money.branch(given)
    return branch.id


# ---- stock on hand ------------------------------------------------------------------------------------


class BranchQuery(QueryModel):
    branch: Name | None = Field(default=None, description="the branch (default: the hub's own)")


class StockFilter(BranchQuery):
    """The stock list's filters (also the ``stock`` export's)."""

    low: bool = Field(default=False, description="only products at or below their low-stock level")


class StockQuery(StockFilter, Paging):
    """The stock list's filters and paging."""


class StockLevel(Answer):
    product_id: str
    name: str
    category: str
    price: int = Field(description="the selling price, minor units")
    active: bool = Field(description="false: withdrawn from sale")
    on_hand: int = Field(description="negative only for a product that may be sold below zero")
    value: int = Field(description="what the stock on hand cost, minor units (weighted average)")
    average_cost: int = Field(description="the unit cost stock is valued at now, minor units")
    last_cost: int = Field(description="the unit cost of the last receipt, minor units")
    low_stock: int | None = Field(description="the level that raises a low-stock alert; null: never")
    low: bool = Field(description="at or below its low-stock level")
    allow_negative: bool
    unit_cost: int = Field(description="what a receipt without a cost is valued at, minor units")
    last_moved_at: int | None


class StockPage(Page[StockLevel]):
    branch: str
    currency: str
    value: int = Field(description="the stock on hand's value in all, minor units")


async def listed_stock(
    store: Store, money: MoneyService, filters: StockFilter
) -> tuple[BranchRecord, list[StockRow]]:
    """The branch named (404 if none) and the stock the list shows there, every row (a catalogue's counted
    products: a few hundred at most)."""
    branch = await money.branch(filters.branch)
    rows = await stock_rows(store, branch.id)
    return branch, [row for row in rows if row.low] if filters.low else rows


@bp.get("/stock")
@openapi.definition(
    summary="Stock on hand of each counted product at a branch, with its value and low-stock state",
    tag="inventory",
)
@requires(Permission.INVENTORY_READ)
@with_query(StockQuery)
@answers(StockPage, errors=(404,))
async def list_stock(request: Request, query: StockQuery) -> dict[str, Any]:
    ctx = request.app.ctx
    branch, rows = await listed_stock(ctx.store, ctx.money, query)
    page = rows[query.offset : query.offset + query.limit]
    return {
        "items": [row.view() for row in page],
        "total": len(rows),
        "branch": branch.id,
        "currency": branch.currency,
        "value": sum(row.level.value for row in rows),
    }


# ---- a product's stock settings ---------------------------------------------------------------------


class StockSettingsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    track: bool = Field(description="count this product's stock (false: sold without counting)")
    low_stock: int | None = Field(
        default=None, ge=0, le=1_000_000, description="alert at or below this level; null: never"
    )
    allow_negative: bool = Field(default=False, description="sell even when the record shows none left")
    unit_cost: UnitCost = Field(
        default=0, description="minor units: what a receipt without a cost is valued at"
    )


class StockSettings(Answer):
    product_id: str
    track: bool
    low_stock: int | None
    allow_negative: bool
    unit_cost: int
    updated_at: int
    updated_by: str


def settings_view(item: StockItem) -> dict[str, Any]:
    return {name: value for name, value in vars(item).items()}


@bp.get("/items/<product_id:str>")
@openapi.definition(summary="A product's stock settings", tag="inventory")
@requires(Permission.INVENTORY_READ)
@answers(StockSettings, errors=(404,))
async def get_settings(request: Request, product_id: str) -> dict[str, Any]:
    store = request.app.ctx.store
    if await store.products.get(product_id) is None:
        raise Refused(404, "not_found", f"product {product_id!r} not found")
    item: StockItem = await store.stock_items.get(product_id)
    return settings_view(item)


@bp.put("/items/<product_id:str>")
@openapi.definition(
    summary="Set a product's stock settings: counted or not, its low-stock level, sales below zero, its "
    "default unit cost",
    body=json_body(StockSettingsBody),
    tag="inventory",
)
@requires(Permission.INVENTORY_WRITE)
@audits("stock.settings")
@answers(StockSettings, errors=(404,))
async def set_settings(request: Request, product_id: str) -> dict[str, Any]:
    body = parse_body(request, StockSettingsBody)
    ctx = request.app.ctx
    if await ctx.store.products.get(product_id) is None:
        raise Refused(404, "not_found", f"product {product_id!r} not found")
    before = await ctx.store.stock_items.get(product_id)
    item = replace(
        before,
        track=body.track,
        low_stock=body.low_stock,
        allow_negative=body.allow_negative,
        unit_cost=body.unit_cost,
        updated_at=now_ms(),
        updated_by=request.ctx.claims.username,
    )
    await ctx.store.stock_items.save(item)
    for branch in await ctx.store.branches.all():  # a new level may make the stock low, or no longer
        await ctx.inventory.keeper.look_again(branch.id, item)
    await ctx.audit.record(
        "stock.settings", request=request, target=product_id, details=body.model_dump(mode="json")
    )
    return settings_view(item)


# ---- movements ----------------------------------------------------------------------------------------


class MovementsFilter(QueryModel):
    """The movements list's filters (also the ``stock_movements`` export's)."""

    branch: Name | None = None
    product_id: Name | None = None
    kind: Annotated[str, one_of(KINDS), enum_schema(KINDS)] | None = None
    staff: Name | None = None
    ref: Name | None = Field(
        default=None, description="the payment, refund, operation or stocktake behind it"
    )
    from_: Moment | None = Field(default=None, alias="from", description="from this time on")
    to: Moment | None = Field(default=None, description="before this time")

    def where(self) -> MovementFilter:
        return MovementFilter(
            branch=self.branch,
            product_id=self.product_id,
            kind=self.kind,
            staff=self.staff,
            ref=self.ref,
            since=self.from_,
            until=self.to,
        )


class MovementsQuery(MovementsFilter, Paging):
    """The movements list's filters and paging."""


class Movement(Answer):
    id: str
    branch: str
    product_id: str
    name: str
    kind: str = Field(description="received, sold, returned, written_off, transfer_in/out, counted, voided")
    quantity: int = Field(description="+ into stock, - out of it")
    value: int = Field(description="booked at cost, minor units: + in, - out")
    revenue: int = Field(description="a sale's takings for these goods, minor units")
    on_hand: int = Field(description="the stock after it")
    at: int
    ref: str | None
    staff: str | None
    reason: str | None = absent("a write-off's")
    counted_by: str | None = absent("a stocktake's counter")
    counterpart: str | None = absent("a transfer's other branch")
    unit_cost: int | None = absent("a receipt's")
    voids: str | None = absent("the kind of movement a void undoes")
    voided: str | None = absent("the movement a void undoes")


def movement_view(movement: StockMovement, names: dict[str, str]) -> dict[str, Any]:
    details = movement.details
    view: dict[str, Any] = {
        "id": movement.id,
        "branch": movement.branch,
        "product_id": movement.product_id,
        "name": names.get(movement.product_id, movement.product_id),
        "kind": movement.kind.value,
        "quantity": movement.quantity,
        "value": movement.value,
        "revenue": movement.revenue,
        "on_hand": movement.level.on_hand,
        "at": movement.at,
        "ref": details.ref,
        "staff": details.staff,
    }
    optional = {
        "reason": details.reason,
        "counted_by": details.counted_by,
        "counterpart": details.counterpart,
        "unit_cost": details.unit_cost,
        "voids": movement.voids.value if movement.voids else None,
        "voided": details.voided,
    }
    return view | {name: value for name, value in optional.items() if value is not None}


async def product_names(request: Request, product_ids: set[str]) -> dict[str, str]:
    products = await request.app.ctx.store.products.by_ids(sorted(product_ids))
    return {product_id: product.name for product_id, product in products.items()}


@bp.get("/movements")
@openapi.definition(
    summary="Stock movements, newest first: filter by branch, product_id, kind, staff, ref, from/to; paged",
    tag="inventory",
)
@requires(Permission.INVENTORY_READ)
@with_query(MovementsQuery)
@answers(Page[Movement])
async def list_movements(request: Request, query: MovementsQuery) -> dict[str, Any]:
    found, total = await request.app.ctx.store.stock.page(query.where(), skip=query.offset, limit=query.limit)
    names = await product_names(request, {m.product_id for m in found})
    return {"items": [movement_view(m, names) for m in found], "total": total}


# ---- receipts, write-offs, transfers ------------------------------------------------------------------


class ReceivedLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: Name
    quantity: int = Field(ge=1, le=100_000)
    unit_cost: UnitCost | None = Field(
        default=None, description="minor units; left out: the product's default unit cost"
    )


class ReceiptBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    branch: Name | None = None
    lines: list[ReceivedLine] = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=200, description="the supplier, an invoice number")


class WriteOffBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    branch: Name | None = None
    product_id: Name
    quantity: int = Field(ge=1, le=100_000)
    reason: str = Field(min_length=3, max_length=200, description="broken, expired, eaten by staff...")


class TransferLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: Name
    quantity: int = Field(ge=1, le=100_000)


class TransferBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    branch: Name | None = Field(default=None, description="where the goods leave from")
    to_branch: Name
    lines: list[TransferLine] = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=200)


class OperationLineView(Answer):
    product_id: str
    quantity: int
    unit_cost: int | None


class Operation(Answer):
    id: str
    kind: Literal["receive", "write_off", "transfer"]
    branch: str
    to_branch: str | None
    state: Literal["posting", "done", "refused"]
    lines: list[OperationLineView]
    reason: str | None
    note: str | None
    staff: str
    at: int
    replayed: bool = Field(description="true: the key was used before; this is the first result again")


def operation_view(operation: StockOperation, replayed: bool) -> dict[str, Any]:
    return {
        "id": operation.id,
        "kind": operation.kind,
        "branch": operation.branch,
        "to_branch": operation.to_branch,
        "state": operation.state,
        "lines": [
            {"product_id": line.product_id, "quantity": line.quantity, "unit_cost": line.unit_cost}
            for line in operation.lines
        ],
        "reason": operation.reason,
        "note": operation.note,
        "staff": operation.staff,
        "at": operation.at,
        "replayed": replayed,
    }


async def _recorded(request: Request, action: str, operation: StockOperation, created: bool) -> Any:
    if created:
        await request.app.ctx.audit.record(
            action,
            request=request,
            target=operation.id,
            details={
                "branch": operation.branch,
                "lines": [line.to_document() for line in operation.lines],
                **({"reason": operation.reason} if operation.reason else {}),
                **({"to_branch": operation.to_branch} if operation.to_branch else {}),
            },
        )
    return reply(operation_view(operation, not created), 201 if created else 200)


@bp.post("/receipts")
@openapi.definition(
    summary="Receive a delivery: goods into a branch's stock, each line at its unit cost (exactly once per "
    "key); a product not counted yet is counted from now on",
    body=json_body(ReceiptBody),
    parameter=[IDEMPOTENCY_KEY],
    tag="inventory",
)
@requires(Permission.INVENTORY_WRITE)
@audits("stock.receive")
@answers(Operation, status=201, also=(200,), errors=(404, 409))
async def receive(request: Request) -> Any:
    key = idempotency_key(request)
    body = parse_body(request, ReceiptBody)
    branch = await branch_id(request, body.branch)
    lines = [OperationLine(line.product_id, line.quantity, line.unit_cost) for line in body.lines]
    result = await request.app.ctx.inventory.operations.receive(
        branch, lines, body.note, actor_of(request), key
    )
    return await _recorded(request, "stock.receive", result.operation, result.created)


@bp.post("/write-offs")
@openapi.definition(
    summary="Write goods off with a reason (broken, expired...): refused when more than is on hand",
    body=json_body(WriteOffBody),
    parameter=[IDEMPOTENCY_KEY],
    tag="inventory",
)
@requires(Permission.INVENTORY_WRITE)
@audits("stock.write_off")
@answers(Operation, status=201, also=(200,), errors=(404, 409))
async def write_off(request: Request) -> Any:
    key = idempotency_key(request)
    body = parse_body(request, WriteOffBody)
    branch = await branch_id(request, body.branch)
    result = await request.app.ctx.inventory.operations.write_off(
        branch, OperationLine(body.product_id, body.quantity), body.reason.strip(), actor_of(request), key
    )
    return await _recorded(request, "stock.write_off", result.operation, result.created)


@bp.post("/transfers")
@openapi.definition(
    summary="Move goods to another branch: all lines leave, or none (refused when one is short)",
    body=json_body(TransferBody),
    parameter=[IDEMPOTENCY_KEY],
    tag="inventory",
)
@requires(Permission.INVENTORY_WRITE)
@audits("stock.transfer")
@answers(Operation, status=201, also=(200,), errors=(404, 409))
async def transfer(request: Request) -> Any:
    key = idempotency_key(request)
    body = parse_body(request, TransferBody)
    branch = await branch_id(request, body.branch)
    lines = [OperationLine(line.product_id, line.quantity) for line in body.lines]
    result = await request.app.ctx.inventory.operations.transfer(
        branch, body.to_branch, lines, body.note, actor_of(request), key
    )
    return await _recorded(request, "stock.transfer", result.operation, result.created)


# ---- stocktakes ---------------------------------------------------------------------------------------


class StocktakeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    branch: Name | None = None
    counted_by: str = Field(min_length=1, max_length=100, description="who counts, as their name is signed")
    note: str = Field(default="", max_length=200)


class CountEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: Name
    counted: int = Field(ge=0, le=1_000_000)


class CountsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counts: list[CountEntry] = Field(min_length=1, max_length=500)


class SheetLineView(Answer):
    product_id: str
    name: str
    counted: int
    expected: int = Field(description="what the record says (now while open; at posting once posted)")
    variance: int = Field(description="counted - expected: the movement posting makes")
    entered_by: str


class Stocktake(Answer):
    id: str
    branch: str
    counted_by: str
    note: str
    state: Literal["open", "posting", "posted"]
    created_by: str
    created_at: int
    posted_by: str | None
    posted_at: int | None
    lines: list[SheetLineView] | None = absent("the counts (a single stocktake only)")


def sheet_view(sheet: Sheet, *, lines: bool = True) -> dict[str, Any]:
    record = sheet.record
    view: dict[str, Any] = {
        "id": record.id,
        "branch": record.branch,
        "counted_by": record.counted_by,
        "note": record.note,
        "state": record.state,
        "created_by": record.created_by,
        "created_at": record.created_at,
        "posted_by": record.posted_by,
        "posted_at": record.posted_at,
    }
    if lines:
        view["lines"] = [vars(line) for line in sheet.lines]
    return view


class StocktakesQuery(Paging):
    branch: Name | None = None
    state: Literal["open", "posting", "posted"] | None = None


@bp.get("/stocktakes")
@openapi.definition(summary="Stocktakes, newest first: filter by branch and state; paged", tag="inventory")
@requires(Permission.INVENTORY_READ)
@with_query(StocktakesQuery)
@answers(Page[Stocktake])
async def list_stocktakes(request: Request, query: StocktakesQuery) -> dict[str, Any]:
    records, total = await request.app.ctx.store.stocktakes.page(
        branch=query.branch, state=query.state, skip=query.offset, limit=query.limit
    )
    return {"items": [sheet_view(Sheet(r, ()), lines=False) for r in records], "total": total}


@bp.post("/stocktakes")
@openapi.definition(
    summary="Open a stocktake (a count sheet) at a branch, signed by who counts",
    body=json_body(StocktakeBody),
    tag="inventory",
)
@requires(Permission.INVENTORY_WRITE)
@audits("stocktake.open")
@answers(Stocktake, status=201, errors=(404,))
async def open_stocktake(request: Request) -> Any:
    body = parse_body(request, StocktakeBody)
    ctx = request.app.ctx
    branch = await branch_id(request, body.branch)
    sheet = await ctx.inventory.stocktakes.open(branch, body.counted_by.strip(), body.note, actor_of(request))
    await ctx.audit.record(
        "stocktake.open", request=request, target=sheet.record.id, details={"branch": branch}
    )
    return reply(sheet_view(sheet), 201)


@bp.get("/stocktakes/<sheet_id:str>")
@openapi.definition(summary="A stocktake with its counts and their variances", tag="inventory")
@requires(Permission.INVENTORY_READ)
@answers(Stocktake, errors=(404,))
async def get_stocktake(request: Request, sheet_id: str) -> dict[str, Any]:
    return sheet_view(await request.app.ctx.inventory.stocktakes.sheet(sheet_id))


@bp.put("/stocktakes/<sheet_id:str>/counts")
@openapi.definition(
    summary="Enter or correct counts on an open stocktake (a product counted again replaces its count)",
    body=json_body(CountsBody),
    tag="inventory",
)
@requires(Permission.INVENTORY_WRITE)
@audits("stocktake.count")
@answers(Stocktake, errors=(404, 409))
async def count_stocktake(request: Request, sheet_id: str) -> dict[str, Any]:
    body = parse_body(request, CountsBody)
    counts: dict[str, int] = {}
    for entry in body.counts:
        if entry.product_id in counts:
            raise Refused(400, "bad_request", f"counts: {entry.product_id} is listed twice; give it once")
        counts[entry.product_id] = entry.counted
    ctx = request.app.ctx
    sheet = await ctx.inventory.stocktakes.count(sheet_id, list(counts.items()), actor_of(request))
    await ctx.audit.record("stocktake.count", request=request, target=sheet_id, details={"counts": counts})
    return sheet_view(sheet)


@bp.post("/stocktakes/<sheet_id:str>/post")
@openapi.definition(
    summary="Post a stocktake: each count's variance becomes a movement bearing the counter's name (once: "
    "posting again answers the posted sheet)",
    tag="inventory",
)
@requires(Permission.INVENTORY_WRITE)
@audits("stocktake.post")
@answers(Stocktake, errors=(404, 409))
async def post_stocktake(request: Request, sheet_id: str) -> dict[str, Any]:
    ctx = request.app.ctx
    was = (await ctx.inventory.stocktakes.sheet(sheet_id)).record.state
    sheet = await ctx.inventory.stocktakes.post(sheet_id, actor_of(request))
    if was != "posted":
        variances = {line.product_id: line.variance for line in sheet.lines}
        await ctx.audit.record(
            "stocktake.post", request=request, target=sheet_id, details={"variances": variances}
        )
    return sheet_view(sheet)


# ---- low-stock alerts ---------------------------------------------------------------------------------


class StockAlert(Answer):
    id: str
    branch: str
    product_id: str
    kind: str
    state: str = Field(description="open or acknowledged (resolved ones drop out)")
    message: str
    details: dict[str, Any]
    count: int
    first_at: int
    last_at: int


@bp.get("/alerts")
@openapi.definition(
    summary="A branch's unresolved low-stock alerts, newest first (pushed live as stock.alert)",
    tag="inventory",
)
@requires(Permission.INVENTORY_READ)
@with_query(BranchQuery)
@answers(Page[StockAlert], errors=(404,))
async def list_alerts(request: Request, query: BranchQuery) -> dict[str, Any]:
    ctx = request.app.ctx
    branch = await branch_id(request, query.branch)
    alerts = await ctx.inventory.keeper.alerts.unresolved(branch)
    return {"items": [stock_alert_view(alert) for alert in alerts], "total": len(alerts)}
