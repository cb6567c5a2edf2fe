"""What moves a member's balance without a payment at the desk: the charge of an ended session, and a
manual adjustment by staff."""

from __future__ import annotations

import logging

from billing.ledger import (
    AccountKind,
    InsufficientFunds,
    branch_account,
    member_account,
    revenue_account,
    session_charge,
    transfer,
)
from hub.errors import Refused
from hub.locale import money_text
from hub.money.books import Books
from hub.store import Store
from hub.store.ledger import LedgerBusy, PostResult
from hub.store.transactions import LedgerTransaction, TxKind

log = logging.getLogger(__name__)

MAX_CHARGE_ATTEMPTS = 20


class BalanceCharges:
    def __init__(self, store: Store, books: Books) -> None:
        self._store = store
        self._books = books

    async def charge_session(
        self, session_id: str, member_id: str, cost: int, branch_id: str
    ) -> LedgerTransaction | None:
        """Charge a member's ended session once (the session id is the key). The balance pays as far as it
        goes; anything beyond is booked as uncollected, never as a negative balance."""
        if cost <= 0:
            return None
        member = member_account(member_id)
        currency = await self._books.currency(branch_id)
        for _ in range(MAX_CHARGE_ATTEMPTS):
            balance = await self._store.ledger.balance(member)
            posting = session_charge(
                member,
                revenue_account("time", branch_id),
                branch_account(AccountKind.UNCOLLECTED, branch_id),
                cost,
                balance,
            )
            tx = LedgerTransaction.new(
                TxKind.CHARGE,
                idem=f"session:{session_id}",
                purpose="session",
                amount=cost,
                currency=currency,
                branch=branch_id,
                posting=posting,
                method="balance",
                uncollected=cost - posting.guarded_spends().get(member, 0),
                member_id=member_id,
                session_id=session_id,
            )
            try:
                result = await self._store.ledger.post(tx)
            except InsufficientFunds:
                continue  # a concurrent spend: price against the new balance
            if result.created and result.transaction.uncollected:
                log.warning(
                    "session %s: %d could not be charged to %s", session_id, tx.uncollected, member_id
                )
            return result.transaction
        raise LedgerBusy(f"could not charge session {session_id}; the balance keeps changing")

    async def adjust(
        self, member_id: str, amount: int, *, reason: str, key: str, staff: str, branch_id: str | None = None
    ) -> PostResult:
        """A manual credit (> 0) or debit (< 0) of a member's balance, against the adjustments account."""
        if amount == 0:
            raise Refused(400, "bad_request", "an adjustment is not zero")
        branch = branch_id or self._books.default_branch
        member, adjustments = member_account(member_id), branch_account(AccountKind.ADJUSTMENTS, branch)
        currency = await self._books.currency(branch)
        credit = amount > 0
        posting = transfer(adjustments, member, amount) if credit else transfer(member, adjustments, -amount)
        tx = LedgerTransaction.new(
            TxKind.ADJUSTMENT,
            idem=f"adjustment:{key}",
            purpose="adjustment",
            amount=abs(amount),
            currency=currency,
            branch=branch,
            posting=posting,
            direction="credit" if credit else "debit",
            member_id=member_id,
            staff=staff,
            reason=reason,
        )
        try:
            return await self._store.ledger.post(tx)
        except InsufficientFunds as exc:
            holds = money_text(exc.balance, currency)
            raise Refused(402, "insufficient_balance", f"the balance holds only {holds}") from None
