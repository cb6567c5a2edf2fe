"""``hub.money.payments`` on the real store: a payment is one ledger transaction per idempotency key, its
money goes where its purpose says, and what the branch's rules forbid is refused before anything moves."""

from __future__ import annotations

import pytest

from billing.ledger import member_account, voucher_account
from hub.errors import Refused
from hub.money.methods import code_hash
from hub.money.requests import PaymentRequest, SaleItem, Staff
from hub.money.service import MoneyService
from hub.store import MemberRecord, ProductRecord, Store
from hub.store.transactions import TxKind

from .conftest import DESK

NO_SHIFT = Staff(user_id="no-shift", username="no-shift")


async def member(store: Store, member_id: str) -> str:
    assert await store.members.create(MemberRecord(member_id, member_id, "", "x", 0))
    return member_id


async def test_a_top_up_is_one_transaction_however_often_its_key_is_sent(
    store: Store, money: MoneyService
) -> None:
    aziz = await member(store, "aziz")
    request = PaymentRequest(purpose="topup", method="cash", amount=5_000, member_id=aziz)
    first = await money.payments.pay(request, DESK, "key-1")
    again = await money.payments.pay(request, DESK, "key-1")
    assert (first.created, again.created, again.transaction.id) == (True, False, first.transaction.id)
    tx = first.transaction
    assert (tx.kind, tx.method, tx.amount, tx.receipt_no, tx.shift_id) == (
        TxKind.PAYMENT,
        "cash",
        5_000,
        1,
        "shift",
    )
    assert tx.balance_after == 5_000
    assert await store.ledger.balance(member_account(aziz)) == 5_000
    with pytest.raises(Refused) as reused:
        await money.payments.pay(request.model_copy(update={"amount": 6_000}), DESK, "key-1")
    assert (reused.value.status, reused.value.code) == (422, "idempotency_key_reused")


async def test_a_retry_gets_the_first_answer_even_when_it_would_be_refused_now(
    store: Store, money: MoneyService
) -> None:
    """A top-up's key is checked by the ledger's insert, not read first; a retry that meets what changed
    since its first attempt (here its shift closed) is still answered with the first transaction, while a
    new payment is refused."""
    aziz = await member(store, "aziz-retry")
    request = PaymentRequest(purpose="topup", method="cash", amount=700, member_id=aziz)
    first = await money.payments.pay(request, DESK, "before-close")
    assert await store.shifts.close("shift", counted={}, expected={}, at=1, by="desk", note="")
    again = await money.payments.pay(request, DESK, "before-close")
    assert (again.created, again.transaction.id) == (False, first.transaction.id)
    with pytest.raises(Refused) as refused:
        await money.payments.pay(request, DESK, "after-close")
    assert refused.value.code == "shift_required"
    with pytest.raises(Refused) as reused:  # a key reused for another request, refused now or not
        await money.payments.pay(request.model_copy(update={"amount": 800}), DESK, "before-close")
    assert reused.value.code == "idempotency_key_reused"
    assert await store.ledger.balance(member_account(aziz)) == 700


async def test_cash_needs_the_cashiers_open_shift_a_balance_does_not(
    store: Store, money: MoneyService
) -> None:
    aziz = await member(store, "aziz2")
    await money.payments.pay(
        PaymentRequest(purpose="topup", method="cash", amount=900, member_id=aziz), DESK, "k"
    )
    with pytest.raises(Refused) as refused:
        await money.payments.pay(
            PaymentRequest(purpose="topup", method="cash", amount=1, member_id=aziz), NO_SHIFT, "k2"
        )
    assert refused.value.code == "shift_required"
    await store.products.create(ProductRecord("tea", "Tea", 300))
    sale = PaymentRequest(
        purpose="sale", method="balance", member_id=aziz, items=[SaleItem(product_id="tea", quantity=2)]
    )
    paid = await money.payments.pay(sale, NO_SHIFT, "k3")
    assert (paid.transaction.amount, paid.transaction.shift_id) == (600, None)
    assert await store.ledger.balance(member_account(aziz)) == 300


async def test_a_sale_is_priced_from_the_catalogue(store: Store, money: MoneyService) -> None:
    await store.products.create(ProductRecord("cola", "Cola", 800))
    await store.products.create(ProductRecord("old", "Old", 100, active=False))
    cola = SaleItem(product_id="cola", quantity=3)
    with pytest.raises(Refused) as changed:
        await money.payments.pay(
            PaymentRequest(purpose="sale", method="cash", items=[cola], amount=2_000), DESK, "s1"
        )
    assert changed.value.code == "price_changed"
    old = SaleItem(product_id="old", quantity=1)
    with pytest.raises(Refused) as gone:
        await money.payments.pay(PaymentRequest(purpose="sale", method="cash", items=[old]), DESK, "s2")
    assert (gone.value.status, gone.value.code) == (404, "not_found")
    sold = await money.payments.pay(PaymentRequest(purpose="sale", method="cash", items=[cola]), DESK, "s3")
    (line,) = sold.transaction.items
    assert (line.kind, line.name, line.quantity, line.unit_price, line.total) == (
        "product",
        "Cola",
        3,
        800,
        2_400,
    )


async def test_a_voucher_sold_holds_what_was_paid_and_cannot_buy_a_voucher(
    store: Store, money: MoneyService
) -> None:
    sold = await money.payments.pay(
        PaymentRequest(purpose="voucher", method="cash", amount=7_000), DESK, "v1"
    )
    code = money.payments.voucher_code(sold.transaction)
    assert code is not None
    voucher = await store.vouchers.by_code_hash(code_hash(code))
    assert voucher is not None
    assert (voucher.id, voucher.value, voucher.last4) == (sold.transaction.id, 7_000, code[-4:])
    assert await store.ledger.balance(voucher_account(voucher.id)) == 7_000
    with pytest.raises(Refused) as refused:
        await money.payments.pay(
            PaymentRequest(purpose="voucher", method="voucher", amount=1, voucher_code=code), DESK, "v2"
        )
    assert refused.value.code == "bad_method"
