"""The ledger's pure rules: balanced postings, balances per account kind, refunds, charges, shifts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.ledger import (
    AccountKind,
    CapExceeded,
    InsufficientFunds,
    LedgerError,
    Line,
    Posting,
    balance_of,
    branch_account,
    check_cap,
    check_spend,
    member_account,
    refund_posting,
    revenue_account,
    session_charge,
    transfer,
    trial_balance,
    voucher_account,
)
from billing.shifts import Movement, summarize

CASH = branch_account(AccountKind.CASH, "main")
CARD = branch_account(AccountKind.CARD, "main")
REFUNDS = branch_account(AccountKind.REFUNDS, "main")
UNCOLLECTED = branch_account(AccountKind.UNCOLLECTED, "main")
TIME = revenue_account("time", "main")
PRODUCTS = revenue_account("products", "main")
AZIZ = member_account("aziz")

amounts = st.integers(min_value=1, max_value=10**12)


def test_a_cash_top_up_grows_the_drawer_and_the_balance_alike() -> None:
    posting = transfer(CASH, AZIZ, 1_000_000)
    sums = trial_balance([posting])
    assert balance_of(CASH, sums[CASH]) == 1_000_000
    assert balance_of(AZIZ, sums[AZIZ]) == 1_000_000
    assert sum(sums.values()) == 0
    assert posting.guarded_spends() == {}


def test_spending_a_balance_is_a_guarded_spend() -> None:
    posting = transfer(AZIZ, PRODUCTS, 800_000)
    assert posting.guarded_spends() == {AZIZ: 800_000}
    assert posting.guarded_changes() == {AZIZ: -800_000}
    assert balance_of(PRODUCTS, trial_balance([posting])[PRODUCTS]) == 800_000


def test_a_voucher_redeemed_into_a_balance_changes_both() -> None:
    voucher = voucher_account("v")
    posting = transfer(voucher, AZIZ, 500)
    assert posting.guarded_changes() == {voucher: -500, AZIZ: 500}
    assert posting.guarded_spends() == {voucher: 500}


@pytest.mark.parametrize(
    "lines",
    [
        (Line(CASH, 5),),
        (Line(CASH, 5), Line(AZIZ, -4)),
        (Line(CASH, 0), Line(AZIZ, 0)),
        (Line(CASH, 5), Line("bitcoin:main", -5)),
        (Line(AZIZ, 5), Line(member_account("b"), 5), Line(CASH, -10)),
    ],
    ids=["one line", "unbalanced", "zero lines", "unknown account kind", "two member balances"],
)
def test_postings_that_break_a_rule_are_refused(lines: tuple[Line, ...]) -> None:
    with pytest.raises(LedgerError):
        Posting(lines)


def test_amounts_must_be_integers() -> None:
    with pytest.raises(LedgerError):
        Posting((Line(CASH, 1.5), Line(AZIZ, -1.5)))  # type: ignore[arg-type]
    with pytest.raises(LedgerError):
        transfer(CASH, AZIZ, 0)


@given(cost=amounts, balance=st.integers(min_value=-(10**6), max_value=10**12))
def test_a_session_charge_never_takes_a_balance_below_zero_and_books_all_revenue(
    cost: int, balance: int
) -> None:
    posting = session_charge(AZIZ, TIME, UNCOLLECTED, cost, balance)
    taken = posting.guarded_spends().get(AZIZ, 0)
    assert 0 <= taken <= max(balance, 0)
    assert balance_of(TIME, posting.amount_for(TIME)) == cost
    assert taken + posting.amount_for(UNCOLLECTED) == cost
    assert taken == min(cost, max(balance, 0))


@given(paid=amounts, data=st.data())
def test_a_refund_returns_money_where_it_came_from_and_books_it_as_refunds(
    paid: int, data: st.DataObject
) -> None:
    amount = data.draw(st.integers(min_value=1, max_value=paid))
    sale = transfer(CASH, PRODUCTS, paid)
    refund = refund_posting(sale, CASH, PRODUCTS, REFUNDS, amount)
    sums = trial_balance([sale, refund])
    assert balance_of(CASH, sums[CASH]) == paid - amount
    assert balance_of(PRODUCTS, sums[PRODUCTS]) == paid  # revenue is never edited
    assert balance_of(REFUNDS, sums[REFUNDS]) == amount
    assert sum(sums.values()) == 0


def test_refunding_a_top_up_takes_the_value_back_from_the_balance() -> None:
    top_up = transfer(CARD, AZIZ, 500)
    refund = refund_posting(top_up, CARD, AZIZ, REFUNDS, 200)
    assert refund.guarded_spends() == {AZIZ: 200}
    assert balance_of(AZIZ, trial_balance([top_up, refund])[AZIZ]) == 300


def test_a_refund_above_the_payment_or_of_the_wrong_accounts_is_refused() -> None:
    sale = transfer(CASH, PRODUCTS, 100)
    with pytest.raises(CapExceeded):
        refund_posting(sale, CASH, PRODUCTS, REFUNDS, 101)
    with pytest.raises(LedgerError):
        refund_posting(sale, CARD, PRODUCTS, REFUNDS, 50)


@given(limit=amounts, data=st.data())
def test_a_cap_admits_exactly_what_is_left(limit: int, data: st.DataObject) -> None:
    used = data.draw(st.integers(min_value=0, max_value=limit))
    asked = data.draw(st.integers(min_value=1, max_value=limit * 2))
    if used + asked <= limit:
        check_cap(limit, used, asked)
    else:
        with pytest.raises(CapExceeded) as refused:
            check_cap(limit, used, asked)
        assert refused.value.left == limit - used


def test_a_guarded_account_must_hold_what_is_spent() -> None:
    check_spend(AZIZ, 100, 100)
    with pytest.raises(InsufficientFunds) as refused:
        check_spend(AZIZ, 99, 100)
    assert (refused.value.balance, refused.value.needed) == (99, 100)


movements = st.builds(
    Movement,
    kind=st.sampled_from(["payment", "refund"]),
    method=st.sampled_from(["cash", "card", "balance", "voucher"]),
    purpose=st.sampled_from(["topup", "sale", "session", "voucher"]),
    amount=st.integers(min_value=1, max_value=10**9),
)


@given(opening=st.integers(min_value=0, max_value=10**9), moves=st.lists(movements, max_size=30))
def test_a_shift_expects_the_float_plus_what_came_in_minus_what_went_out(
    opening: int, moves: list[Movement]
) -> None:
    signed = [
        Movement(m.kind, m.method, m.purpose, m.amount if m.kind == "payment" else -m.amount) for m in moves
    ]
    summary = summarize(opening, signed, {"cash": opening, "card": 0})
    expected = summary.expected()
    assert expected["cash"] == opening + sum(m.amount for m in signed if m.method == "cash")
    assert expected["card"] == sum(m.amount for m in signed if m.method == "card")
    assert summary.payments + summary.refunds == len(moves)
    assert summary.refunds_total == sum(m.amount for m in moves if m.kind == "refund")
    assert sum(total for _, total in summary.by_purpose) == sum(m.amount for m in signed)
    cash = next(line for line in summary.methods if line.method == "cash")
    assert cash.difference == opening - expected["cash"]
    assert [line.method for line in summary.methods][:2] == ["cash", "card"]
    assert all(line.counted is None for line in summary.methods if line.method in ("balance", "voucher"))
