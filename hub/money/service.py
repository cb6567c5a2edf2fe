"""The money service: one door for the API, the MQTT handlers and the session projection, in front of
one module per operation (each posts one ledger transaction, once per idempotency key):

- ``hub.money.payments``: taking a payment (top-up, guest session, sale, voucher sold);
- ``hub.money.refunds``: giving all or part of one back;
- ``hub.money.charges``: a member's ended session charged to their balance, manual adjustments;
- ``hub.money.vouchers``: a session paid from a voucher at the PC, its unused value returned;
- ``hub.money.guest_sessions``: what a guest's session costs and what was paid for it;
- ``hub.money.books``: what they share (branches, posting, refusals, idempotency, the live feed);
- ``hub.inventory.keeper``: the goods a sale takes from stock and a refund puts back.
"""

from __future__ import annotations

from billing.ledger import member_account
from hub.alerts import StockAlerts
from hub.inventory.keeper import StockKeeper
from hub.live import LiveState
from hub.money.books import Books
from hub.money.charges import BalanceCharges
from hub.money.guest_sessions import GuestSessions
from hub.money.payments import Payments
from hub.money.refunds import Refunds
from hub.money.requests import PaymentRequest, RefundRequest, Staff
from hub.money.vouchers import VoucherSessions
from hub.receipts.model import UnpaidSession
from hub.security.crypto import FieldCipher
from hub.store import Store
from hub.store.branches import BranchRecord
from hub.store.ledger import PostResult
from hub.store.sessions import SessionRecord
from hub.store.transactions import LedgerTransaction
from hub.store.vouchers import VoucherRecord


class MoneyService:
    def __init__(self, store: Store, live: LiveState, cipher: FieldCipher, default_branch: str) -> None:
        self._store = store
        self.books = Books(store, live, default_branch)
        self.guests = GuestSessions(store)
        self.stock = StockKeeper(store, StockAlerts(store.alerts, live))
        self.payments = Payments(store, self.books, self.guests, cipher, self.stock)
        self.refunds = Refunds(store, self.books, self.stock)
        self.charges = BalanceCharges(store, self.books)
        self.vouchers = VoucherSessions(store, self.guests, self.payments, self.refunds)

    @property
    def default_branch(self) -> str:
        return self.books.default_branch

    # ---- reading ------------------------------------------------------------------------------------

    async def branch(self, branch_id: str | None) -> BranchRecord:
        return await self.books.branch(branch_id)

    async def balance(self, member_id: str) -> int:
        return await self._store.ledger.balance(member_account(member_id))

    async def balances(self, member_ids: list[str]) -> dict[str, int]:
        by_account = await self._store.ledger.balances([member_account(m) for m in member_ids])
        return {m: by_account[member_account(m)] for m in member_ids}

    async def payment(self, payment_id: str) -> LedgerTransaction:
        return await self.refunds.payment(payment_id)

    def voucher_code(self, tx: LedgerTransaction) -> str | None:
        return self.payments.voucher_code(tx)

    async def session_paid(self, session_id: str) -> int:
        return await self.guests.paid(session_id)

    async def unpaid_guest_sessions(self, staff: str, since: int, until: int | None) -> list[UnpaidSession]:
        return await self.guests.unpaid_started_by(staff, since, until)

    # ---- operations ---------------------------------------------------------------------------------

    async def pay(self, request: PaymentRequest, staff: Staff, key: str) -> PostResult:
        return await self.payments.pay(request, staff, key)

    async def refund_replay(self, payment_id: str, request: RefundRequest, key: str) -> PostResult | None:
        return await self.refunds.replay(payment_id, request, key)

    async def refund(self, payment_id: str, request: RefundRequest, staff: Staff, key: str) -> PostResult:
        return await self.refunds.refund(payment_id, request, staff, key)

    async def voucher_by_code(self, code: str) -> tuple[VoucherRecord, int] | None:
        return await self.vouchers.by_code(code)

    async def pay_session_from_voucher(self, session: SessionRecord, code: str, branch_id: str) -> PostResult:
        return await self.vouchers.pay_session(session, code, branch_id)

    async def return_unused_voucher_value(self, session_id: str, cost: int) -> LedgerTransaction | None:
        return await self.vouchers.return_unused(session_id, cost)

    async def charge_session(
        self, session_id: str, member_id: str, cost: int, branch_id: str
    ) -> LedgerTransaction | None:
        return await self.charges.charge_session(session_id, member_id, cost, branch_id)

    async def adjust(
        self, member_id: str, amount: int, *, reason: str, key: str, staff: str, branch_id: str | None = None
    ) -> PostResult:
        return await self.charges.adjust(
            member_id, amount, reason=reason, key=key, staff=staff, branch_id=branch_id
        )
