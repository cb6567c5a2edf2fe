"""``hub.money.charges`` on the real store: a member's ended session is charged once, never below zero, and
staff adjust a balance by hand exactly once per key."""

from __future__ import annotations

import asyncio

import pytest

from billing.ledger import AccountKind, branch_account, member_account, revenue_account
from hub.errors import Refused
from hub.money.service import MoneyService
from hub.store import Store
from hub.store.transactions import TxKind


async def test_a_session_charge_takes_what_the_balance_holds_and_books_the_rest_uncollected(
    store: Store, money: MoneyService
) -> None:
    await money.charges.adjust("c1", 700, reason="opening", key="c1-open", staff="t")
    charges = await asyncio.gather(
        *(money.charges.charge_session("s-c1", "c1", 1_000, "main") for _ in range(3))
    )
    assert len({charge.id for charge in charges if charge}) == 1  # charged once
    charge = charges[0]
    assert charge is not None
    assert (charge.kind, charge.amount, charge.uncollected, charge.session_id) == (
        TxKind.CHARGE,
        1_000,
        300,
        "s-c1",
    )
    assert await store.ledger.balance(member_account("c1")) == 0
    assert await store.ledger.balance(branch_account(AccountKind.UNCOLLECTED, "main")) == 300
    assert await store.ledger.balance(revenue_account("time", "main")) == 1_000
    assert (
        await money.charges.charge_session("s-free", "c1", 0, "main") is None
    )  # nothing used, nothing posted


async def test_an_adjustment_credits_or_debits_once_and_never_below_zero(
    store: Store, money: MoneyService
) -> None:
    credit = await money.charges.adjust("c2", 500, reason="welcome", key="c2-1", staff="manager")
    assert (credit.transaction.direction, credit.transaction.amount) == ("credit", 500)
    assert not (await money.charges.adjust("c2", 500, reason="welcome", key="c2-1", staff="manager")).created
    debit = await money.charges.adjust("c2", -200, reason="correction", key="c2-2", staff="manager")
    assert (debit.transaction.direction, debit.transaction.amount) == ("debit", 200)
    with pytest.raises(Refused) as short:
        await money.charges.adjust("c2", -301, reason="too much", key="c2-3", staff="manager")
    assert (short.value.status, short.value.code) == (402, "insufficient_balance")
    with pytest.raises(Refused) as zero:
        await money.charges.adjust("c2", 0, reason="nothing", key="c2-4", staff="manager")
    assert zero.value.status == 400
    assert await store.ledger.balance(member_account("c2")) == 300
