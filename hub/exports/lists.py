"""The hub's lists as row sources: the same records and filters as their ``GET`` routes, oldest first,
read through the repositories' ``iterate`` (key-ordered pages: ``hub.store.keyset``)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from hub.exports import table as t
from hub.exports.table import Column, Row
from hub.inventory.report import StockRow
from hub.member_contact import open_phone
from hub.money.service import MoneyService
from hub.money.shifts import ShiftService
from hub.security.crypto import CipherError, FieldCipher
from hub.store import HistoryFilter, MemberRecord, Store
from hub.store.members import MemberSearch
from hub.store.stock import MovementFilter

# Records that need one more read each (a member's balance, a shift's figures) are read this many at once.
CHUNK = 200


async def _chunked(records: AsyncIterator[Any], size: int = CHUNK) -> AsyncIterator[list[Any]]:
    chunk: list[Any] = []
    async for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class PaymentRows:
    """Payments and refunds, with the login of their member (``member_login``) beside the id."""

    columns: Sequence[Column] = (
        t.text("receipt", 17),
        t.time("time"),
        t.text("kind", 9),
        t.text("purpose", 9),
        t.text("method", 8),
        t.money("amount", 16),
        t.text("currency", 5),
        t.text("branch", 10),
        t.text("staff", 12),
        t.text("member_login", 14),
        t.text("member_id", 12, printed=False),
        t.text("session_id", 12, printed=False),
        t.text("shift_id", 12, printed=False),
        t.text("terminal_ref", 11),
        t.text("refund_of", 12, printed=False),
        t.text("reason", 24),
        t.text("id", 12, printed=False),
    )

    def __init__(self, store: Store, where: Callable[[], Awaitable[HistoryFilter]]) -> None:
        """``where``: the list's filter, read once (it may look the member up by login)."""
        self._store, self._where_of = store, where
        self._where: HistoryFilter | None = None

    async def _filter(self) -> HistoryFilter:
        if self._where is None:
            self._where = await self._where_of()
        return self._where

    async def count(self) -> int:
        _, total = await self._store.ledger.page(await self._filter(), skip=0, limit=1)
        return int(total)

    async def rows(self) -> AsyncIterator[Row]:
        async for txs in _chunked(self._store.ledger.iterate(await self._filter())):
            logins = await self._store.members.logins({tx.member_id for tx in txs if tx.member_id})
            for tx in txs:
                yield (
                    tx.receipt_label,
                    tx.at,
                    tx.kind.value,
                    tx.purpose,
                    tx.method,
                    tx.amount,
                    tx.currency,
                    tx.branch,
                    tx.staff,
                    logins.get(tx.member_id) if tx.member_id else None,
                    tx.member_id,
                    tx.session_id,
                    tx.shift_id,
                    tx.terminal_ref,
                    tx.refund_of,
                    tx.reason,
                    tx.id,
                )


class SessionRows:
    columns: Sequence[Column] = (
        t.text("id", 12),
        t.text("pc_id", 8),
        t.text("kind", 9),
        t.text("state", 8),
        t.text("member_id", 12),
        t.text("tariff_id", 10),
        t.time("created_at"),
        t.time("started_at"),
        t.time("ended_at"),
        t.integer("used_min"),
        t.money("cost"),
        t.text("end_reason", 10),
        t.text("started_by", 10),
        t.text("flags", 12),
        t.text("review", 8),
    )

    def __init__(self, store: Store, filters: dict[str, str]) -> None:
        self._store, self._filters = store, filters

    async def count(self) -> int:
        _, total = await self._store.sessions.page(filters=self._filters, skip=0, limit=1)
        return total

    async def rows(self) -> AsyncIterator[Row]:
        async for s in self._store.sessions.iterate(filters=self._filters):
            yield (
                s.id,
                s.pc_id,
                s.kind.value,
                s.state.value,
                s.member_id,
                s.tariff_id,
                s.created_at,
                s.started_at,
                s.ended_at,
                s.used_ms // 60_000,
                # As the API shows it: the hub's price once ended, the PC's until then.
                s.cost if s.cost is not None else s.agent_cost,
                s.end_reason,
                s.started_by,
                " ".join(s.flags),
                s.review,
            )


