"""The double-entry rules of the ledger: accounts, balanced postings, refunds, and what must never go
below zero. Pure: the hub's store persists what these functions decide.

Every movement of money or prepaid value is a *posting*: lines of (account, amount) in minor units that
sum to zero. A positive amount is a debit, a negative one a credit. Accounts that hold what the cafe has
(cash in the drawer, card-terminal takings, refunds paid out, unpaid session time) are *debit-normal*:
their balance is the sum of their lines. Accounts that hold what the cafe owes or has earned (a member's
prepaid balance, a voucher's value, revenue, adjustments) are *credit-normal*: their balance is minus the
sum. So a cash top-up of 10 000 is ``cash +10 000, member -10 000``: the drawer and the member's balance
both grow by 10 000, and the ledger still sums to zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class LedgerError(ValueError):
    """A posting that breaks a rule of the ledger; nothing was recorded."""


class InsufficientFunds(LedgerError):
    def __init__(self, account: str, balance: int, needed: int) -> None:
        super().__init__(f"{account} holds {balance}, {needed} needed")
        self.account, self.balance, self.needed = account, balance, needed


class CapExceeded(LedgerError):
    """More than is left under a cap: refunds beyond what was paid, payments beyond a session's cost."""

    def __init__(self, limit: int, used: int, asked: int) -> None:
        super().__init__(f"{asked} asked, but only {limit - used} of {limit} is left")
        self.limit, self.used, self.asked = limit, used, asked

    @property
    def left(self) -> int:
        return self.limit - self.used


class AccountKind(StrEnum):
    """The first part of an account id ``kind:rest``."""

    MEMBER = "member"  # a member's prepaid balance (credit-normal, never below zero)
    VOUCHER = "voucher"  # a prepaid voucher's remaining value (credit-normal, never below zero)
    CASH = "cash"  # a branch's cash drawer
    CARD = "card"  # takings on a branch's standalone card terminal, to be settled by the bank
    ONLINE = "online"  # takings through an online gateway, per provider and branch
    REVENUE = "revenue"  # what the cafe has earned: revenue:<time|products>:<branch>
    REFUNDS = "refunds"  # revenue given back (a contra-revenue account)
    UNCOLLECTED = "uncollected"  # session time used beyond a member's balance: owed to the cafe
    ADJUSTMENTS = "adjustments"  # manual credits and debits, demo credit, imported opening balances


CREDIT_NORMAL = frozenset(
    {AccountKind.MEMBER, AccountKind.VOUCHER, AccountKind.REVENUE, AccountKind.ADJUSTMENTS}
)
# Value held for a customer: spending it can never take it below zero.
GUARDED = frozenset({AccountKind.MEMBER, AccountKind.VOUCHER})


def kind_of(account: str) -> AccountKind:
    head = account.split(":", 1)[0]
    try:
        return AccountKind(head)
    except ValueError:
        raise LedgerError(f"unknown account kind in {account!r}") from None


def member_account(member_id: str) -> str:
    return f"{AccountKind.MEMBER}:{member_id}"


def voucher_account(voucher_id: str) -> str:
    return f"{AccountKind.VOUCHER}:{voucher_id}"


def branch_account(kind: AccountKind, branch: str) -> str:
    return f"{kind}:{branch}"


def revenue_account(stream: str, branch: str) -> str:
    """``stream`` is what was earned: "time" (PC sessions) or "products"."""
    return f"{AccountKind.REVENUE}:{stream}:{branch}"


def balance_of(account: str, line_sum: int) -> int:
    """The balance people read, from the plain sum of the account's lines."""
    return -line_sum if kind_of(account) in CREDIT_NORMAL else line_sum


@dataclass(frozen=True)
class Line:
    account: str
    amount: int  # > 0 debit, < 0 credit


