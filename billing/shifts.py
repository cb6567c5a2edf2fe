"""A cashier shift's reconciliation: what should be in the drawer (and on the card terminal's batch)
against what was counted. Pure: the hub feeds it the shift's ledger movements."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Methods whose takings a cashier counts at close: the cash in the drawer, the card terminal's batch
# total. Balance and voucher payments move no physical money.
COUNTED_METHODS = ("cash", "card")


@dataclass(frozen=True)
class Movement:
    """One transaction of the shift as seen by its drawer: ``amount`` is signed, money in > 0."""

    kind: str  # "payment" | "refund"
    method: str
    purpose: str
    amount: int


@dataclass(frozen=True)
class MethodLine:
    method: str
    expected: int
    counted: int | None

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


@dataclass(frozen=True)
class ShiftSummary:
    methods: tuple[MethodLine, ...]
    payments: int
    refunds: int
    refunds_total: int
    by_purpose: tuple[tuple[str, int], ...]

    def expected(self) -> dict[str, int]:
        return {line.method: line.expected for line in self.methods}


def summarize(
    opening_float: int, movements: Iterable[Movement], counted: Mapping[str, int] | None = None
) -> ShiftSummary:
    """Expected takings per method (cash includes the opening float), the counted figures when given,
    and net totals per purpose. Methods never used still appear when they are counted ones."""
    expected: dict[str, int] = dict.fromkeys(COUNTED_METHODS, 0)
    expected["cash"] = opening_float
    purposes: dict[str, int] = {}
    payments = refunds = refunds_total = 0
    for movement in movements:
        expected[movement.method] = expected.get(movement.method, 0) + movement.amount
        purposes[movement.purpose] = purposes.get(movement.purpose, 0) + movement.amount
        if movement.kind == "refund":
            refunds += 1
            refunds_total += -movement.amount
        else:
            payments += 1
    counted = counted or {}
    lines = tuple(
        MethodLine(method, amount, counted.get(method) if method in COUNTED_METHODS else None)
        for method, amount in sorted(expected.items(), key=lambda item: _method_order(item[0]))
    )
    return ShiftSummary(lines, payments, refunds, refunds_total, tuple(sorted(purposes.items())))


def _method_order(method: str) -> tuple[int, str]:
    return (COUNTED_METHODS.index(method) if method in COUNTED_METHODS else len(COUNTED_METHODS), method)
