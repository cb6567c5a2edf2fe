"""Taking a payment: a top-up, a guest's session, a product sale or a voucher sold, by any method the
branch takes (``hub.money.methods``), as one ledger transaction posted once per idempotency key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from billing.ledger import (
    GUARDED,
    InsufficientFunds,
    check_spend,
    kind_of,
    member_account,
    revenue_account,
    transfer,
    voucher_account,
)
from hub.errors import Refused
from hub.inventory.keeper import Actor, StockKeeper
from hub.locale import money_text
from hub.money.amounts import MAX_AMOUNT
from hub.money.books import Books, fingerprint, refusal, same_request
from hub.money.guest_sessions import GuestSessions, session_key
from hub.money.methods import Tender, code_hash, method
from hub.money.requests import PaymentRequest, Staff
from hub.money.voucher_codes import new_voucher_code
from hub.security.crypto import FieldCipher, field_aad
from hub.store import Store
from hub.store.branches import BranchRecord
from hub.store.ledger import CapClaim, PostResult
from hub.store.locks import KeyedLocks
from hub.store.sessions import GUEST_KINDS
from hub.store.transactions import LedgerTransaction, StockLine, TxItem, TxKind, new_id
from hub.store.vouchers import VoucherRecord


@dataclass(frozen=True)
class Destination:
    """Where a payment's money goes, how much, and what the receipt lists."""

    account: str
    amount: int
    items: tuple[TxItem, ...]
    cap: CapClaim | None = None
    details: dict[str, Any] = field(default_factory=dict)  # kept on the transaction (a voucher sold)


