"""Vouchers at the PC: a customer logs in with a voucher's code, the session's minutes are paid from it
at once, and what the session did not use goes back onto it when it ends. Both are ordinary ledger
transactions (a payment by the ``voucher`` method, its refund), each once per session."""

from __future__ import annotations

import logging

from billing.ledger import voucher_account
from hub.errors import Refused
from hub.money.guest_sessions import GuestSessions
from hub.money.methods import code_hash
from hub.money.payments import Payments
from hub.money.refunds import Refunds
from hub.money.requests import PaymentRequest, RefundRequest, Staff
from hub.store import HistoryFilter, Store
from hub.store.ledger import PostResult
from hub.store.sessions import SessionRecord
from hub.store.transactions import LedgerTransaction, TxKind
from hub.store.vouchers import VoucherRecord

log = logging.getLogger(__name__)

SYSTEM = Staff(user_id="system", username="system")


class VoucherSessions:
    def __init__(self, store: Store, guests: GuestSessions, payments: Payments, refunds: Refunds) -> None:
        self._store = store
        self._guests = guests
        self._payments = payments
        self._refunds = refunds

    async def by_code(self, code: str) -> tuple[VoucherRecord, int] | None:
        """The voucher with ``code`` and what it holds, or None for an unknown code."""
        voucher = await self._store.vouchers.by_code_hash(code_hash(code))
        if voucher is None:
            return None
        return voucher, await self._store.ledger.balance(voucher_account(voucher.id))

    async def pay_session(self, session: SessionRecord, code: str, branch_id: str) -> PostResult:
        """The session's minutes paid from the voucher (at most what it holds), exactly once per session."""
        found = await self.by_code(code)
        if found is None:
            raise Refused(404, "voucher_not_found", "no voucher has that code")
        voucher, balance = found
        amount = min(await self._guests.price(session), balance)
        if amount <= 0:  # spent elsewhere since the login was checked
            raise Refused(402, "insufficient_balance", "the voucher holds nothing")
        branch = await self._store.branches.get(branch_id)
        request = PaymentRequest(
            purpose="session",
            method="voucher",
            voucher_code=code,
            session_id=session.id,
            amount=amount,
            branch=branch.id if branch else None,
        )
        payer = Staff(user_id=f"voucher:{voucher.id}", username=f"voucher:{voucher.last4}")
        return await self._payments.pay(request, payer, f"voucher-session:{session.id}")

    async def return_unused(self, session_id: str, cost: int) -> LedgerTransaction | None:
        """At the end of a session paid from a voucher, what the customer did not use goes back onto the
        voucher (a refund of that payment, once per session)."""
        paid = await self._store.ledger.find(
            HistoryFilter(kind=TxKind.PAYMENT, method="voucher", purpose="session", session_id=session_id)
        )
        if not paid:
            return None
        payment = paid[0]
        unused = min(sum(p.amount for p in paid) - cost, payment.amount)
        if unused <= 0:
            return None
        request = RefundRequest(amount=unused, reason="unused time returned to the voucher")
        try:
            result = await self._refunds.refund(payment.id, request, SYSTEM, f"unused:{session_id}")
        except Refused as exc:
            log.warning("session %s: could not return %d to its voucher: %s", session_id, unused, exc)
            return None
        return result.transaction
