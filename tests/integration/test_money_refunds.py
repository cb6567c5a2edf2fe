"""``hub.money.refunds`` on the real store: refunds go back where the money came from, never total more
than the payment, and a retry answers the first refund."""

from __future__ import annotations

import pytest

from billing.ledger import AccountKind, branch_account, member_account
from hub.errors import Refused
from hub.money.requests import PaymentRequest, RefundRequest
from hub.money.service import MoneyService
from hub.store import MemberRecord, Store
from hub.store.transactions import TxKind

from .conftest import DESK


async def cash_top_up(store: Store, money: MoneyService, amount: int) -> str:
    assert await store.members.create(MemberRecord("r1", "r1", "", "x", 0))
    request = PaymentRequest(purpose="topup", method="cash", amount=amount, member_id="r1")
    return (await money.payments.pay(request, DESK, "top-up")).transaction.id


async def test_refunds_never_total_more_than_the_payment(store: Store, money: MoneyService) -> None:
    paid = await cash_top_up(store, money, 10_000)
    first = await money.refunds.refund(paid, RefundRequest(amount=6_000, reason="half back"), DESK, "r-a")
    tx = first.transaction
    assert (tx.kind, tx.refund_of, tx.refund_of_receipt, tx.amount) == (TxKind.REFUND, paid, 1, 6_000)
    with pytest.raises(Refused) as over:
        await money.refunds.refund(paid, RefundRequest(amount=4_001, reason="too much"), DESK, "r-b")
    assert (over.value.status, over.value.code) == (409, "refund_exceeds_payment")
    assert "only 40" in str(over.value)  # names what earlier refunds left, not the whole payment
    await money.refunds.refund(paid, RefundRequest(amount=4_000, reason="the rest"), DESK, "r-c")
    assert await store.ledger.balance(member_account("r1")) == 0
    assert await store.ledger.balance(branch_account(AccountKind.CASH, "main")) == 0  # paid out
    with pytest.raises(Refused) as again:
        await money.refunds.refund(tx.id, RefundRequest(amount=1, reason="refund a refund"), DESK, "r-d")
    assert again.value.code == "not_refundable"
    with pytest.raises(Refused) as unknown:
        await money.refunds.payment("no-such-payment")
    assert unknown.value.status == 404


async def test_a_retried_refund_answers_the_first_and_a_reused_key_is_refused(
    store: Store, money: MoneyService
) -> None:
    paid = await cash_top_up(store, money, 3_000)
    request = RefundRequest(amount=1_000, reason="changed their mind")
    assert await money.refunds.replay(paid, request, "once") is None
    first = await money.refunds.refund(paid, request, DESK, "once")
    replayed = await money.refunds.replay(paid, request, "once")
    assert replayed is not None
    assert (replayed.created, replayed.transaction.id) == (False, first.transaction.id)
    with pytest.raises(Refused) as reused:
        await money.refunds.refund(paid, request.model_copy(update={"amount": 2_000}), DESK, "once")
    assert reused.value.code == "idempotency_key_reused"
    assert await store.ledger.balance(member_account("r1")) == 2_000