class MemberRows:
    columns: Sequence[Column] = (
        t.text("login", 14),
        t.text("name", 20),
        t.text("phone", 15),
        t.money("balance"),
        t.time("created_at"),
        t.text("secret_kind", 8),
        t.text("active_session", 12),
        t.text("id", 12),
    )

    def __init__(self, store: Store, money: MoneyService, cipher: FieldCipher, search: MemberSearch) -> None:
        self._store, self._money, self._cipher, self._search = store, money, cipher, search

    async def count(self) -> int:
        _, total = await self._store.members.page(self._search, skip=0, limit=1)
        return total

    def _phone(self, member: MemberRecord) -> str | None:
        if member.phone_enc is None:
            return None
        try:
            return open_phone(self._cipher, member.id, member.phone_enc)
        except CipherError:  # a dropped key: the member is still listed, without the number
            return None

    async def rows(self) -> AsyncIterator[Row]:
        async for members in _chunked(self._store.members.iterate(self._search)):
            balances = await self._money.balances([m.id for m in members])
            for m in members:
                yield (
                    m.login,
                    m.name,
                    self._phone(m),
                    balances[m.id],
                    m.created_at,
                    m.secret_kind,
                    m.active_session,
                    m.id,
                )


class AuditRows:
    columns: Sequence[Column] = (
        t.integer("seq"),
        t.time("time"),
        t.text("actor", 12),
        t.text("actor_role", 9),
        t.text("action", 18),
        t.text("target", 18),
        t.text("outcome", 9),
        t.text("reason", 20),
        t.text("ip", 14),
        t.text("hub", 8),
        t.text("details", 40),
    )

    def __init__(self, store: Store, **filters: Any) -> None:
        self._store, self._filters = store, filters

    async def count(self) -> int:
        _, total = await self._store.audit.page(**self._filters, skip=0, limit=1)
        return total

    async def rows(self) -> AsyncIterator[Row]:
        async for e in self._store.audit.iterate(**self._filters):
            details = e.get("details")
            yield (
                e.get("seq"),
                e.get("at"),
                e.get("actor"),
                e.get("actor_role"),
                e.get("action"),
                e.get("target"),
                e.get("outcome"),
                e.get("reason"),
                e.get("ip"),
                e.get("hub"),
                json.dumps(details, ensure_ascii=False, sort_keys=True) if details else None,
            )


class ShiftRows:
    """Every shift with its figures (expected, counted and the difference for cash and card)."""

    columns: Sequence[Column] = (
        t.text("id", 12),
        t.text("branch", 8),
        t.text("cashier", 10),
        t.text("state", 7),
        t.time("opened_at"),
        t.time("closed_at"),
        t.money("opening_float"),
        t.money("cash_expected"),
        t.money("cash_counted"),
        t.money("cash_difference"),
        t.money("card_expected"),
        t.money("card_counted"),
        t.money("card_difference"),
        t.integer("payments"),
        t.integer("refunds"),
        t.money("refunds_total"),
        t.text("closed_by", 10),
        t.text("note", 20),
    )

    def __init__(self, store: Store, shifts: ShiftService, branch: str | None, state: str | None) -> None:
        self._store, self._shifts, self._branch, self._state = store, shifts, branch, state

    async def count(self) -> int:
        _, total = await self._store.shifts.page(branch=self._branch, state=self._state, skip=0, limit=1)
        return total

    async def rows(self) -> AsyncIterator[Row]:
        async for shift in self._store.shifts.iterate(branch=self._branch, state=self._state):
            summary = await self._shifts.summary(shift)
            lines = {line.method: line for line in summary.methods}
            figures: list[int | None] = []
            for method in ("cash", "card"):
                line = lines.get(method)
                figures += [line.expected, line.counted, line.difference] if line else [None, None, None]
            yield (
                shift.id,
                shift.branch,
                shift.cashier,
                shift.state,
                shift.opened_at,
                shift.closed_at,
                shift.opening_float,
                *figures,
                summary.payments,
                summary.refunds,
                summary.refunds_total,
                shift.closed_by or None,
                shift.note or None,
            )


class ProductRows:
    columns: Sequence[Column] = (
        t.text("name", 24),
        t.text("category", 14),
        t.money("price"),
        t.text("active", 7),
        t.text("id", 12),
    )

    def __init__(self, store: Store, active_only: bool, yes_no: Callable[[bool], str]) -> None:
        self._store, self._active_only, self._yes_no = store, active_only, yes_no

    async def count(self) -> int:
        _, total = await self._store.products.page(active_only=self._active_only, skip=0, limit=1)
        return total

    async def rows(self) -> AsyncIterator[Row]:
        async for p in self._store.products.iterate(active_only=self._active_only):
            yield (p.name, p.category, p.price, self._yes_no(p.active), p.id)