class Payments:
    def __init__(
        self, store: Store, books: Books, guests: GuestSessions, cipher: FieldCipher, stock: StockKeeper
    ) -> None:
        self._store = store
        self._books = books
        self._guests = guests
        self._cipher = cipher
        self._stock = stock
        self._keys = KeyedLocks()

    async def pay(self, request: PaymentRequest, staff: Staff, key: str) -> PostResult:
        branch = await self._books.branch(request.branch)
        idem = f"payment:{branch.id}:{key}"
        # Copies of one request in this process wait for the first, rather than each holding goods (a
        # copy finding the last item held by the first would be refused as out of stock).
        async with self._keys.hold([idem]):
            return await self._pay(request, staff, branch, idem)

    async def _pay(
        self,
        request: PaymentRequest,
        staff: Staff,
        branch: BranchRecord,
        idem: str,
    ) -> PostResult:
        request_fingerprint = fingerprint(request.model_dump(mode="json"))
        if request.purpose == "sale":
            # Goods are held before posting: a retry is answered before it holds them again.
            replayed = await self._replay(idem, request_fingerprint)
            if replayed is not None:
                return replayed
        # Otherwise the key is checked by the ledger's insert (its unique index; Books.post), which answers
        # a retry with the first transaction: a first attempt, nearly every request, reads nothing for it.
        # A retry refused on what changed since its first attempt (its shift closed, the session it paid)
        # still gets the first answer.
        try:
            tx, cap = await self._transaction(request, staff, branch, idem, request_fingerprint)
        except Refused:
            replayed = await self._replay(idem, request_fingerprint)
            if replayed is not None:
                return replayed
            raise
        try:
            result = await self._books.post(tx, branch, cap)
        except Refused:  # nothing was posted: the goods held for it go back
            await self._stock.void_sale(tx.id, tx.stock, _actor(staff))
            raise
        if not result.created:  # the same key was posted before or meanwhile, with goods of its own
            await self._stock.void_sale(tx.id, tx.stock, _actor(staff))
            same_request(result.transaction, request_fingerprint)
        await self.ensure_voucher(result.transaction)
        if result.created:
            await self._books.publish("payment.created", result.transaction)
        return result

    async def _replay(self, idem: str, request_fingerprint: str) -> PostResult | None:
        """The first answer to a request already posted under ``idem``, whatever changed since; None when
        there is none."""
        first = await self._store.ledger.by_key(idem)
        if first is None:
            return None
        await self.ensure_voucher(first)  # a crash may have come between the payment and its voucher
        return PostResult(same_request(first, request_fingerprint), created=False)

    async def _transaction(
        self,
        request: PaymentRequest,
        staff: Staff,
        branch: BranchRecord,
        idem: str,
        request_fingerprint: str,
    ) -> tuple[LedgerTransaction, CapClaim | None]:
        """The transaction ``request`` makes, checked (method, shift, member, funds), a sale's goods held."""
        chosen = method(request.method, branch.payment_methods)
        desk = await self._books.desk(branch, staff, chosen, f"taking {chosen.name} payments")
        tender = Tender(
            request.method, branch.id, request.member_id, request.terminal_ref, request.voucher_code
        )
        source = await chosen.source(tender, self._store)
        tx_id = new_id()
        destination = await self._destination(request, branch, source.account, tx_id)
        stock: tuple[StockLine, ...] = ()
        if request.purpose == "sale":
            await self._check_funds(source.account, destination.amount, branch.currency)
            stock = await self._stock.hold_sale(tx_id, branch.id, destination.items, _actor(staff))
        tx = LedgerTransaction.new(
            TxKind.PAYMENT,
            tx_id=tx_id,
            idem=idem,
            purpose=request.purpose,
            amount=destination.amount,
            currency=branch.currency,
            branch=branch.id,
            posting=transfer(source.account, destination.account, destination.amount),
            fingerprint=request_fingerprint,
            method=chosen.name,
            member_id=request.member_id,
            session_id=request.session_id,
            items=destination.items,
            stock=stock,
            source=source.account,
            destination=destination.account,
            **desk,
            **source.details,
            **destination.details,
        )
        return tx, destination.cap

    def voucher_code(self, tx: LedgerTransaction) -> str | None:
        """The full code of a voucher sold by ``tx`` (printed on its receipt), else None."""
        if not tx.voucher_code_enc:
            return None
        return self._cipher.decrypt(tx.voucher_code_enc, field_aad("ledger", "voucher_code_enc", tx.id))

    async def ensure_voucher(self, tx: LedgerTransaction) -> None:
        """A voucher sale's voucher record, from the ledger transaction (idempotent)."""
        code = self.voucher_code(tx)
        if code is None or tx.voucher_id is None:
            return
        await self._store.vouchers.create(
            VoucherRecord(
                id=tx.voucher_id,
                code_hash=code_hash(code),
                last4=code[-4:],
                branch=tx.branch,
                value=tx.amount,
                created_at=tx.at,
                payment_id=tx.id,
            )
        )

    async def _check_funds(self, account: str, amount: int, currency: str) -> None:
        """A sale from a balance or voucher that cannot cover it is refused before its goods are held (the
        ledger checks again as it posts, against a spend racing this one)."""
        if kind_of(account) not in GUARDED:
            return
        try:
            check_spend(account, await self._store.ledger.balance(account), amount)
        except InsufficientFunds as exc:
            raise refusal(exc, TxKind.PAYMENT, currency) from None

    # ---- where the money goes -------------------------------------------------------------------------

    async def _destination(
        self,
        request: PaymentRequest,
        branch: BranchRecord,
        source: str,
        tx_id: str,
    ) -> Destination:
        if request.purpose == "topup":
            return await self._topup(request, source)
        if request.purpose == "voucher":
            return self._voucher_sale(request, tx_id)
        if request.purpose == "session":
            return await self._session_payment(request, branch)
        return await self._sale(request, branch)

    async def _topup(self, request: PaymentRequest, source: str) -> Destination:
        if not request.member_id or not await self._store.members.exists(request.member_id):
            raise Refused(404, "not_found", "a top-up needs an existing member_id")
        account = member_account(request.member_id)
        if source == account:
            raise Refused(409, "bad_method", "a balance cannot be topped up from itself")
        amount = _required_amount(request)
        return Destination(account, amount, (TxItem.single("topup", amount),))

    def _voucher_sale(self, request: PaymentRequest, tx_id: str) -> Destination:
        """A new voucher holds what was paid; its account is named after the transaction selling it."""
        if request.method == "voucher":
            raise Refused(409, "bad_method", "a voucher cannot be bought with a voucher")
        amount = _required_amount(request)
        code = new_voucher_code()
        sealed = self._cipher.encrypt(code, field_aad("ledger", "voucher_code_enc", tx_id))
        details = {"voucher_id": tx_id, "voucher_last4": code[-4:], "voucher_code_enc": sealed}
        return Destination(
            voucher_account(tx_id), amount, (TxItem.single("voucher", amount),), details=details
        )

    async def _session_payment(self, request: PaymentRequest, branch: BranchRecord) -> Destination:
        """A guest pays for their time (``hub.money.guest_sessions``); the amount defaults to what is
        still owed."""
        session = await self._store.sessions.get(request.session_id or "")
        if session is None:
            raise Refused(404, "not_found", f"session {request.session_id!r} not found")
        if session.kind not in GUEST_KINDS:
            raise Refused(409, "member_session", "a member's session is charged to their balance")
        owed = await self._guests.price(session)
        key = session_key(session.id)
        outstanding = await self._guests.left_to_pay(session.id, owed)
        if outstanding <= 0:
            raise Refused(409, "already_paid", "this session is paid")
        amount = request.amount or outstanding
        item = TxItem(
            kind="session",
            quantity=1,
            unit_price=amount,
            total=amount,
            pc_id=session.pc_id,
            used_ms=session.used_ms,
        )
        return Destination(
            revenue_account("time", branch.id), amount, (item,), cap=CapClaim(key, owed, amount)
        )

    async def _sale(self, request: PaymentRequest, branch: BranchRecord) -> Destination:
        if not request.items:
            raise Refused(400, "bad_request", "a sale needs items")
        products = await self._store.products.by_ids([item.product_id for item in request.items])
        lines: list[TxItem] = []
        for item in request.items:
            product = products.get(item.product_id)
            if product is None or not product.active:
                raise Refused(404, "not_found", f"product {item.product_id!r} is not for sale")
            lines.append(
                TxItem(
                    kind="product",
                    product_id=product.id,
                    name=product.name,
                    quantity=item.quantity,
                    unit_price=product.price,
                    total=product.price * item.quantity,
                )
            )
        total = sum(line.total for line in lines)
        if total > MAX_AMOUNT:
            shown = money_text(total, branch.currency)
            raise Refused(400, "bad_request", f"a sale of {shown} is beyond any till; split it")
        if request.amount is not None and request.amount != total:
            now, sent = money_text(total, branch.currency), money_text(request.amount, branch.currency)
            raise Refused(409, "price_changed", f"the items cost {now} now, not {sent}")
        return Destination(revenue_account("products", branch.id), total, tuple(lines))


def _required_amount(request: PaymentRequest) -> int:
    if request.amount is None:
        raise Refused(400, "bad_request", f"a {request.purpose} payment needs an amount")
    return request.amount


def _actor(staff: Staff) -> Actor:
    return Actor(staff.username, staff.user_id)
