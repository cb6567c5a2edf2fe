"""The pure rules of stock (``billing.stock``): quantities and values follow the movements exactly, nothing
is lost to rounding, taking more than is on hand is refused, a void undoes what it voids, and a period's
activity is the difference of two levels."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.stock import (
    INCOMING,
    OUTGOING,
    REVENUE,
    Change,
    Level,
    OutOfStock,
    ReturnExceedsSale,
    StockError,
    StockKind,
    activity,
    check_change,
    check_return,
    counted_change,
    move,
    value_key,
    void_of,
)

quantities = st.integers(min_value=1, max_value=500)
costs = st.integers(min_value=0, max_value=10**7)


@dataclass(frozen=True)
class Step:
    kind: StockKind
    quantity: int
    unit_cost: int = 0
    revenue: int = 0
    counted: int | None = None


@st.composite
def steps(draw: st.DrawFn) -> Step:
    kind = draw(
        st.sampled_from(
            [
                StockKind.RECEIVED,
                StockKind.SOLD,
                StockKind.RETURNED,
                StockKind.WRITTEN_OFF,
                StockKind.TRANSFER_OUT,
                StockKind.TRANSFER_IN,
                StockKind.COUNTED,
            ]
        )
    )
    if kind is StockKind.COUNTED:
        return Step(kind, 0, counted=draw(st.integers(min_value=0, max_value=1_000)))
    return Step(kind, draw(quantities), draw(costs), draw(st.integers(min_value=0, max_value=10**8)))


def change_for(level: Level, step: Step) -> Change:
    if step.counted is not None:
        return counted_change(level, step.counted)
    if step.kind is StockKind.RECEIVED:
        return Change(step.kind, step.quantity, value=step.quantity * step.unit_cost)
    if step.kind is StockKind.TRANSFER_IN:
        return Change(step.kind, step.quantity, value=step.quantity * step.unit_cost)
    if step.kind in INCOMING:
        return Change(step.kind, step.quantity)
    revenue = step.revenue if step.kind is StockKind.SOLD else 0
    return Change(step.kind, -step.quantity, revenue=revenue)


def run(history: list[Step], *, allow_negative: bool = False) -> tuple[list[Level], list[tuple[Change, int]]]:
    """Apply ``history``; refused movements leave the level as it was. The levels after each step (the
    first is the empty level) and the (change, booked value) of each that was recorded."""
    levels, recorded = [Level()], []
    for at, step in enumerate(history, start=1):
        change = change_for(levels[-1], step)
        try:
            moved = move(levels[-1], change, at=at, allow_negative=allow_negative)
        except OutOfStock:
            assert change.kind in OUTGOING
            assert levels[-1].on_hand + change.quantity < 0
            assert not allow_negative
            continue
        levels.append(moved.level)
        recorded.append((change, moved.value))
    return levels, recorded


@given(st.lists(steps(), max_size=60))
def test_stock_on_hand_is_the_sum_of_its_movements_and_never_negative_unless_allowed(
    history: list[Step],
) -> None:
    levels, recorded = run(history)
    assert levels[-1].on_hand == sum(change.quantity for change, _ in recorded)
    assert all(level.on_hand >= 0 for level in levels)


@given(st.lists(steps(), max_size=60))
def test_stock_value_is_exactly_what_came_in_less_what_went_out(history: list[Step]) -> None:
    """Never below zero, the pool of value is the sum of the values booked: no minor unit is lost or made
    by averaging, and the last unit out takes what is left."""
    levels, recorded = run(history)
    for level in levels:
        assert level.value >= 0
        if level.on_hand <= 0:
            assert level.value == 0
    assert levels[-1].value == sum(value for _, value in recorded)


@given(st.lists(steps(), max_size=60))
def test_the_totals_count_each_kind_and_the_takings_of_sales(history: list[Step]) -> None:
    levels, recorded = run(history)
    last = levels[-1]
    for kind in StockKind:
        if kind is StockKind.VOIDED:
            continue
        moved = [(change, value) for change, value in recorded if change.kind is kind]
        assert last.total(kind.value) == sum(change.quantity for change, _ in moved)
        assert last.total(value_key(kind)) == sum(value for _, value in moved)
    assert last.total(REVENUE) == sum(change.revenue for change, _ in recorded)


@given(st.lists(steps(), max_size=40), st.data())
def test_a_periods_activity_is_the_difference_of_its_two_levels(
    history: list[Step], data: st.DataObject
) -> None:
    levels, recorded = run(history)
    start = data.draw(st.integers(min_value=0, max_value=len(levels) - 1))
    end = data.draw(st.integers(min_value=start, max_value=len(levels) - 1))
    between = recorded[start:end]
    changes = activity(levels[start], levels[end])
    for kind in {change.kind for change, _ in between}:
        assert changes[kind.value] == sum(c.quantity for c, _ in between if c.kind is kind)
    assert changes.get(REVENUE, 0) == sum(c.revenue for c, _ in between)
    assert levels[end].on_hand - levels[start].on_hand == sum(c.quantity for c, _ in between)


@given(st.lists(steps(), max_size=40))
def test_movements_are_strictly_later_than_the_one_before(history: list[Step]) -> None:
    levels, _ = run(history)
    assert all(a.at < b.at for a, b in itertools.pairwise(levels))


def test_a_movement_dated_before_its_predecessor_comes_just_after_it() -> None:
    level = move(Level(), Change(StockKind.RECEIVED, 1, value=10), at=1_000).level
    assert move(level, Change(StockKind.SOLD, -1), at=5).level.at == 1_001


@given(quantities, quantities, costs)
def test_selling_more_than_is_on_hand_is_refused_naming_both(on_hand: int, asked: int, cost: int) -> None:
    level = move(Level(), Change(StockKind.RECEIVED, on_hand, value=on_hand * cost), at=1).level
    sale = Change(StockKind.SOLD, -asked)
    if asked <= on_hand:
        assert move(level, sale, at=2).level.on_hand == on_hand - asked
        return
    with pytest.raises(OutOfStock) as refused:
        move(level, sale, at=2)
    assert (refused.value.on_hand, refused.value.needed) == (on_hand, asked)
    assert f"{on_hand} on hand, {asked} needed" in str(refused.value)


@given(st.lists(steps(), max_size=60))
def test_a_product_that_allows_negative_stock_is_never_refused(history: list[Step]) -> None:
    levels, recorded = run(history, allow_negative=True)
    assert len(recorded) == len(history)
    assert levels[-1].on_hand == sum(change.quantity for change, _ in recorded)
    assert all(level.value >= 0 and (level.on_hand > 0 or level.value == 0) for level in levels)


def test_goods_sold_below_zero_are_expensed_at_the_last_cost_and_the_refill_is_not_stock_twice() -> None:
    level = move(Level(), Change(StockKind.RECEIVED, 2, value=200), at=1).level
    oversold = move(level, Change(StockKind.SOLD, -5), at=2, allow_negative=True)
    assert (oversold.level.on_hand, oversold.level.value, oversold.value) == (-3, 0, -500)
    refilled = move(oversold.level, Change(StockKind.RECEIVED, 5, value=600), at=3)
    # 3 of the 5 fill the gap (expensed already): only the 2 left are stock, at their cost.
    assert (refilled.level.on_hand, refilled.level.value, refilled.level.last_cost) == (2, 240, 120)


@given(st.lists(steps(), max_size=30), quantities, st.integers(min_value=0, max_value=10**6))
def test_voiding_a_sale_puts_back_its_goods_value_and_takings(
    history: list[Step], quantity: int, revenue: int
) -> None:
    levels, _ = run(history)
    before = move(levels[-1], Change(StockKind.RECEIVED, quantity, value=quantity * 7), at=10_000).level
    sold = move(before, Change(StockKind.SOLD, -quantity, revenue=revenue), at=10_001)
    voided = move(sold.level, void_of(StockKind.SOLD, -quantity, sold.value, revenue), at=10_002).level
    assert (voided.on_hand, voided.value) == (before.on_hand, before.value)
    assert voided.total(StockKind.SOLD.value) == before.total(StockKind.SOLD.value)
    assert voided.total(value_key(StockKind.SOLD)) == before.total(value_key(StockKind.SOLD))
    assert voided.total(REVENUE) == before.total(REVENUE)


@given(st.lists(steps(), max_size=30), st.integers(min_value=0, max_value=1_000))
def test_a_count_sets_the_stock_to_what_was_counted(history: list[Step], counted: int) -> None:
    levels, _ = run(history, allow_negative=True)
    change = counted_change(levels[-1], counted)
    assert change.quantity == counted - levels[-1].on_hand
    assert move(levels[-1], change, at=10_000).level.on_hand == counted


@given(st.integers(min_value=0, max_value=50), st.integers(min_value=0, max_value=50), quantities)
def test_returns_never_pass_what_the_sale_took(sold: int, returned: int, asked: int) -> None:
    if returned > sold:
        returned = sold
    if returned + asked <= sold:
        check_return(sold, returned, asked)
        return
    with pytest.raises(ReturnExceedsSale) as refused:
        check_return(sold, returned, asked)
    assert refused.value.left == sold - returned


@pytest.mark.parametrize(
    "change",
    [
        Change(StockKind.RECEIVED, 0),
        Change(StockKind.RECEIVED, -1),
        Change(StockKind.SOLD, 1),
        Change(StockKind.WRITTEN_OFF, 0),
        Change(StockKind.RETURNED, -2),
        Change(StockKind.VOIDED, 1),  # names no kind it undoes
        Change(StockKind.VOIDED, 1, voids=StockKind.VOIDED),
        Change(StockKind.SOLD, -1, voids=StockKind.SOLD),
        Change(StockKind.RECEIVED, 2, value=-1),
        Change(StockKind.SOLD, -2, value=5),
        Change(StockKind.RECEIVED, 1.5),  # type: ignore[arg-type]
    ],
)
def test_malformed_movements_are_refused(change: Change) -> None:
    with pytest.raises(StockError):
        check_change(change)
    with pytest.raises(StockError):
        move(Level(on_hand=10, value=100), change, at=1)


def test_a_count_is_a_whole_number_of_at_least_zero() -> None:
    for bad in (-1, 2.0):
        with pytest.raises(StockError):
            counted_change(Level(), bad)  # type: ignore[arg-type]


def test_a_void_is_not_voided() -> None:
    with pytest.raises(StockError):
        void_of(StockKind.VOIDED, 1, 0)
