"""From ledger transactions and shifts to the printable receipts and shift reports (``hub.receipts``)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from billing.shifts import ShiftSummary
from hub.money.voucher_codes import grouped
from hub.receipts.model import (
    BranchHeader,
    Layout,
    MethodTotals,
    ReceiptData,
    ReceiptLine,
    ShiftReportData,
    UnpaidSession,
)
from hub.receipts.render import render_receipt, render_shift_report
from hub.receipts.texts import purpose_name
from hub.store.branches import BranchRecord
from hub.store.shifts import ShiftRecord
from hub.store.transactions import LedgerTransaction, TxItem


def header(branch: BranchRecord) -> BranchHeader:
    return BranchHeader(
        code=branch.id, name=branch.name, address=branch.address, tax_id=branch.tax_id, phone=branch.phone
    )


def _describe(item: TxItem, language: str, voucher_code: str | None) -> str:
    if item.kind == "product":
        return item.name or ""
    name = purpose_name(item.kind, language)
    if item.kind == "session" and item.pc_id:
        minutes = (item.used_ms or 0) // 60_000
        return f"{name} {item.pc_id}" + (f", {minutes // 60}:{minutes % 60:02d}" if minutes else "")
    if item.kind == "voucher" and voucher_code:
        return f"{name} {grouped(voucher_code)}"
    return name


def receipt_data(
    tx: LedgerTransaction,
    branch: BranchRecord,
    *,
    language: str,
    member_login: str = "",
    voucher_code: str | None = None,
) -> ReceiptData:
    if tx.receipt_no is None:
        raise ValueError(f"transaction {tx.id} has no receipt")
    lines = tuple(
        ReceiptLine(
            description=_describe(item, language, voucher_code),
            quantity=item.quantity,
            unit_price=item.unit_price,
            total=item.total,
        )
        for item in tx.items
    )
    return ReceiptData(
        branch=header(branch),
        number=tx.receipt_no,
        kind=tx.kind.value,
        purpose=tx.purpose,
        method=tx.method or "",
        issued_at=tx.at,
        timezone=branch.timezone,
        language=language,
        currency=tx.currency,
        lines=lines,
        total=tx.amount,
        staff=tx.staff or "",
        payment_id=tx.id,
        terminal_ref=tx.terminal_ref or "",
        # A voucher spent is shown masked; a voucher sold is printed in full on its line.
        voucher_code=("*" * 8 + tx.voucher_last4) if tx.voucher_last4 and not voucher_code else "",
        member=member_login,
        # The member's balance right after this transaction, from its sequence.
        balance_after=tx.balance_after,
        refund_of=tx.refund_of_receipt,
        reason=tx.reason or "",
    )


def shift_report_data(
    shift: ShiftRecord,
    summary: ShiftSummary,
    branch: BranchRecord,
    *,
    language: str,
    unpaid: Sequence[UnpaidSession] = (),
) -> ShiftReportData:
    return ShiftReportData(
        branch=header(branch),
        shift_id=shift.id,
        cashier=shift.cashier,
        opened_at=shift.opened_at,
        closed_at=shift.closed_at or 0,
        timezone=branch.timezone,
        language=language,
        currency=branch.currency,
        opening_float=shift.opening_float,
        methods=tuple(MethodTotals(m.method, m.expected, m.counted) for m in summary.methods),
        payments_count=summary.payments,
        refunds_count=summary.refunds,
        refunds_total=summary.refunds_total,
        note=shift.note,
        closed_by=shift.closed_by,
        by_purpose=summary.by_purpose,
        unpaid_sessions=tuple(unpaid),
    )


async def receipt_pdf(data: ReceiptData, layout: Layout) -> bytes:
    # reportlab is CPU work: off the event loop.
    return await asyncio.to_thread(render_receipt, data, layout)


async def shift_report_pdf(data: ShiftReportData, layout: Layout) -> bytes:
    return await asyncio.to_thread(render_shift_report, data, layout)
