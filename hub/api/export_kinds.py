"""What can be exported: each list and report, with the permission of its own route, the filters of its own
route (the same pydantic model, without paging) and its row source.

One registration per kind below; ``POST /api/v1/exports`` takes any of them as ``kind``. A report that
should also print (PDF) says ``printable=True``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from billing.ledger import voucher_account
from hub.api.audit import AuditFilter
from hub.api.inventory import MovementsFilter, StockFilter, listed_stock
from hub.api.inventory_report import InventoryReportQuery, inventory_answer
from hub.api.members import MemberFilter, member_search
from hub.api.payments import HistoryQuery, history_named
from hub.api.products import ProductFilter
from hub.api.query import Name, QueryModel
from hub.api.reports import FIGURES, GroupedQuery, ReportQuery, report_answer, report_span
from hub.api.sessions import SessionFilter, session_filters
from hub.api.shifts import ShiftFilter
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.context import HubContext
from hub.exports import lists
from hub.exports.reports import ReportRows
from hub.exports.table import Locale, RowSource
from hub.exports.texts import word
from hub.inventory.report import StockRow
from hub.reports.calendar import day_of, zone


class NoFilters(QueryModel):
    """A list without filters."""


class CommandFilter(QueryModel):
    pc_id: Name | None = None


SourceBuilder = Callable[[HubContext, Any, Locale], RowSource]


@dataclass(frozen=True)
class ExportKind:
    name: str
    permission: Permission
    filters: type[QueryModel]
    source: SourceBuilder
    printable: bool = False

    def branch_of(self, filters: QueryModel) -> str | None:
        """The branch whose currency, timezone and language the export uses (the hub's own if none)."""
        branch = getattr(filters, "branch", None)
        return branch if isinstance(branch, str) else None


def _vouchers(ctx: HubContext, filters: NoFilters, locale: Locale) -> RowSource:
    async def balances(ids: list[str]) -> dict[str, int]:
        found = await ctx.store.ledger.balances([voucher_account(i) for i in ids])
        return {i: found[voucher_account(i)] for i in ids}

    return lists.VoucherRows(ctx.store, balances)


def _yes_no(locale: Locale) -> Callable[[bool], str]:
    return lambda value: word("yes" if value else "no", locale.language)


def _products(ctx: HubContext, filters: ProductFilter, locale: Locale) -> RowSource:
    return lists.ProductRows(ctx.store, not filters.all, _yes_no(locale))


def _stock(ctx: HubContext, filters: StockFilter, locale: Locale) -> RowSource:
    async def listed() -> list[StockRow]:
        _, rows = await listed_stock(ctx.store, ctx.money, filters)
        return rows

    return lists.StockRows(listed, _yes_no(locale))


def _report(name: str) -> ExportKind:
    """``report_<name>``: the report's answer from its route's own code, a table per section."""

    def source(ctx: HubContext, filters: ReportQuery, locale: Locale) -> RowSource:
        # A bad range is refused now (400), not a job that fails later.
        report_span(filters, day_of(now_ms(), zone(locale.timezone)))
        return ReportRows(name, locale.language, lambda: report_answer(ctx, name, filters))

    query = ReportQuery if name == "staff" else GroupedQuery
    return ExportKind(f"report_{name}", Permission.REPORTS_READ, query, source, printable=True)


def _inventory_report(ctx: HubContext, filters: InventoryReportQuery, locale: Locale) -> RowSource:
    return ReportRows("inventory", locale.language, lambda: inventory_answer(ctx, filters))


KINDS: dict[str, ExportKind] = {
    kind.name: kind
    for kind in (
        ExportKind(
            "payments",
            Permission.MONEY_READ,
            HistoryQuery,
            lambda ctx, f, _: lists.PaymentRows(ctx.store, lambda: history_named(ctx.store, f)),
            printable=True,
        ),
        ExportKind(
            "sessions",
            Permission.SESSIONS_READ,
            SessionFilter,
            lambda ctx, f, _: lists.SessionRows(ctx.store, session_filters(f)),
        ),
        ExportKind(
            "members",
            Permission.MEMBERS_READ,
            MemberFilter,
            lambda ctx, f, _: lists.MemberRows(
                ctx.store, ctx.money, ctx.cipher, member_search(ctx.cipher, f)
            ),
        ),
        ExportKind(
            "audit",
            Permission.AUDIT_READ,
            AuditFilter,
            lambda ctx, f, _: lists.AuditRows(ctx.store, **f.repository_filters()),
        ),
        ExportKind(
            "shifts",
            Permission.REPORTS_READ,
            ShiftFilter,
            lambda ctx, f, _: lists.ShiftRows(ctx.store, ctx.shifts, f.branch, f.state),
            printable=True,
        ),
        ExportKind("products", Permission.MONEY_READ, ProductFilter, _products, printable=True),
        ExportKind("vouchers", Permission.MONEY_READ, NoFilters, _vouchers),
        ExportKind(
            "commands",
            Permission.PCS_READ,
            CommandFilter,
            lambda ctx, f, _: lists.CommandRows(ctx.store, f.pc_id),
        ),
        ExportKind("stock", Permission.INVENTORY_READ, StockFilter, _stock, printable=True),
        ExportKind(
            "stock_movements",
            Permission.INVENTORY_READ,
            MovementsFilter,
            lambda ctx, f, _: lists.MovementRows(ctx.store, f.where()),
        ),
        *(_report(name) for name in FIGURES),
        ExportKind(
            "report_inventory",
            Permission.REPORTS_READ,
            InventoryReportQuery,
            _inventory_report,
            printable=True,
        ),
    )
}

# Every permission some kind needs: the export routes are open to a role holding any one of them, and
# each request is then checked against its kind's.
ANY_EXPORT = frozenset(kind.permission for kind in KINDS.values())
