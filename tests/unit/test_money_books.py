"""``hub.money.books``: the ledger's refusals said as the API's, and how a retry is told from a key reused
for another request."""

from __future__ import annotations

import pytest

from billing.ledger import CapExceeded, InsufficientFunds, LedgerError, transfer
from hub.errors import Refused
from hub.money.books import fingerprint, refusal, same_request
from hub.store.transactions import LedgerTransaction, TxKind


@pytest.mark.parametrize(
    ("error", "kind", "status", "code", "message"),
    [
        (
            InsufficientFunds("member:m1", 500, 800),
            TxKind.PAYMENT,
            402,
            "insufficient_balance",
            "the balance holds 5 so'm, 8 so'm is needed",
        ),
        (
            InsufficientFunds("voucher:v1", 0, 100),
            TxKind.PAYMENT,
            402,
            "insufficient_balance",
            "the voucher holds 0 so'm",
        ),
        (
            CapExceeded(1_000, 600, 500),
            TxKind.REFUND,
            409,
            "refund_exceeds_payment",
            "only 4 so'm of 10 so'm is left to refund",
        ),
        (
            CapExceeded(1_000, 600, 500),
            TxKind.PAYMENT,
            409,
            "overpayment",
            "only 4 so'm of 10 so'm is left to pay",
        ),
        (
            LedgerError("a posting's lines must sum to zero"),
            TxKind.PAYMENT,
            400,
            "bad_request",
            "sum to zero",
        ),
    ],
)
def test_a_broken_ledger_rule_is_one_refusal_with_a_status_and_a_code(
    error: LedgerError, kind: TxKind, status: int, code: str, message: str
) -> None:
    refused = refusal(error, kind, "UZS")
    assert (refused.status, refused.code) == (status, code)
    assert message in str(refused)


def test_a_retry_is_the_same_request_a_reused_key_is_not() -> None:
    body = {"purpose": "topup", "amount": 100, "member_id": "m1"}
    assert fingerprint(body) == fingerprint(dict(reversed(body.items())))  # key order does not matter
    first = LedgerTransaction.new(
        TxKind.PAYMENT,
        idem="payment:main:k1",
        purpose="topup",
        amount=100,
        currency="UZS",
        branch="main",
        posting=transfer("cash:main", "member:m1", 100),
        fingerprint=fingerprint(body),
    )
    assert same_request(first, fingerprint(body)) is first
    with pytest.raises(Refused) as reused:
        same_request(first, fingerprint(body | {"amount": 200}))
    assert (reused.value.status, reused.value.code) == (422, "idempotency_key_reused")
