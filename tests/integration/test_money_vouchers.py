"""``hub.money.vouchers`` on the real store: a session paid from a voucher at the PC, once, at most what the
voucher holds, and what the session did not use goes back onto it, once."""

from __future__ import annotations

import pytest

from billing.ledger import voucher_account
from hub.errors import Refused
from hub.money.requests import PaymentRequest
from hub.money.service import MoneyService
from hub.sessions.defaults import DEFAULT_TARIFF
from hub.store import Store
from protocol import SessionKind

from .conftest import DESK, guest_session


async def voucher(money: MoneyService, amount: int) -> str:
    sold = await money.payments.pay(
        PaymentRequest(purpose="voucher", method="cash", amount=amount), DESK, "sell"
    )
    code = money.payments.voucher_code(sold.transaction)
    assert code is not None
    return code


async def test_a_session_is_paid_from_a_voucher_once_and_its_unused_value_returns_once(
    store: Store, money: MoneyService
) -> None:
    await store.tariffs.create(DEFAULT_TARIFF, 0)
    code = await voucher(money, 1_000_000)
    found = await money.vouchers.by_code(code)
    assert found is not None
    held, holds = found
    assert holds == 1_000_000
    assert await money.vouchers.by_code("NOSUCHCODE12") is None
    session = guest_session("s-v", SessionKind.PREPAID, prepaid_minutes=60)  # 1 200 000: more than it holds
    await store.sessions.insert(session)
    paid = await money.vouchers.pay_session(session, code, "main")
    assert paid.transaction.amount == 1_000_000  # what it held
    with pytest.raises(Refused) as again:
        await money.vouchers.pay_session(session, code, "main")
    assert again.value.code == "insufficient_balance"  # spent: nothing more to take
    assert await store.ledger.balance(voucher_account(held.id)) == 0
    assert await money.guests.paid("s-v") == 1_000_000
    returned = await money.vouchers.return_unused("s-v", 600_000)  # half an hour used
    assert returned is not None
    assert (returned.refund_of, returned.amount) == (paid.transaction.id, 400_000)
    twice = await money.vouchers.return_unused("s-v", 600_000)
    assert twice is not None
    assert twice.id == returned.id
    assert await store.ledger.balance(voucher_account(held.id)) == 400_000
    assert await money.vouchers.return_unused("s-unpaid", 0) is None  # not paid from a voucher
