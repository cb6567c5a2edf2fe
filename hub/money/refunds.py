"""Refunds: all or part of a payment given back where it came from, never more than was paid.

A payment's refunds are a capped sequence in the ledger (``refund:<payment>``), so concurrent refunds can
never together pass the payment's amount.
"""

from __future__ import annotations

from billing.ledger import AccountKind, LedgerError, branch_account, check_cap, refund_posting
from hub.errors import Refused
from hub.inventory.keeper import Actor, StockKeeper
from hub.money.books import Books, fingerprint, refusal, same_request
from hub.money.methods import METHODS, Source, Tender
from hub.money.requests import RefundRequest, SaleItem, Staff
from hub.store import Store
from hub.store.ledger import CapClaim, PostResult
from hub.store.transactions import LedgerTransaction, StockLine, TxItem, TxKind


def refund_cap(payment_id: str) -> str:
    """The capped sequence of a payment's refunds."""
    return f"refund:{payment_id}"


class Refunds:
    def __init__(self, store: Store, books: Books, stock: StockKeeper) -> None:
        self._store = store
        self._books = books
        self._stock = stock

    async def payment(self, payment_id: str) -> LedgerTransaction:
        """A payment or refund by id (Refused 404 for anything else)."""
        tx = await self._store.ledger.get(payment_id)
        if tx is None or tx.kind not in (TxKind.PAYMENT, TxKind.REFUND):
            raise Refused(404, "not_found", f"payment {payment_id!r} not found")
        return tx

    async def replay(self, payment_id: str, request: RefundRequest, key: str) -> PostResult | None:
        """The refund already posted under ``key``, if any: a retry is answered before asking for a new
        confirmation (its one-time code was spent by the first attempt)."""
        first = await self._store.ledger.by_key(_idem(payment_id, key))
        if first is None:
            return None
        return PostResult(same_request(first, _fingerprint(request)), created=False)

    async def refund(self, payment_id: str, request: RefundRequest, staff: Staff, key: str) -> PostResult:
        payment = await self.payment(payment_id)
        if payment.kind is not TxKind.PAYMENT or payment.method is None:
            raise Refused(409, "not_refundable", "a refund cannot be refunded")
        branch = await self._books.branch(payment.branch)
        first = await self.replay(payment_id, request, key)
        if first is not None:
            return first
        chosen = METHODS[payment.method]
        desk = await self._books.desk(branch, staff, chosen, f"paying out a {chosen.name} refund")
        paid_out = Source("", {})
        if chosen.name == "card":
            paid_out = await chosen.source(
                Tender("card", branch.id, terminal_ref=request.terminal_ref), self._store
            )
        try:
            # What earlier refunds left (the store's cap claim re-checks it under its lock): a refund
            # beyond it is refused naming what is really left, not the whole payment.
            refunded = await self._store.ledger.capped_sum(refund_cap(payment_id))
            check_cap(payment.amount, refunded, request.amount)
            posting = refund_posting(
                payment.posting,
                payment.source or "",
                payment.destination or "",
                branch_account(AccountKind.REFUNDS, branch.id),
                request.amount,
            )
        except LedgerError as exc:
            raise refusal(exc, TxKind.REFUND, payment.currency) from None
        whole = request.amount == payment.amount - refunded
        restock = await self._restock(payment, request.restock, whole=whole)
        tx = LedgerTransaction.new(
            TxKind.REFUND,
            idem=_idem(payment_id, key),
            purpose=payment.purpose,
            amount=request.amount,
            currency=payment.currency,
            branch=branch.id,
            posting=posting,
            fingerprint=_fingerprint(request),
            method=payment.method,
            member_id=payment.member_id,
            session_id=payment.session_id,
            items=(TxItem.single(payment.purpose, request.amount),),
            stock=restock,
            refund_of=payment_id,
            refund_of_receipt=payment.receipt_no,
            reason=request.reason,
            **desk,
            **paid_out.details,
        )
        cap = CapClaim(refund_cap(payment_id), payment.amount, request.amount)
        result = await self._books.post(tx, branch, cap)
        if result.created:
            # The money is back: now the goods (a crash here is healed by hub.inventory.reconcile).
            await self._stock.return_goods(result.transaction, payment, Actor(staff.username, staff.user_id))
            await self._books.publish("payment.refunded", result.transaction)
        else:
            same_request(result.transaction, _fingerprint(request))
        return result

    async def _restock(
        self, payment: LedgerTransaction, asked: list[SaleItem] | None, *, whole: bool
    ) -> tuple[StockLine, ...]:
        """The goods a refund puts back on the shelf: those asked for, each at most what is left of the
        sale's; when none are named, all that is left if the refund takes the rest of the payment."""
        returnable = await self._stock.returnable(payment)
        if asked is None:
            if not whole:
                return ()
            return tuple(StockLine(p, left) for p, left in sorted(returnable.items()) if left > 0)
        wanted: dict[str, int] = {}
        for item in asked:
            wanted[item.product_id] = wanted.get(item.product_id, 0) + item.quantity
        lines = []
        for product_id, quantity in sorted(wanted.items()):
            left = returnable.get(product_id)
            name = next((i.name for i in payment.items if i.product_id == product_id), None) or product_id
            if left is None:
                raise Refused(409, "not_returnable", f"this payment sold no counted stock of {name}")
            if quantity > left:
                raise Refused(
                    409, "return_exceeds_sale", f"only {left} of {name} sold by this payment can come back"
                )
            lines.append(StockLine(product_id, quantity))
        return tuple(lines)


def _idem(payment_id: str, key: str) -> str:
    return f"refund:{payment_id}:{key}"


def _fingerprint(request: RefundRequest) -> str:
    return fingerprint(request.model_dump(mode="json"))
