"""Payment methods: where a customer's money comes from, as a ledger account.

Each method is one small class with the same shape; adding an online gateway (Click, Payme) means one
more module implementing :class:`PaymentMethod` (its ``source`` would be ``online:<provider>:<branch>``
and ``authorize`` would call the provider) and one line in :data:`METHODS`. Cash and card need the cashier's
open shift, because their money lands in a drawer or a terminal batch that the shift reconciles.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import ClassVar, Protocol

from billing.ledger import AccountKind, branch_account, member_account, voucher_account
from hub.errors import Refused
from hub.store import Store

# A standalone terminal's approval code or RRN: letters, digits and dashes. Never a card number.
_TERMINAL_REF = re.compile(r"^[A-Za-z0-9-]{4,32}$")
_DIGITS = re.compile(r"\d{13,19}")


@dataclass(frozen=True)
class Tender:
    """How the customer pays, as the cashier entered it."""

    method: str
    branch: str
    member_id: str | None = None  # the payer, for "balance"
    terminal_ref: str | None = None  # "card"
    voucher_code: str | None = None  # "voucher"


@dataclass(frozen=True)
class Source:
    account: str
    details: dict[str, str]  # kept on the transaction: terminal_ref, voucher_id, payer


class PaymentMethod(Protocol):
    name: ClassVar[str]
    needs_shift: ClassVar[bool]  # money lands in a drawer or terminal batch the shift reconciles

    async def source(self, tender: Tender, store: Store) -> Source: ...


class Cash:
    name: ClassVar[str] = "cash"
    needs_shift: ClassVar[bool] = True

    async def source(self, tender: Tender, store: Store) -> Source:
        return Source(branch_account(AccountKind.CASH, tender.branch), {})


class CardTerminal:
    """A card on the branch's standalone terminal: the cashier confirms the terminal's approval and types
    its reference. The hub never sees card data, and refuses anything that looks like a card number."""

    name: ClassVar[str] = "card"
    needs_shift: ClassVar[bool] = True

    async def source(self, tender: Tender, store: Store) -> Source:
        ref = (tender.terminal_ref or "").strip()
        if not _TERMINAL_REF.match(ref):
            raise Refused(
                400,
                "terminal_ref_required",
                "enter the terminal's approval reference (4-32 letters or digits)",
            )
        if looks_like_card_number(ref):
            raise Refused(400, "card_number_refused", "that is a card number: enter the approval code only")
        return Source(branch_account(AccountKind.CARD, tender.branch), {"terminal_ref": ref})


class MemberBalance:
    name: ClassVar[str] = "balance"
    needs_shift: ClassVar[bool] = False

    async def source(self, tender: Tender, store: Store) -> Source:
        if not tender.member_id or not await store.members.exists(tender.member_id):
            raise Refused(404, "not_found", "paying by balance needs an existing member_id")
        return Source(member_account(tender.member_id), {"payer": tender.member_id})


class Voucher:
    name: ClassVar[str] = "voucher"
    needs_shift: ClassVar[bool] = False

    async def source(self, tender: Tender, store: Store) -> Source:
        code = normalize_code(tender.voucher_code or "")
        voucher = await store.vouchers.by_code_hash(code_hash(code)) if code else None
        if voucher is None:
            raise Refused(404, "voucher_not_found", "no voucher has that code")
        return Source(voucher_account(voucher.id), {"voucher_id": voucher.id, "voucher_last4": voucher.last4})


METHODS: dict[str, PaymentMethod] = {m.name: m for m in (Cash(), CardTerminal(), MemberBalance(), Voucher())}


def method(name: str, enabled: tuple[str, ...]) -> PaymentMethod:
    if name not in METHODS:
        raise Refused(400, "bad_request", f"unknown method {name!r}; methods are {sorted(METHODS)}")
    if name not in enabled:
        raise Refused(409, "method_disabled", f"{name} payments are not enabled at this branch")
    return METHODS[name]


def looks_like_card_number(text: str) -> bool:
    """13-19 digits passing the Luhn check (spaces and dashes ignored)."""
    digits = re.sub(r"[\s-]", "", text)
    if not _DIGITS.fullmatch(digits):
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def normalize_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()
