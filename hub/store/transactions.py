"""A ledger transaction as the hub reads and writes it: one record type for payments, refunds, session
charges and adjustments, built by one constructor for the fields they share.

The ledger adds two things when it posts a transaction (``hub.store.ledger``): its place in each sequence
it extends (:class:`Position`: a member's or voucher's balance, a capped sequence, the branch's receipt
numbers) and the unique claims that keep those sequences from forking, which only the store reads.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal

from billing.ledger import Posting
from hub.clock import now_ms

Document = dict[str, Any]


class TxKind(StrEnum):
    PAYMENT = "payment"  # money taken at the desk (or from a balance or voucher)
    REFUND = "refund"  # money given back against a payment
    CHARGE = "charge"  # a member's ended session, from their balance
    ADJUSTMENT = "adjustment"  # a manual credit or debit of a member's balance


class Slot(StrEnum):
    """The sequences a transaction can take a place in; a posting touches at most one of each."""

    MEMBER = "member"  # a member's balance: key the account, running the balance after
    VOUCHER = "voucher"  # a voucher's value: key the account, running the value after
    CAP = "cap"  # a capped sequence: key names it, running the total so far
    RECEIPT = "receipt"  # a branch's receipt numbers: key the branch


# Each slot's stored fields: (key, number, running). Flat, so each can carry its own index.
SLOT_FIELDS: dict[Slot, tuple[str, str, str | None]] = {
    Slot.MEMBER: ("member_account", "member_seq", "member_after"),
    Slot.VOUCHER: ("voucher_account", "voucher_seq", "voucher_after"),
    Slot.CAP: ("cap_key", "cap_seq", "cap_total"),
    Slot.RECEIPT: ("receipt_branch", "receipt_no", None),
}


@dataclass(frozen=True)
class Position:
    """Where a transaction stands in one sequence: its ``number`` there, and the sequence's running value
    right after it (a balance, a capped total; None for receipt numbers)."""

    key: str
    number: int
    running: int | None = None


@dataclass(frozen=True)
class TxItem:
    """One line of the receipt: a product sold, the time paid for, a top-up or voucher."""

    kind: str
    quantity: int
    unit_price: int
    total: int
    product_id: str | None = None
    name: str | None = None
    pc_id: str | None = None  # time paid for: where
    used_ms: int | None = None  # and how long it ran

    @classmethod
    def single(cls, kind: str, amount: int) -> TxItem:
        # Described at print time, in the receipt's language.
        return cls(kind=kind, quantity=1, unit_price=amount, total=amount)

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> TxItem:
        return cls(
            kind=str(doc.get("kind", "")),
            quantity=int(doc["quantity"]),
            unit_price=int(doc["unit_price"]),
            total=int(doc["total"]),
            product_id=doc.get("product_id"),
            name=doc.get("name"),
            pc_id=doc.get("pc_id"),
            used_ms=doc.get("used_ms"),
        )

    def to_document(self) -> Document:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class StockLine:
    """Goods a transaction moves: a sale's tracked products out of stock (a negative quantity), a
    refund's returned to the shelf (positive). ``hub.inventory`` posts the stock movements from these,
    and reconciles them after a crash."""

    product_id: str
    quantity: int

    def to_document(self) -> Document:
        return {"product_id": self.product_id, "quantity": self.quantity}

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> StockLine:
        return cls(product_id=str(doc["product_id"]), quantity=int(doc["quantity"]))


@dataclass(frozen=True)
class LedgerTransaction:
    id: str
    idem: str  # the idempotency key: one transaction per key, ever
    kind: TxKind
    purpose: str  # topup, session, sale, voucher; adjustment; import
    amount: int  # minor units, > 0
    currency: str
    branch: str
    at: int  # epoch ms
    posting: Posting  # the balanced lines
    method: str | None = None  # cash, card, balance, voucher
    fingerprint: str | None = None  # of the request, to refuse a key reused for another one
    staff: str | None = None
    staff_id: str | None = None
    shift_id: str | None = None
    member_id: str | None = None
    session_id: str | None = None
    items: tuple[TxItem, ...] = ()
    stock: tuple[StockLine, ...] = ()  # goods it moves in or out of stock
    source: str | None = None  # the account the money came from
    destination: str | None = None  # and went to
    terminal_ref: str | None = None  # a card payment's approval
    payer: str | None = None  # a member paying from their balance
    voucher_id: str | None = None  # the voucher spent, or sold
    voucher_last4: str | None = None
    voucher_code_enc: str | None = None  # a sold voucher's code, sealed (``hub.security.crypto``)
    refund_of: str | None = None  # a refund's payment
    refund_of_receipt: int | None = None
    reason: str | None = None
    uncollected: int | None = None  # a charge's part the balance could not pay
    direction: Literal["credit", "debit"] | None = None  # an adjustment's
    # Set by the ledger when it posts the transaction:
    positions: Mapping[Slot, Position] = field(default_factory=dict)

    @classmethod
    def new(
        cls,
        kind: TxKind,
        *,
        idem: str,
        purpose: str,
        amount: int,
        currency: str,
        branch: str,
        posting: Posting,
        tx_id: str | None = None,
        **details: Any,
    ) -> LedgerTransaction:
        """A transaction to post, stamped now, with a fresh id unless it needed one earlier (:func:`new_id`:
        a voucher's account is named after the transaction selling it); ``details`` are the kind's own
        fields."""
        return cls(
            id=tx_id or new_id(),
            idem=idem,
            kind=kind,
            purpose=purpose,
            amount=amount,
            currency=currency,
            branch=branch,
            at=now_ms(),
            posting=posting,
            **details,
        )

    def position(self, slot: Slot) -> Position | None:
        return self.positions.get(slot)

    @property
    def receipt_no(self) -> int | None:
        receipt = self.positions.get(Slot.RECEIPT)
        return receipt.number if receipt else None

    @property
    def receipt_label(self) -> str | None:
        """The receipt's number as printed: ``<branch>-000042``."""
        number = self.receipt_no
        return f"{self.branch}-{number:06d}" if number else None

    @property
    def balance_after(self) -> int | None:
        """The member's balance right after this transaction, if it touched one."""
        member = self.positions.get(Slot.MEMBER)
        return member.running if member else None

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> LedgerTransaction:
        """Raises KeyError, ValueError or TypeError (``billing.ledger.LedgerError`` for its lines) on a
        document that is not a whole transaction."""
        optional = {name: doc.get(name) for name in _OPTIONAL}
        return cls(
            id=str(doc["_id"]),
            idem=str(doc["idem"]),
            kind=TxKind(doc["kind"]),
            purpose=str(doc.get("purpose") or ""),
            amount=int(doc["amount"]),
            currency=str(doc.get("currency") or ""),
            branch=str(doc["branch"]),
            at=int(doc["at"]),
            posting=Posting.from_documents(doc["lines"]),
            items=tuple(TxItem.from_document(item) for item in doc.get("items") or ()),
            stock=tuple(StockLine.from_document(line) for line in doc.get("stock") or ()),
            positions=positions_of(doc),
            **optional,
        )

    def to_document(self) -> Document:
        """The stored form, without the positions (the ledger claims them as it inserts)."""
        doc: Document = {
            "_id": self.id,
            "idem": self.idem,
            "kind": self.kind.value,
            "purpose": self.purpose,
            "amount": self.amount,
            "currency": self.currency,
            "branch": self.branch,
            "at": self.at,
            "lines": self.posting.to_documents(),
        }
        if self.items:
            doc["items"] = [item.to_document() for item in self.items]
        if self.stock:
            doc["stock"] = [line.to_document() for line in self.stock]
        for name in _OPTIONAL:
            value = getattr(self, name)
            if value is not None:
                doc[name] = value
        return doc


def new_id() -> str:
    return uuid.uuid4().hex


_OPTIONAL = (
    "method",
    "fingerprint",
    "staff",
    "staff_id",
    "shift_id",
    "member_id",
    "session_id",
    "source",
    "destination",
    "terminal_ref",
    "payer",
    "voucher_id",
    "voucher_last4",
    "voucher_code_enc",
    "refund_of",
    "refund_of_receipt",
    "reason",
    "uncollected",
    "direction",
)


def positions_of(doc: Mapping[str, Any]) -> dict[Slot, Position]:
    """The sequence positions stored on a document (all of them, or a head read's projection)."""
    positions: dict[Slot, Position] = {}
    for slot, (key, number, running) in SLOT_FIELDS.items():
        if doc.get(key) is not None and doc.get(number) is not None:
            value = doc.get(running) if running else None
            positions[slot] = Position(
                str(doc[key]), int(doc[number]), int(value) if value is not None else None
            )
    return positions


def position_fields(slot: Slot, position: Position) -> Document:
    key, number, running = SLOT_FIELDS[slot]
    fields: Document = {key: position.key, number: position.number}
    if running is not None:
        fields[running] = position.running
    return fields
