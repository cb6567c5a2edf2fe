"""Payments, refunds, session charges and manual adjustments: each one ledger transaction, posted once.

Every operation names an idempotency key. The ledger's unique key makes a retried request (a double
click, a timeout retried by the console, ten concurrent copies) return the first result and move no money
twice; a key reused for a different request is refused rather than silently answered with the wrong
payment.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError

from billing.ledger import (
    AccountKind,
    CapExceeded,
    InsufficientFunds,
    LedgerError,
    Posting,
    branch_account,
    check_cap,
    member_account,
    refund_posting,
    revenue_account,
    session_charge,
    transfer,
    voucher_account,
)
from hub.clock import now_ms
from hub.live import LiveState
from hub.locale import money_text
from hub.money.amounts import MAX_AMOUNT
from hub.money.errors import MoneyRefused
from hub.money.methods import METHODS, Tender, code_hash, method
from hub.money.requests import PaymentRequest, RefundRequest, Staff
from hub.money.vouchers import new_voucher_code
from hub.receipts.model import UnpaidSession
from hub.security.crypto import FieldCipher, field_aad
from hub.sessions.pricing import session_price
from hub.store import Store
from hub.store.branches import BranchRecord
from hub.store.ledger import CapClaim, Document, HistoryFilter, LedgerBusy, PostResult
from hub.store.sessions import ENDED, SessionRecord
from hub.store.vouchers import VoucherRecord

log = logging.getLogger(__name__)

GUEST_KINDS = ("prepaid", "postpaid")
MINUTE_MS = 60_000
MAX_CHARGE_ATTEMPTS = 20


@dataclass(frozen=True)
class Destination:
    account: str
    amount: int
    items: list[dict[str, Any]]
    cap: CapClaim | None = None
    extra: dict[str, Any] | None = None


class MoneyService:
    def __init__(self, store: Store, live: LiveState, cipher: FieldCipher, default_branch: str) -> None:
        self._store = store
        self._live = live
        self._cipher = cipher
        self.default_branch = default_branch

    # ---- reading ------------------------------------------------------------------------------------

    async def branch(self, branch_id: str | None) -> BranchRecord:
        branch = await self._store.branches.get(branch_id or self.default_branch)
        if branch is None:
            raise MoneyRefused(404, "not_found", f"branch {branch_id!r} not found")
        return branch

    async def balance(self, member_id: str) -> int:
        return await self._store.ledger.balance(member_account(member_id))

    async def balances(self, member_ids: list[str]) -> dict[str, int]:
        by_account = await self._store.ledger.balances([member_account(m) for m in member_ids])
        return {m: by_account[member_account(m)] for m in member_ids}

    async def payment(self, payment_id: str) -> Document:
        doc = await self._store.ledger.get(payment_id)
        if doc is None or doc.get("kind") not in ("payment", "refund"):
            raise MoneyRefused(404, "not_found", f"payment {payment_id!r} not found")
        return doc

    async def unpaid_guest_sessions(self, staff: str, since: int, until: int | None) -> list[UnpaidSession]:
        """Guest sessions ``staff`` started in a time window that are owed more than was paid: what a
        shift report shows, so time sold off the books stands out. A postpaid session still running
        owes nothing yet."""
        unpaid = []
        for session in await self._store.sessions.guests_started_by(staff, since, until):
            if session.kind == "postpaid" and session.state != ENDED:
                continue
            try:
                owed = await self._session_price(session)
            except MoneyRefused:
                continue  # no tariff left to price it with; the session's own flags say so
            paid = await self.session_paid(session.id)
            if paid < owed:
                unpaid.append(UnpaidSession(session.pc_id, owed, paid, session.id))
        return unpaid

    async def session_paid(self, session_id: str) -> int:
        """What a guest has paid for a session and kept: payments less their refunds."""
        refunds = await self._store.ledger.find(HistoryFilter(kind="refund", session_id=session_id))
        paid = await self._store.ledger.capped_sum(_session_key(session_id))
        return paid - sum(int(refund["amount"]) for refund in refunds)

    def voucher_code(self, doc: Document) -> str | None:
        """The full code of a voucher sold by ``doc`` (printed on its receipt), else None."""
        sealed = doc.get("voucher_code_enc")
        return (
            self._cipher.decrypt(sealed, field_aad("ledger", "voucher_code_enc", doc["_id"]))
            if sealed
            else None
        )

    # ---- payments -----------------------------------------------------------------------------------

    async def pay(self, request: PaymentRequest, staff: Staff, key: str) -> PostResult:
        branch = await self.branch(request.branch)
        idem = f"payment:{branch.id}:{key}"
        fingerprint = _fingerprint(request.model_dump(mode="json"))
        first = await self._store.ledger.by_key(idem)
        if first is not None:  # a retry gets the first answer, whatever changed since
            await self._ensure_voucher(first)  # a crash may have come between the payment and its voucher
            return PostResult(_same_request(first, fingerprint), created=False)
        chosen = method(request.method, branch.payment_methods)
        shift = await self._store.shifts.current(branch.id, staff.user_id)
        if chosen.needs_shift and shift is None:
            raise MoneyRefused(409, "shift_required", f"open a shift before taking {chosen.name} payments")
        tender = Tender(
            request.method, branch.id, request.member_id, request.terminal_ref, request.voucher_code
        )
        source = await chosen.source(tender, self._store)
        tx_id = uuid.uuid4().hex
        destination = await self._destination(request, branch, source.account, tx_id)
        posting = transfer(source.account, destination.account, destination.amount)
        doc: Document = {
            "_id": tx_id,
            "idem": idem,
            "fingerprint": fingerprint,
            "kind": "payment",
            "purpose": request.purpose,
            "method": chosen.name,
            "amount": destination.amount,
            "currency": branch.currency,
            "branch": branch.id,
            "staff": staff.username,
            "staff_id": staff.user_id,
            "shift_id": shift.id if shift else None,
            "member_id": request.member_id,
            "session_id": request.session_id,
            "items": destination.items,
            "source": source.account,
            "destination": destination.account,
            "at": now_ms(),
            **source.details,
            **(destination.extra or {}),
        }
        result = await self._post(doc, posting, branch, destination.cap)
        if not result.created:
            _same_request(result.document, fingerprint)
        await self._ensure_voucher(result.document)
        if result.created:
            await self._publish("payment.created", result.document)
        return result

    async def _destination(
        self, request: PaymentRequest, branch: BranchRecord, source: str, tx_id: str
    ) -> Destination:
        if request.purpose == "topup":
            return await self._topup(request, source)
        if request.purpose == "voucher":
            return self._voucher_sale(request, source, tx_id)
        if request.purpose == "session":
            return await self._session_payment(request, branch)
        return await self._sale(request, branch)

    async def _topup(self, request: PaymentRequest, source: str) -> Destination:
        if not request.member_id or await self._store.members.get(request.member_id) is None:
            raise MoneyRefused(404, "not_found", "a top-up needs an existing member_id")
        account = member_account(request.member_id)
        if source == account:
            raise MoneyRefused(409, "bad_method", "a balance cannot be topped up from itself")
        amount = _required_amount(request)
        return Destination(account, amount, [_line("topup", amount)])

    def _voucher_sale(self, request: PaymentRequest, source: str, tx_id: str) -> Destination:
        if request.method == "voucher":
            raise MoneyRefused(409, "bad_method", "a voucher cannot be bought with a voucher")
        amount = _required_amount(request)
        code = new_voucher_code()
        extra = {
            "voucher_id": tx_id,
            "voucher_last4": code[-4:],
            "voucher_code_enc": self._cipher.encrypt(code, field_aad("ledger", "voucher_code_enc", tx_id)),
        }
        return Destination(voucher_account(tx_id), amount, [_line("voucher", amount)], extra=extra)

    async def _session_payment(self, request: PaymentRequest, branch: BranchRecord) -> Destination:
        """A guest pays for their time: a prepaid guest the price of the minutes bought (more after an
        extension), a postpaid guest the cost once the session has ended. What a session's payments may
        total is capped, so it is never paid twice; the amount defaults to what is still owed."""
        session = await self._store.sessions.get(request.session_id or "")
        if session is None:
            raise MoneyRefused(404, "not_found", f"session {request.session_id!r} not found")
        if session.kind not in GUEST_KINDS:
            raise MoneyRefused(409, "member_session", "a member's session is charged to their balance")
        owed = await self._session_price(session)
        key = _session_key(session.id)
        outstanding = owed - await self._store.ledger.capped_sum(key)
        if outstanding <= 0:
            raise MoneyRefused(409, "already_paid", "this session is paid")
        amount = request.amount or outstanding
        item = _line("session", amount) | {"pc_id": session.pc_id, "used_ms": session.used_ms}
        return Destination(
            revenue_account("time", branch.id), amount, [item], cap=CapClaim(key, owed, amount)
        )

    async def _session_price(self, session: SessionRecord) -> int:
        if session.kind == "postpaid":
            if session.state != ENDED or session.cost is None:
                raise MoneyRefused(409, "session_running", "a postpaid session is paid once it has ended")
            return session.cost
        tariff = await self._store.tariffs.get(session.tariff_id)
        if tariff is None or not session.prepaid_minutes:
            raise MoneyRefused(409, "no_price", "the session has no tariff or prepaid minutes to price")
        start = session.started_at or session.created_at
        return (await session_price(tariff, start, session.prepaid_minutes * MINUTE_MS)).total

    async def _sale(self, request: PaymentRequest, branch: BranchRecord) -> Destination:
        if not request.items:
            raise MoneyRefused(400, "bad_request", "a sale needs items")
        products = await self._store.products.by_ids([item.product_id for item in request.items])
        lines: list[dict[str, Any]] = []
        for item in request.items:
            product = products.get(item.product_id)
            if product is None or not product.active:
                raise MoneyRefused(404, "not_found", f"product {item.product_id!r} is not for sale")
            lines.append(
                {
                    "kind": "product",
                    "product_id": product.id,
                    "name": product.name,
                    "quantity": item.quantity,
                    "unit_price": product.price,
                    "total": product.price * item.quantity,
                }
            )
        total = sum(line["total"] for line in lines)
        if total > MAX_AMOUNT:
            shown = money_text(total, branch.currency)
            raise MoneyRefused(400, "bad_request", f"a sale of {shown} is beyond any till; split it")
        if request.amount is not None and request.amount != total:
            now, sent = money_text(total, branch.currency), money_text(request.amount, branch.currency)
            raise MoneyRefused(409, "price_changed", f"the items cost {now} now, not {sent}")
        return Destination(revenue_account("products", branch.id), total, lines)

    async def _ensure_voucher(self, doc: Document) -> None:
        """A voucher sale's voucher record, from the ledger transaction (idempotent)."""
        code = self.voucher_code(doc)
        if code is None:
            return
        await self._store.vouchers.create(
            VoucherRecord(
                id=doc["voucher_id"],
                code_hash=code_hash(code),
                last4=code[-4:],
                branch=doc["branch"],
                value=doc["amount"],
                created_at=doc["at"],
                payment_id=doc["_id"],
            )
        )

    # ---- refunds ------------------------------------------------------------------------------------

    async def refund_replay(self, payment_id: str, request: RefundRequest, key: str) -> PostResult | None:
        """The refund already posted under ``key``, if any: a retry is answered before asking for a new
        confirmation (its one-time code was spent by the first attempt)."""
        first = await self._store.ledger.by_key(f"refund:{payment_id}:{key}")
        if first is None:
            return None
        return PostResult(_same_request(first, _fingerprint(request.model_dump(mode="json"))), created=False)

    async def refund(self, payment_id: str, request: RefundRequest, staff: Staff, key: str) -> PostResult:
        payment = await self.payment(payment_id)
        if payment["kind"] != "payment":
            raise MoneyRefused(409, "not_refundable", "a refund cannot be refunded")
        branch = await self.branch(payment["branch"])
        idem = f"refund:{payment_id}:{key}"
        fingerprint = _fingerprint(request.model_dump(mode="json"))
        first = await self.refund_replay(payment_id, request, key)
        if first is not None:
            return first
        chosen = METHODS[payment["method"]]
        shift = await self._store.shifts.current(branch.id, staff.user_id)
        if chosen.needs_shift and shift is None:
            raise MoneyRefused(
                409, "shift_required", f"open a shift before paying out a {chosen.name} refund"
            )
        details: dict[str, Any] = {}
        if chosen.name == "card":
            tender = Tender("card", branch.id, terminal_ref=request.terminal_ref)
            details = (await chosen.source(tender, self._store)).details
        try:
            # What earlier refunds left (the store's cap claim re-checks it under its lock): a refund
            # beyond it is refused naming what is really left, not the whole payment.
            check_cap(
                payment["amount"],
                await self._store.ledger.capped_sum(_refund_cap(payment_id)),
                request.amount,
            )
            posting = refund_posting(
                Posting.from_documents(payment["lines"]),
                payment["source"],
                payment["destination"],
                branch_account(AccountKind.REFUNDS, branch.id),
                request.amount,
            )
        except LedgerError as exc:
            raise _refusal(exc, "refund", payment["currency"]) from None
        doc: Document = {
            "_id": uuid.uuid4().hex,
            "idem": idem,
            "fingerprint": fingerprint,
            "kind": "refund",
            "purpose": payment["purpose"],
            "method": payment["method"],
            "amount": request.amount,
            "currency": payment["currency"],
            "branch": branch.id,
            "staff": staff.username,
            "staff_id": staff.user_id,
            "shift_id": shift.id if shift else None,
            "member_id": payment.get("member_id"),
            "session_id": payment.get("session_id"),
            "items": [_line(payment["purpose"], request.amount)],
            "refund_of": payment_id,
            "refund_of_receipt": payment.get("receipt_no"),
            "reason": request.reason,
            "at": now_ms(),
            **details,
        }
        cap = CapClaim(_refund_cap(payment_id), payment["amount"], request.amount)
        result = await self._post(doc, posting, branch, cap)
        if result.created:
            await self._publish("payment.refunded", result.document)
        else:
            _same_request(result.document, fingerprint)
        return result

    # ---- vouchers at the PC ---------------------------------------------------------------------------

    async def voucher_by_code(self, code: str) -> tuple[VoucherRecord, int] | None:
        """The voucher with ``code`` and what it holds, or None for an unknown code."""
        voucher = await self._store.vouchers.by_code_hash(code_hash(code))
        if voucher is None:
            return None
        return voucher, await self._store.ledger.balance(voucher_account(voucher.id))

    async def pay_session_from_voucher(self, session: SessionRecord, code: str, branch_id: str) -> PostResult:
        """A customer who logged in at the PC with a voucher code: the session's minutes are paid from the
        voucher at once (at most what it holds), exactly once per session."""
        found = await self.voucher_by_code(code)
        if found is None:
            raise MoneyRefused(404, "voucher_not_found", "no voucher has that code")
        voucher, balance = found
        amount = min(await self._session_price(session), balance)
        if amount <= 0:  # spent elsewhere since the login was checked
            raise MoneyRefused(402, "insufficient_balance", "the voucher holds nothing")
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
        return await self.pay(request, payer, f"voucher-session:{session.id}")

    async def return_unused_voucher_value(self, session_id: str, cost: int) -> Document | None:
        """At the end of a session paid from a voucher, what the customer did not use goes back onto the
        voucher (a refund of that payment, once per session)."""
        paid = await self._store.ledger.find(
            HistoryFilter(kind="payment", method="voucher", purpose="session", session_id=session_id)
        )
        if not paid:
            return None
        payment = paid[0]
        unused = min(sum(int(p["amount"]) for p in paid) - cost, int(payment["amount"]))
        if unused <= 0:
            return None
        request = RefundRequest(amount=unused, reason="unused time returned to the voucher")
        system = Staff(user_id="system", username="system")
        try:
            result = await self.refund(payment["_id"], request, system, f"unused:{session_id}")
        except MoneyRefused as exc:
            log.warning("session %s: could not return %d to its voucher: %s", session_id, unused, exc)
            return None
        return result.document

    # ---- session charges and adjustments ------------------------------------------------------------

    async def charge_session(
        self, session_id: str, member_id: str, cost: int, branch_id: str
    ) -> Document | None:
        """Charge a member's ended session once (the session id is the key). The balance pays as far as it
        goes; anything beyond is booked as uncollected, never as a negative balance."""
        if cost <= 0:
            return None
        member = member_account(member_id)
        currency = await self._currency(branch_id)
        for _ in range(MAX_CHARGE_ATTEMPTS):
            balance = await self._store.ledger.balance(member)
            posting = session_charge(
                member,
                revenue_account("time", branch_id),
                branch_account(AccountKind.UNCOLLECTED, branch_id),
                cost,
                balance,
            )
            doc: Document = {
                "_id": uuid.uuid4().hex,
                "idem": f"session:{session_id}",
                "kind": "charge",
                "purpose": "session",
                "method": "balance",
                "amount": cost,
                "currency": currency,
                "uncollected": cost - posting.guarded_spends().get(member, 0),
                "branch": branch_id,
                "member_id": member_id,
                "session_id": session_id,
                "at": now_ms(),
            }
            try:
                result = await self._store.ledger.post(doc, posting)
            except InsufficientFunds:
                continue  # a concurrent spend: price against the new balance
            if result.created and result.document["uncollected"]:
                log.warning(
                    "session %s: %d could not be charged to %s", session_id, doc["uncollected"], member_id
                )
            return result.document
        raise LedgerBusy(f"could not charge session {session_id}; the balance keeps changing")

    async def adjust(
        self, member_id: str, amount: int, *, reason: str, key: str, staff: str, branch_id: str | None = None
    ) -> PostResult:
        """A manual credit (> 0) or debit (< 0) of a member's balance, against the adjustments account."""
        if amount == 0:
            raise MoneyRefused(400, "bad_request", "an adjustment is not zero")
        branch = branch_id or self.default_branch
        member, adjustments = member_account(member_id), branch_account(AccountKind.ADJUSTMENTS, branch)
        posting = (
            transfer(adjustments, member, amount) if amount > 0 else transfer(member, adjustments, -amount)
        )
        currency = await self._currency(branch)
        doc: Document = {
            "_id": uuid.uuid4().hex,
            "idem": f"adjustment:{key}",
            "kind": "adjustment",
            "purpose": "adjustment",
            "amount": abs(amount),
            "currency": currency,
            "direction": "credit" if amount > 0 else "debit",
            "branch": branch,
            "member_id": member_id,
            "staff": staff,
            "reason": reason,
            "at": now_ms(),
        }
        try:
            return await self._store.ledger.post(doc, posting)
        except InsufficientFunds as exc:
            holds = money_text(exc.balance, currency)
            raise MoneyRefused(402, "insufficient_balance", f"the balance holds only {holds}") from None

    # ---- shared -------------------------------------------------------------------------------------

    async def _currency(self, branch_id: str) -> str:
        """The branch's currency; a PC's site without branch settings uses the hub's own branch."""
        for candidate in (branch_id, self.default_branch):
            branch = await self._store.branches.get(candidate)
            if branch is not None:
                return branch.currency
        raise MoneyRefused(
            500, "no_branch", f"no settings for branch {branch_id!r} nor {self.default_branch!r}"
        )

    async def _post(
        self, doc: Document, posting: Posting, branch: BranchRecord, cap: CapClaim | None
    ) -> PostResult:
        try:
            return await self._store.ledger.post(doc, posting, receipt_branch=branch.id, cap=cap)
        except LedgerError as exc:
            raise _refusal(exc, doc["kind"], doc["currency"]) from None

    async def _publish(self, event: str, doc: Document) -> None:
        # The money is in the ledger already: a live feed that cannot be told must not fail the payment.
        try:
            await self._publish_event(event, doc)
        except (RedisError, OSError) as exc:
            log.warning("live feed missed %s of %s: %s", event, doc["_id"], exc)

    async def _publish_event(self, event: str, doc: Document) -> None:
        await self._live.publish(
            {
                "type": event,
                "payment_id": doc["_id"],
                "kind": doc["kind"],
                "purpose": doc.get("purpose"),
                "method": doc.get("method"),
                "amount": doc["amount"],
                "branch": doc["branch"],
                "receipt_no": doc.get("receipt_no"),
            }
        )


