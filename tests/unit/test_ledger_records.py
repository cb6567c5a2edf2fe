"""``hub.store.transactions``: a ledger transaction reads back exactly as it was written, with the places
the ledger gave it in its sequences, and a document that is not a whole transaction is refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from billing.ledger import LedgerError, transfer
from hub.store.transactions import (
    LedgerTransaction,
    Position,
    Slot,
    TxItem,
    TxKind,
    position_fields,
)


def sale() -> LedgerTransaction:
    return LedgerTransaction.new(
        TxKind.PAYMENT,
        idem="payment:main:k1",
        purpose="sale",
        amount=1_600,
        currency="UZS",
        branch="main",
        posting=transfer("member:m1", "revenue:products:main", 1_600),
        method="balance",
        staff="aziz",
        member_id="m1",
        payer="m1",
        items=(TxItem("product", 2, 800, 1_600, product_id="cola", name="Cola"),),
    )


def test_a_transaction_reads_back_as_written_with_its_positions() -> None:
    tx = sale()
    stored = tx.to_document()
    assert "shift_id" not in stored  # nothing stored for what a transaction does not have
    assert stored["items"] == [
        {
            "kind": "product",
            "quantity": 2,
            "unit_price": 800,
            "total": 1_600,
            "product_id": "cola",
            "name": "Cola",
        }
    ]
    member, receipt = Position("member:m1", 7, 400), Position("main", 42)
    stored |= position_fields(Slot.MEMBER, member) | position_fields(Slot.RECEIPT, receipt)
    back = LedgerTransaction.from_document(stored)
    assert back == replace(tx, positions={Slot.MEMBER: member, Slot.RECEIPT: receipt})
    assert (back.receipt_no, back.receipt_label, back.balance_after) == (42, "main-000042", 400)
    assert back.position(Slot.VOUCHER) is None


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda doc: doc.pop("amount"), KeyError),
        (lambda doc: doc.update(kind="gift"), ValueError),
        (lambda doc: doc.update(lines=[{"account": "cash:main", "amount": 5}]), LedgerError),
    ],
)
def test_a_document_that_is_not_a_whole_transaction_is_refused(
    damage: object, error: type[Exception]
) -> None:
    doc = sale().to_document()
    damage(doc)  # type: ignore[operator]
    with pytest.raises(error):
        LedgerTransaction.from_document(doc)
