"""What a receipt and a shift report say, independent of layout and language.

The money service fills these from the ledger and the branch's settings; ``hub.receipts.render`` turns
them into PDF. Amounts are integers in minor units of ``currency``; times are epoch milliseconds shown in
the branch's ``timezone``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Layout(StrEnum):
    A4 = "a4"
    THERMAL = "thermal"  # 80 mm roll paper, 72 mm printable


@dataclass(frozen=True)
class BranchHeader:
    code: str  # the branch (site) id, printed with the receipt number: "main-000042"
    name: str
    address: str
    tax_id: str
    phone: str = ""


@dataclass(frozen=True)
class ReceiptLine:
    description: str  # already in the receipt's language (a product name, "Top-up", "PC session ...")
    quantity: int
    unit_price: int
    total: int


@dataclass(frozen=True)
class ReceiptData:
    branch: BranchHeader
    number: int  # per branch, without gaps
    kind: str  # "payment" | "refund"
    purpose: str  # "topup" | "session" | "sale" | "voucher"
    method: str  # "cash" | "card" | "balance" | "voucher"
    issued_at: int
    timezone: str
    language: str  # "uz" | "ru" | "en"
    currency: str
    lines: tuple[ReceiptLine, ...]
    total: int
    staff: str
    payment_id: str
    # A card payment: the terminal's approval reference (never a card number).
    terminal_ref: str = ""
    # A payment by voucher, or a voucher sold: its code, shown masked except the last 4 characters.
    voucher_code: str = ""
    member: str = ""  # the member's login, for top-ups and balance payments
    balance_after: int | None = None  # the member's balance after a top-up or balance payment
    # A refund: the receipt number it refunds and why.
    refund_of: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class MethodTotals:
    method: str
    expected: int
    counted: int | None  # None for methods not counted (balance, voucher)

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


@dataclass(frozen=True)
class UnpaidSession:
    """A guest session the cashier started in the shift that is not (fully) paid: time off the books?"""

    pc_id: str
    owed: int
    paid: int
    session_id: str = ""


@dataclass(frozen=True)
class ShiftReportData:
    branch: BranchHeader
    shift_id: str
    cashier: str
    opened_at: int
    closed_at: int
    timezone: str
    language: str
    currency: str
    opening_float: int
    methods: tuple[MethodTotals, ...]  # cash first
    payments_count: int
    refunds_count: int
    refunds_total: int
    note: str = ""
    closed_by: str = ""
    # Per purpose (topup, session, sale, voucher): net amount taken in the shift.
    by_purpose: tuple[tuple[str, int], ...] = field(default_factory=tuple)
    unpaid_sessions: tuple[UnpaidSession, ...] = field(default_factory=tuple)