def _refusal(exc: LedgerError, kind: str, currency: str) -> MoneyRefused:
    """A ledger rule broken by a request, as the API's answer (amounts in the payment's currency)."""
    if isinstance(exc, InsufficientFunds):
        what = "voucher" if exc.account.startswith(f"{AccountKind.VOUCHER}:") else "balance"
        holds, needed = money_text(exc.balance, currency), money_text(exc.needed, currency)
        return MoneyRefused(402, "insufficient_balance", f"the {what} holds {holds}, {needed} is needed")
    if isinstance(exc, CapExceeded):
        left, limit = money_text(exc.left, currency), money_text(exc.limit, currency)
        if kind == "refund":
            return MoneyRefused(409, "refund_exceeds_payment", f"only {left} of {limit} is left to refund")
        return MoneyRefused(409, "overpayment", f"only {left} of {limit} is left to pay")
    return MoneyRefused(400, "bad_request", str(exc))


def _refund_cap(payment_id: str) -> str:
    return f"refund:{payment_id}"


def _session_key(session_id: str) -> str:
    return f"session:{session_id}"


def _required_amount(request: PaymentRequest) -> int:
    if request.amount is None:
        raise MoneyRefused(400, "bad_request", f"a {request.purpose} payment needs an amount")
    return request.amount


def _line(purpose: str, amount: int) -> dict[str, Any]:
    # Described at print time, in the receipt's language.
    return {"kind": purpose, "quantity": 1, "unit_price": amount, "total": amount}


def _fingerprint(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _same_request(first: Document, fingerprint: str) -> Document:
    if first.get("fingerprint") != fingerprint:
        raise MoneyRefused(
            422, "idempotency_key_reused", "this Idempotency-Key was used for a different request"
        )
    return first
