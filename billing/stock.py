"""The rules of stock: what a movement does to a product's stock at a branch, what it is worth, and what
is refused. Pure: the hub's store keeps each product's movements at a branch in one sequence and asks
these functions for the level after each.

A *level* is the state after a movement: the quantity on hand, its value at weighted average cost, the
last purchase cost, and running totals since the first movement (quantity and value per kind, and the
takings of sales), so any period's activity is the difference of two levels and needs no scan.

Value is kept as a pool in minor units rather than as an average price, so nothing is lost to rounding:
goods received add their cost to the pool; goods taken out take their share of it (all of it with the
last unit); goods returned or counted in without a cost come in at the current average (the last
purchase cost when there is none). Stock sold below zero (a product that allows it) is expensed at the
last purchase cost; the goods that later fill that gap are not added to the pool.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class StockKind(StrEnum):
    RECEIVED = "received"  # in from a supplier, with a unit cost
    SOLD = "sold"  # out with a sale at the front desk
    RETURNED = "returned"  # back in with a refund
    WRITTEN_OFF = "written_off"  # out, broken or expired, with a reason
    TRANSFER_OUT = "transfer_out"  # out to another branch
    TRANSFER_IN = "transfer_in"  # in from another branch, at the value the other branch took out
    COUNTED = "counted"  # a stocktake's variance, either way (zero when the count agreed)
    VOIDED = "voided"  # undoes a sale's or a transfer's movement whose operation did not complete


INCOMING = frozenset({StockKind.RECEIVED, StockKind.RETURNED, StockKind.TRANSFER_IN})
# Taking more than is on hand is refused for these unless the product allows negative stock.
OUTGOING = frozenset({StockKind.SOLD, StockKind.WRITTEN_OFF, StockKind.TRANSFER_OUT})
REVENUE = "revenue"  # the totals' key for the takings of sales


class StockError(ValueError):
    """A movement that breaks a rule of stock; nothing was recorded."""


class OutOfStock(StockError):
    def __init__(self, on_hand: int, needed: int) -> None:
        super().__init__(f"{max(on_hand, 0)} on hand, {needed} needed")
        self.on_hand, self.needed = on_hand, needed


class ReturnExceedsSale(StockError):
    def __init__(self, sold: int, returned: int, asked: int) -> None:
        super().__init__(f"{asked} asked back, but only {sold - returned} of {sold} sold is left to return")
        self.sold, self.returned, self.asked = sold, returned, asked

    @property
    def left(self) -> int:
        return self.sold - self.returned


def value_key(kind: StockKind) -> str:
    """The totals' key for the value moved by movements of ``kind``."""
    return f"{kind.value}_value"


_NO_TOTALS: Mapping[str, int] = MappingProxyType({})


@dataclass(frozen=True)
class Level:
    """A product's stock at a branch right after a movement (the empty level before the first)."""

    on_hand: int = 0
    value: int = 0  # minor units, at weighted average cost; 0 whenever on_hand <= 0
    last_cost: int = 0  # the unit cost of the last receipt
    at: int = 0  # when the movement happened (epoch ms), strictly increasing along the sequence
    # Since the first movement: quantity per kind (signed: out is negative), value per kind
    # (``value_key``), and the takings of sales (``REVENUE``). A voided movement's share is taken back
    # from its own kind, so ``sold`` counts only sales that happened.
    totals: Mapping[str, int] = field(default_factory=lambda: _NO_TOTALS)

    @property
    def average_cost(self) -> int:
        """The unit cost stock is valued at now (the last purchase cost when none is on hand)."""
        return self.value // self.on_hand if self.on_hand > 0 else self.last_cost

    def total(self, key: str) -> int:
        return self.totals.get(key, 0)


@dataclass(frozen=True)
class Change:
    """What a movement does: ``quantity`` is signed (+ into stock, - out of it)."""

    kind: StockKind
    quantity: int
    value: int | None = None  # value coming in (received: quantity x unit cost); None: at the average
    revenue: int = 0  # a sale's takings for these goods (negative when voiding one)
    voids: StockKind | None = None  # a voided movement's kind


@dataclass(frozen=True)
class Moved:
    level: Level
    value: int  # the value this movement booked: + brought in, - taken out (at cost)