@dataclass(frozen=True)
class Posting:
    """Balanced lines; at most one member balance and one voucher among them (the store keeps each
    guarded account's transactions in one sequence, one slot per kind)."""

    lines: tuple[Line, ...]

    def __post_init__(self) -> None:
        if len(self.lines) < 2:
            raise LedgerError("a posting needs at least two lines")
        for line in self.lines:
            if type(line.amount) is not int or line.amount == 0:
                raise LedgerError(f"line amounts are non-zero integers, got {line.amount!r}")
            kind_of(line.account)
        if sum(line.amount for line in self.lines) != 0:
            raise LedgerError("a posting's lines must sum to zero")
        kinds = [kind_of(account) for account in self.guarded_changes()]
        if len(kinds) != len(set(kinds)):
            raise LedgerError("a posting touches at most one member balance and one voucher")

    def guarded_changes(self) -> dict[str, int]:
        """How this posting changes each guarded account's balance (the store keeps them in sequence)."""
        changes: dict[str, int] = {}
        for line in self.lines:
            if kind_of(line.account) in GUARDED:
                changes[line.account] = changes.get(line.account, 0) - line.amount  # credit-normal
        return changes

    def guarded_spends(self) -> dict[str, int]:
        """The guarded accounts this posting takes value from, and how much (a debit of a credit-normal
        account lowers its balance)."""
        spends: dict[str, int] = {}
        for line in self.lines:
            if line.amount > 0 and kind_of(line.account) in GUARDED:
                spends[line.account] = spends.get(line.account, 0) + line.amount
        return spends

    def amount_for(self, account: str) -> int:
        return sum(line.amount for line in self.lines if line.account == account)

    def to_documents(self) -> list[dict[str, int | str]]:
        return [{"account": line.account, "amount": line.amount} for line in self.lines]

    @classmethod
    def from_documents(cls, documents: Iterable[Mapping[str, object]]) -> Posting:
        return cls(tuple(Line(str(d["account"]), int(d["amount"])) for d in documents))  # type: ignore[call-overload]


def transfer(source: str, destination: str, amount: int) -> Posting:
    """Value moves from ``source`` (where the customer's money comes from: the drawer, the card terminal,
    a member's balance) to ``destination`` (a balance topped up, revenue earned)."""
    if amount <= 0:
        raise LedgerError(f"amounts are positive, got {amount}")
    return Posting((Line(source, amount), Line(destination, -amount)))


def session_charge(member: str, revenue: str, uncollected: str, cost: int, balance: int) -> Posting:
    """A member's used session time: taken from their balance as far as it goes; the rest (time used
    after a concurrent spend emptied the balance) is owed to the cafe, never a negative balance."""
    if cost <= 0:
        raise LedgerError(f"a charge is positive, got {cost}")
    covered = max(0, min(cost, balance))
    lines = [Line(member, covered)] if covered else []
    if cost > covered:
        lines.append(Line(uncollected, cost - covered))
    lines.append(Line(revenue, -cost))
    return Posting(tuple(lines))


def refund_posting(payment: Posting, source: str, destination: str, refunds: str, amount: int) -> Posting:
    """Give back ``amount`` of a payment that moved value from ``source`` to ``destination``.

    The money returns to where it came from (the drawer pays out, a member's balance is credited back).
    Revenue is never edited: what was earned stays, and the refund is booked on the ``refunds``
    contra-account. A top-up or voucher refund takes the value back from that balance, which must still
    hold it."""
    paid = payment.amount_for(source)
    if paid <= 0 or payment.amount_for(destination) != -paid:
        raise LedgerError("the payment did not move value from source to destination")
    if amount <= 0:
        raise LedgerError(f"a refund is positive, got {amount}")
    if amount > paid:
        raise CapExceeded(paid, 0, amount)
    taken_back = refunds if kind_of(destination) is AccountKind.REVENUE else destination
    return Posting((Line(taken_back, amount), Line(source, -amount)))


def check_spend(account: str, balance: int, spend: int) -> None:
    """A guarded account must hold what is taken from it."""
    if spend > balance:
        raise InsufficientFunds(account, balance, spend)


def check_cap(limit: int, used: int, amount: int) -> None:
    """What a capped sequence holds never exceeds its limit (a payment's refunds never exceed what was
    paid)."""
    if amount <= 0 or used + amount > limit:
        raise CapExceeded(limit, used, amount)


def trial_balance(postings: Iterable[Posting]) -> dict[str, int]:
    """Each account's line sum over ``postings``; a correct ledger's sums add up to zero."""
    sums: dict[str, int] = {}
    for posting in postings:
        for line in posting.lines:
            sums[line.account] = sums.get(line.account, 0) + line.amount
    return sums