class VoucherRows:
    """Vouchers with what each still holds; never their codes, only the last four characters."""

    columns: Sequence[Column] = (
        t.text("last4", 8),
        t.text("branch", 8),
        t.money("value"),
        t.money("balance"),
        t.time("created_at"),
        t.text("payment_id", 12),
        t.text("id", 12),
    )

    def __init__(self, store: Store, balances: Callable[[list[str]], Awaitable[dict[str, int]]]) -> None:
        self._store, self._balances = store, balances

    async def count(self) -> int:
        _, total = await self._store.vouchers.page(skip=0, limit=1)
        return total

    async def rows(self) -> AsyncIterator[Row]:
        async for vouchers in _chunked(self._store.vouchers.iterate()):
            balances = await self._balances([v.id for v in vouchers])
            for v in vouchers:
                yield (v.last4, v.branch, v.value, balances[v.id], v.created_at, v.payment_id, v.id)


class CommandRows:
    columns: Sequence[Column] = (
        t.time("issued_at"),
        t.text("pc_id", 8),
        t.text("type", 10),
        t.text("text", 20),
        t.text("state", 9),
        t.text("detail", 16),
        t.text("issued_by", 10),
        t.time("done_at"),
        t.text("id", 12),
    )

    def __init__(self, store: Store, pc_id: str | None) -> None:
        self._store, self._pc_id = store, pc_id

    async def count(self) -> int:
        return await self._store.commands.count(self._pc_id)

    async def rows(self) -> AsyncIterator[Row]:
        async for c in self._store.commands.iterate(self._pc_id):
            yield (
                c.issued_at,
                c.pc_id,
                c.type,
                c.text,
                c.state.value,
                c.detail or None,
                c.issued_by,
                c.done_at,
                c.id,
            )


class StockRows:
    """Stock on hand of each counted product at a branch, as ``GET /inventory/stock`` lists it (by category
    and name): a catalogue's counted products, read once as that route reads them."""

    columns: Sequence[Column] = (
        t.text("name", 24),
        t.text("category", 14),
        t.integer("on_hand"),
        t.money("stock_value"),
        t.money("average_cost"),
        t.money("last_cost"),
        t.integer("low_level"),
        t.text("low", 8),
        t.time("last_moved_at"),
        t.text("product_id", 12, printed=False),
    )

    def __init__(
        self, listed: Callable[[], Awaitable[list[StockRow]]], yes_no: Callable[[bool], str]
    ) -> None:
        self._listed, self._yes_no = listed, yes_no
        self._rows: list[StockRow] | None = None

    async def _read(self) -> list[StockRow]:
        if self._rows is None:
            self._rows = await self._listed()
        return self._rows

    async def count(self) -> int:
        return len(await self._read())

    async def rows(self) -> AsyncIterator[Row]:
        for row in await self._read():
            yield (
                row.name,
                row.product.category if row.product else "",
                row.level.on_hand,
                row.level.value,
                row.level.average_cost,
                row.level.last_cost,
                row.item.low_stock,
                self._yes_no(row.low),
                row.level.at or None,
                row.item.product_id,
            )


class MovementRows:
    """Stock movements with the same filters as ``GET /inventory/movements``, oldest first, each with its
    product's name (read a chunk at a time) and the stock on hand after it."""

    columns: Sequence[Column] = (
        t.time("time"),
        t.text("branch", 10),
        t.text("name", 22),
        t.text("kind", 12),
        t.integer("quantity"),
        t.integer("on_hand"),
        t.money("value_at_cost"),
        t.money("revenue"),
        t.money("unit_cost"),
        t.text("staff", 12),
        t.text("reason", 18),
        t.text("counted_by", 12),
        t.text("counterpart", 10),
        t.text("ref", 12, printed=False),
        t.text("voided", 12, printed=False),
        t.text("product_id", 12, printed=False),
        t.text("id", 12, printed=False),
    )

    def __init__(self, store: Store, where: MovementFilter) -> None:
        self._store, self._where = store, where

    async def count(self) -> int:
        _, total = await self._store.stock.page(self._where, skip=0, limit=1)
        return total

    async def rows(self) -> AsyncIterator[Row]:
        names: dict[str, str] = {}  # a catalogue's products: each read once, at its first movement
        async for movements in _chunked(self._store.stock.iterate(self._where)):
            unseen = sorted({m.product_id for m in movements} - names.keys())
            products = await self._store.products.by_ids(unseen)
            # A removed product is named by its id, as the list names it.
            names.update({i: products[i].name if i in products else i for i in unseen})
            for m in movements:
                details = m.details
                yield (
                    m.at,
                    m.branch,
                    names[m.product_id],
                    m.kind.value,
                    m.quantity,
                    m.level.on_hand,
                    m.value,
                    m.revenue,
                    details.unit_cost,
                    details.staff,
                    details.reason,
                    details.counted_by,
                    details.counterpart,
                    details.ref,
                    details.voided,
                    m.product_id,
                    m.id,
                )