def check_change(change: Change) -> None:
    """The sign a kind's quantity must have, and what a void must say."""
    kind, quantity = change.kind, change.quantity
    if type(quantity) is not int:
        raise StockError(f"a quantity is an integer, got {quantity!r}")
    if kind in INCOMING and quantity <= 0:
        raise StockError(f"{kind} brings stock in: a positive quantity, got {quantity}")
    if kind in OUTGOING and quantity >= 0:
        raise StockError(f"{kind} takes stock out: a negative quantity, got {quantity}")
    if kind is StockKind.VOIDED and (quantity == 0 or change.voids in (None, StockKind.VOIDED)):
        raise StockError("a void names the kind it undoes and moves something")
    if kind is not StockKind.VOIDED and change.voids is not None:
        raise StockError("only a void names a kind it undoes")
    if change.value is not None and (change.value < 0 or quantity <= 0):
        raise StockError("only goods coming in carry a value, and it is not negative")


def move(level: Level, change: Change, *, at: int, allow_negative: bool = False) -> Moved:
    """The level after ``change``, at ``at`` (or just after the previous movement, if the clock says
    earlier). Raises :class:`OutOfStock` when an outgoing kind takes more than is on hand and the
    product does not allow negative stock."""
    check_change(change)
    quantity = change.quantity
    before = level.on_hand
    after = before + quantity
    if change.kind in OUTGOING and after < 0 and not allow_negative:
        raise OutOfStock(before, -quantity)
    last_cost = level.last_cost
    if quantity < 0:
        taken = min(-quantity, max(before, 0))  # units that were on hand; the rest go below zero
        from_pool = _share(level.value, taken, before)
        booked = -(from_pool + (-quantity - taken) * level.last_cost)
        value = level.value - from_pool
    elif quantity > 0:
        brought = change.value if change.value is not None else level.average_cost * quantity
        # Units filling a gap below zero were expensed when they were sold: only the rest is stock.
        value = level.value + brought if before >= 0 else brought * max(after, 0) // quantity
        booked = brought
        if change.kind is StockKind.RECEIVED:
            last_cost = brought // quantity
    else:
        booked, value = 0, level.value
    if after <= 0:
        value = 0
    totals = dict(level.totals)
    counted_as = change.voids if change.voids is not None else change.kind
    totals[counted_as.value] = totals.get(counted_as.value, 0) + quantity
    totals[value_key(counted_as)] = totals.get(value_key(counted_as), 0) + booked
    if change.revenue:
        totals[REVENUE] = totals.get(REVENUE, 0) + change.revenue
    moved_at = max(at, level.at + 1)
    return Moved(Level(after, value, last_cost, moved_at, MappingProxyType(totals)), booked)


def _share(value: int, taken: int, on_hand: int) -> int:
    """The value of ``taken`` of ``on_hand`` units worth ``value``: all of it with the last unit."""
    if taken <= 0:
        return 0
    return value if taken >= on_hand else value * taken // on_hand


def counted_change(level: Level, counted: int) -> Change:
    """A stocktake's movement: the variance between what was counted and what the record says."""
    if type(counted) is not int or counted < 0:
        raise StockError(f"a count is zero or more, got {counted!r}")
    return Change(StockKind.COUNTED, counted - level.on_hand)


def void_of(kind: StockKind, quantity: int, value: int, revenue: int = 0) -> Change:
    """The movement that undoes one of ``kind`` that moved ``quantity`` and booked ``value``: the same
    goods back (or out again) at the value they moved at."""
    if kind is StockKind.VOIDED:
        raise StockError("a void is not voided")
    if quantity < 0:  # it took goods out: they come back at what they were taken out at
        return Change(StockKind.VOIDED, -quantity, value=-value, revenue=-revenue, voids=kind)
    return Change(StockKind.VOIDED, -quantity, revenue=-revenue, voids=kind)


def check_return(sold: int, returned: int, asked: int) -> None:
    """Goods returned with refunds never exceed what the payment sold."""
    if asked <= 0 or returned + asked > sold:
        raise ReturnExceedsSale(sold, returned, asked)


def activity(start: Level, end: Level) -> dict[str, int]:
    """What happened between two levels of one sequence: each total's change."""
    keys = set(start.totals) | set(end.totals)
    return {key: end.total(key) - start.total(key) for key in sorted(keys)}
