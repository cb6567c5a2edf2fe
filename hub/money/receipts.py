"""From ledger transactions and shifts to the printable receipts and shift reports (``hub.receipts``)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from billing.shifts import ShiftSummary
from hub.money.vouchers import grouped
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
from hub.store.ledger import Document
from hub.store.shifts import ShiftRecord


def header(branch: BranchRecord) -> BranchHeader:
    return BranchHeader(
        code=branch.id, name=branch.name, address=branch.address, tax_id=branch.tax_id, phone=branch.phone
    )


def _describe(item: dict[str, Any], language: str, voucher_code: str | None) -> str:
    kind = item.get("kind", "")
    if kind == "product":
        return str(item["name"])
    name = purpose_name(kind, language)
    if kind == "session" and item.get("pc_id"):
        minutes = int(item.get("used_ms") or 0) // 60_000
        return f"{name} {item['pc_id']}" + (f", {minutes // 60}:{minutes % 60:02d}" if minutes else "")
    if kind == "voucher" and voucher_code:
        return f"{name} {grouped(voucher_code)}"
    return name


def receipt_data(
    doc: Document,
    branch: BranchRecord,
    *,
    language: str,
    member_login: str = "",
    voucher_code: str | None = None,
) -> ReceiptData:
    lines = tuple(
        ReceiptLine(
            description=_describe(item, language, voucher_code),
            quantity=int(item["quantity"]),
            unit_price=int(item["unit_price"]),
            total=int(item["total"]),
        )
        for item in doc.get("items", [])
    )
    return ReceiptData(
        branch=header(branch),
        number=int(doc["receipt_no"]),
        kind=doc["kind"],
        purpose=doc.get("purpose") or "",
        method=doc["method"],
        issued_at=int(doc["at"]),
        timezone=branch.timezone,
        language=language,
        currency=doc["currency"],
        lines=lines,
        total=int(doc["amount"]),
        staff=doc.get("staff", ""),
        payment_id=doc["_id"],
        terminal_ref=doc.get("terminal_ref", ""),
        # A voucher spent is shown masked; a voucher sold is printed in full on its line.
        voucher_code=("*" * 8 + doc["voucher_last4"])
        if doc.get("voucher_last4") and not voucher_code
        else "",
        member=member_login,
        # The member's balance right after this transaction, from its sequence.
        balance_after=doc.get("member_after") if doc.get("member_account") else None,
        refund_of=doc.get("refund_of_receipt"),
        reason=doc.get("reason", ""),
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
