"""``hub.money.guest_sessions`` on the real store: what a guest's session costs, and what was paid for it
and kept."""

from __future__ import annotations

import pytest

from hub.errors import Refused
from hub.money.requests import PaymentRequest, RefundRequest
from hub.money.service import MoneyService
from hub.sessions.defaults import DEFAULT_TARIFF
from hub.store import Store
from hub.store.sessions import SessionState
from protocol import SessionKind

from .conftest import DESK, guest_session


async def test_a_guests_price_follows_the_kind_of_session(store: Store, money: MoneyService) -> None:
    await store.tariffs.create(DEFAULT_TARIFF, 0)
    assert (
        await money.guests.price(guest_session("pre", SessionKind.PREPAID, prepaid_minutes=90)) == 1_800_000
    )
    with pytest.raises(Refused) as running:
        await money.guests.price(guest_session("post", SessionKind.POSTPAID))
    assert running.value.code == "session_running"
    ended = guest_session("post", SessionKind.POSTPAID, state=SessionState.ENDED, cost=345_000)
    assert await money.guests.price(ended) == 345_000
    with pytest.raises(Refused) as unpriced:
        await money.guests.price(
            guest_session("lost", SessionKind.PREPAID, prepaid_minutes=30, tariff_id="gone")
        )
    assert unpriced.value.code == "no_price"


async def test_what_was_paid_is_the_payments_less_their_refunds(store: Store, money: MoneyService) -> None:
    await store.tariffs.create(DEFAULT_TARIFF, 0)
    await store.sessions.insert(guest_session("paid", SessionKind.PREPAID, prepaid_minutes=60))
    assert await money.guests.paid("paid") == 0
    request = PaymentRequest(purpose="session", method="cash", session_id="paid")
    payment = await money.payments.pay(request, DESK, "pay-paid")
    assert payment.transaction.amount == 1_200_000  # what was still owed
    await money.refunds.refund(
        payment.transaction.id, RefundRequest(amount=200_000, reason="froze"), DESK, "r"
    )
    assert await money.guests.paid("paid") == 1_000_000


async def test_what_is_owed_is_the_price_less_what_payments_took(store: Store, money: MoneyService) -> None:
    await store.tariffs.create(DEFAULT_TARIFF, 0)
    session = guest_session("owe", SessionKind.PREPAID, prepaid_minutes=60)
    await store.sessions.insert(session)
    assert await money.guests.owed(session) == 1_200_000
    part = PaymentRequest(purpose="session", method="cash", session_id="owe", amount=200_000)
    payment = await money.payments.pay(part, DESK, "pay-owe-part")
    assert await money.guests.owed(session) == 1_000_000
    rest = PaymentRequest(purpose="session", method="cash", session_id="owe")
    await money.payments.pay(rest, DESK, "pay-owe-rest")
    assert await money.guests.owed(session) == 0
    # A refund gives money back; it does not make the session owed again (it was paid).
    await money.refunds.refund(
        payment.transaction.id, RefundRequest(amount=100_000, reason="froze"), DESK, "r-owe"
    )
    assert await money.guests.owed(session) == 0
    # A postpaid session still running owes nothing yet: its price is not known.
    assert await money.guests.owed(guest_session("running", SessionKind.POSTPAID)) is None
