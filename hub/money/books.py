"""What every money operation shares: the branch it books to, posting one transaction with the ledger's
refusals said as the API's, the retry check of an idempotency key, and the live feed's news of it.

Every operation names an idempotency key. The ledger's unique key makes a retried request (a double
click, a timeout retried by the console, ten concurrent copies) return the first result and move no money
twice; a key reused for a different request is refused rather than silently answered with the wrong
payment.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from redis.exceptions import RedisError

from billing.ledger import AccountKind, CapExceeded, InsufficientFunds, LedgerError
from hub.errors import Refused
from hub.live import LiveState
from hub.locale import money_text
from hub.money.branch_cache import BranchCache
from hub.money.methods import PaymentMethod
from hub.money.requests import Staff
from hub.store import Store
from hub.store.branches import BranchRecord
from hub.store.ledger import CapClaim, PostResult
from hub.store.transactions import LedgerTransaction, TxKind

log = logging.getLogger(__name__)


class Books:
    def __init__(self, store: Store, live: LiveState, default_branch: str) -> None:
        self._store = store
        self._live = live
        self.default_branch = default_branch
        self.branches = BranchCache(store.branches, live)

    async def branch(self, branch_id: str | None) -> BranchRecord:
        branch = await self.branches.get(branch_id or self.default_branch)
        if branch is None:
            raise Refused(404, "not_found", f"branch {branch_id!r} not found")
        return branch

    async def currency(self, branch_id: str) -> str:
        """The branch's currency; a PC's site without branch settings uses the hub's own branch."""
        for candidate in (branch_id, self.default_branch):
            branch = await self.branches.get(candidate)
            if branch is not None:
                return branch.currency
        raise Refused(500, "no_branch", f"no settings for branch {branch_id!r} nor {self.default_branch!r}")

    async def desk(
        self, branch: BranchRecord, staff: Staff, method: PaymentMethod, doing: str
    ) -> dict[str, Any]:
        """Who takes or pays out the money and in which shift, as a transaction's fields. Cash and card
        need the cashier's open shift (the money lands in a drawer or terminal batch the shift
        reconciles): refused without one, saying what was being ``doing``."""
        shift = await self._store.shifts.current(branch.id, staff.user_id)
        if method.needs_shift and shift is None:
            raise Refused(409, "shift_required", f"open a shift before {doing}")
        return {"staff": staff.username, "staff_id": staff.user_id, "shift_id": shift.id if shift else None}

    async def post(self, tx: LedgerTransaction, branch: BranchRecord, cap: CapClaim | None) -> PostResult:
        """A transaction at the desk: numbered on the branch's receipts, a ledger rule it breaks refused.
        Its key is not read first: the insert's unique index finds a transaction already posted under it,
        which is then the answer (``created`` False)."""
        try:
            return await self._store.ledger.post(tx, receipt_branch=branch.id, cap=cap, key_checked=True)
        except LedgerError as exc:
            raise refusal(exc, tx.kind, tx.currency) from None

    async def publish(self, event: str, tx: LedgerTransaction) -> None:
        # The money is in the ledger already: a live feed that cannot be told must not fail the payment.
        try:
            await self._live.publish(
                {
                    "type": event,
                    "payment_id": tx.id,
                    "kind": tx.kind.value,
                    "purpose": tx.purpose,
                    "method": tx.method,
                    "amount": tx.amount,
                    "branch": tx.branch,
                    "receipt_no": tx.receipt_no,
                }
            )
        except (RedisError, OSError) as exc:
            log.warning("live feed missed %s of %s: %s", event, tx.id, exc)


def refusal(exc: LedgerError, kind: TxKind, currency: str) -> Refused:
    """A ledger rule broken by a request, as the API's answer (amounts in the payment's currency)."""
    if isinstance(exc, InsufficientFunds):
        what = "voucher" if exc.account.startswith(f"{AccountKind.VOUCHER}:") else "balance"
        holds, needed = money_text(exc.balance, currency), money_text(exc.needed, currency)
        return Refused(402, "insufficient_balance", f"the {what} holds {holds}, {needed} is needed")
    if isinstance(exc, CapExceeded):
        left, limit = money_text(exc.left, currency), money_text(exc.limit, currency)
        if kind is TxKind.REFUND:
            return Refused(409, "refund_exceeds_payment", f"only {left} of {limit} is left to refund")
        return Refused(409, "overpayment", f"only {left} of {limit} is left to pay")
    return Refused(400, "bad_request", str(exc))


def fingerprint(body: Mapping[str, Any]) -> str:
    """Of a request, to tell a retry (the same request) from a key reused for another one."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def same_request(first: LedgerTransaction, request_fingerprint: str) -> LedgerTransaction:
    if first.fingerprint != request_fingerprint:
        raise Refused(422, "idempotency_key_reused", "this Idempotency-Key was used for a different request")
    return first
