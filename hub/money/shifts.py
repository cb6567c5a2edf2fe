"""Cashier shifts: open with a counted float; close with a blind count.

Blind means the cashier types what is in the drawer (and the card terminal's batch total) before the hub
says what it expected; the expected figures stay hidden from the cashier while the shift is open. The
close stores both, and the difference is on the report for the manager to see.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from billing.shifts import COUNTED_METHODS, Movement, ShiftSummary, summarize
from hub.clock import now_ms
from hub.errors import Refused
from hub.money.requests import Staff
from hub.store import Store
from hub.store.branches import BranchRecord
from hub.store.ledger import HistoryFilter
from hub.store.shifts import OPEN, ShiftRecord
from hub.store.transactions import TxKind


class ShiftService:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def open(self, branch: BranchRecord, staff: Staff, opening_float: int) -> ShiftRecord:
        shift = ShiftRecord(
            id=uuid.uuid4().hex,
            branch=branch.id,
            cashier_id=staff.user_id,
            cashier=staff.username,
            opened_at=now_ms(),
            opening_float=opening_float,
        )
        if not await self._store.shifts.open(shift):
            raise Refused(409, "shift_open", "you already have an open shift at this branch; close it first")
        return shift

    async def get(self, shift_id: str) -> ShiftRecord:
        shift = await self._store.shifts.get(shift_id)
        if shift is None:
            raise Refused(404, "not_found", f"shift {shift_id!r} not found")
        return shift

    async def summary(self, shift: ShiftRecord, counted: Mapping[str, int] | None = None) -> ShiftSummary:
        movements = [
            Movement(
                kind=tx.kind.value,
                method=tx.method or "",
                purpose=tx.purpose,
                amount=tx.amount if tx.kind is TxKind.PAYMENT else -tx.amount,
            )
            for tx in await self._store.ledger.find(HistoryFilter(shift_id=shift.id))
            if tx.kind in (TxKind.PAYMENT, TxKind.REFUND)
        ]
        return summarize(shift.opening_float, movements, counted if counted is not None else shift.counted)

    async def close(
        self, shift: ShiftRecord, branch: BranchRecord, staff: Staff, counted: Mapping[str, int], note: str
    ) -> tuple[ShiftRecord, ShiftSummary]:
        if shift.state != OPEN:
            raise Refused(409, "shift_closed", "this shift is already closed")
        needed = [m for m in COUNTED_METHODS if m in branch.payment_methods]
        missing = [m for m in needed if m not in counted]
        if missing:
            raise Refused(400, "count_required", f"count every drawer before closing: {', '.join(missing)}")
        unknown = sorted(set(counted) - set(needed))
        if unknown:
            raise Refused(400, "bad_request", f"these methods are not counted: {', '.join(unknown)}")
        summary = await self.summary(shift, counted)
        closed = await self._store.shifts.close(
            shift.id,
            counted=dict(counted),
            expected=summary.expected(),
            at=now_ms(),
            by=staff.username,
            note=note,
        )
        if not closed:
            raise Refused(409, "shift_closed", "this shift was closed meanwhile")
        return await self.get(shift.id), summary
