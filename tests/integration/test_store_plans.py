"""Every query the repositories send is answered from an index, asked of the store itself.

Each repository method is called once (some with a few kinds of argument), every command it sends is
recorded, and the filter of each read, count, update and delete is explained by the store: nx-27017
answers ``explain`` with SQLite's plan ("SEARCH ... USING INDEX" or "SCAN <table>"), MongoDB with its
winning plan (an IXSCAN, or a COLLSCAN). A scan fails the test unless the call is a listing that reads
everything by design (:data:`LISTINGS`, each with its reason). A repository method without a call here
fails too, so a new query cannot skip the check. Nothing but the repositories' own commands may be sent:
no index or collection listings once the store is open.
"""

from __future__ import annotations

import datetime
import inspect
import re
import typing
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pymongo import monitoring

from billing.ledger import AccountKind, branch_account, member_account, transfer
from billing.stock import Change, StockKind
from hub.sessions.defaults import DEFAULT_TARIFF
from hub.store import (
    BranchRecord,
    CommandRecord,
    MemberRecord,
    PcGroup,
    ProductRecord,
    RefreshRecord,
    SessionRecord,
    ShiftRecord,
    StaffUser,
    Store,
    VoucherRecord,
    open_store,
)
from hub.store.commands import CommandState
from hub.store.enrollments import EnrollCodeRecord, EnrollmentRecord, EnrollState
from hub.store.exports import ExportRecord
from hub.store.fleet import AgentRelease, RolloutRecord, RolloutTarget
from hub.store.ledger import CapClaim, HistoryFilter
from hub.store.members import MemberSearch, OfflineGrant
from hub.store.sessions import SessionState
from hub.store.stock import MovementFilter, NewMovement, ReturnCap
from hub.store.stock_items import StockItem
from hub.store.stock_operations import OperationLine, StockOperation
from hub.store.stocktakes import CountLine, StocktakeRecord
from hub.store.transactions import LedgerTransaction, TxKind
from icafe.stack import LocalStack
from protocol import CommandOutcome, SessionKind

Call = Callable[[Store], Awaitable[Any]]

# Calls that read a whole collection on purpose, with why that is fine.
LISTINGS: dict[str, str] = {
    # The newest entry, the last by _id: both stores walk the _id index backwards and stop at the first
    # (nx-27017's explain is given no sort, so it cannot show it; 0.18 ms at 2,000 entries, 0.21 ms at
    # 20,000, timed on SQLite's plan "SCAN audit_log USING INDEX idx_audit_log_id").
    "AuditRepository.head": "the newest entry, by the _id index",
    "AuditRepository.append": "reads the head (above), then inserts",
    "AuditRepository.page(all)": "the whole log, newest first by _id, a page at a time",
    "AuditRepository.count": "the whole log's size (an unfiltered count reads metadata)",
    "ExportRepository.page(all)": "an owner's list of every export job, newest first, a page at a time",
    "AuditRepository.iterate(all)": "an export of the whole log, oldest first by _id, a batch at a time",
    "CommandRepository.iterate(all)": "an export of every PC's commands, a batch at a time",
    "CommandRepository.count(all)": "an unfiltered count reads metadata",
    "AgentReleaseRepository.page": "every agent release uploaded, newest first, a page at a time",
    "RolloutRepository.page": "every agent rollout, newest first, a page at a time",
    "LedgerRepository.iterate(all)": "an export of the whole payment history, a batch at a time",
    "MemberRepository.iterate(all)": "an export of every member by login, a batch at a time",
    "ProductRepository.iterate": "the catalogue (active ones, or all): tens of products",
    "SessionRepository.iterate(all)": "an export of every session, a batch at a time",
    "ShiftRepository.iterate(all)": "an export of every shift, a batch at a time",
    "VoucherRepository.iterate": "an export of every voucher, a batch at a time",
    "BranchRepository.all": "every branch: a handful",
    "StockRepository.page(all)": "every branch's stock movements, newest first, a page at a time",
    "StockOperationRepository.page(all)": "every receipt, write-off and transfer, a page at a time",
    "StocktakeRepository.page(all)": "every stocktake, newest first, a page at a time",
    "LedgerRepository.page(all)": "the whole payment history, newest first, a page at a time",
    "LedgerRepository.scan": "icafe ledger verify reads every transaction",
    "MemberRepository.page(all)": "every member by login, a page at a time",
    "MemberRepository.page(text)": "part of a login or name matches anywhere in it: no index serves that",
    "MemberRepository.reindex_phones": "key rotation re-indexes every member's phone",
    "PcRepository.page(all)": "every PC by id, a page at a time",
    "PcRepository.ids(all)": "every PC's id",
    "ProductRepository.page": "the catalogue (active ones, or all): tens of products",
    "SessionRepository.page(all)": "every session, newest first, a page at a time",
    "ShiftRepository.page(all)": "every shift, newest first, a page at a time",
    "Store.import_legacy_balances": "once, at the first start after an upgrade: every old balance entry",
    "Store.rewrite_field": "key rotation rewrites the field in every document",
    "TariffRepository.all": "every tariff: a handful",
    "TariffRepository.groups": "every PC group: a handful",
    "TelemetryRepository.count(all)": "an unfiltered count reads metadata",
    "UserRepository.count": "an unfiltered count reads metadata",
    "UserRepository.page": "every staff user by name, a page at a time",
    "VoucherRepository.page": "every voucher, newest first, a page at a time",
    "EnrollCodeRepository.page": "every enrollment code, newest first, a page at a time",
}
# Methods that send no command at all.
SENDS_NOTHING = {"Store.close": "closes the client"}


@dataclass
class Recorder(monitoring.CommandListener):
    commands: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.append((event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None


def filters(name: str, command: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The (collection, filter) pairs a command reads by."""
    if name == "find":
        return [(command["find"], command.get("filter", {}))]
    if name == "count":
        return [(command["count"], command.get("query", {}))]
    if name == "aggregate":
        match = command["pipeline"][0].get("$match", {}) if command["pipeline"] else {}
        return [(command["aggregate"], match)]
    if name == "findAndModify":
        return [(command["findAndModify"], command.get("query", {}))]
    if name == "update":
        return [(command["update"], update["q"]) for update in command["updates"]]
    if name == "delete":
        return [(command["delete"], delete["q"]) for delete in command["deletes"]]
    if name in ("insert", "endSessions", "ping", "explain", "dropDatabase"):
        return []
    raise AssertionError(f"a repository sent {name!r}, which it never needs once the store is open")


def scans(plan: dict[str, Any], collection: str) -> bool:
    winning = plan.get("queryPlanner", {}).get("winningPlan", {})
    if isinstance(winning, list):  # nx-27017: SQLite's plan, one row a step
        scan = re.compile(rf"^SCAN {re.escape(collection)}\b")
        return any(scan.match(str(step.get("detail", ""))) for step in winning)
    return "'COLLSCAN'" in repr(winning)  # MongoDB: a tree of stages


def public_methods(cls: type) -> set[str]:
    return {
        name
        for name, member in vars(cls).items()
        if not name.startswith("_")
        and name != "create_indexes"
        and (inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member))
    }


async def drain(stream: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in stream]


def tx(
    tx_id: str, posting_account: str, *, kind: TxKind = TxKind.PAYMENT, **details: Any
) -> LedgerTransaction:
    return LedgerTransaction(
        id=tx_id,
        idem=f"plan:{tx_id}",
        kind=kind,
        purpose="topup",
        amount=100,
        currency="UZS",
        branch="main",
        at=1,
        posting=transfer(branch_account(AccountKind.CASH, "main"), posting_account, 100),
        **details,
    )


MEMBER = member_account("m1")
DAY = datetime.date(2026, 1, 1)
TARIFF = DEFAULT_TARIFF.model_copy(update={"id": "plan"})
SESSION = SessionRecord(
    id="s1",
    pc_id="pc-1",
    kind=SessionKind.PREPAID,
    state=SessionState.PENDING,
    created_at=1,
    tariff_id="plan",
    started_by="cashier",
)
RELEASE = AgentRelease("0.2.0", "a" * 64, 10, "0.2.0.tar.gz", "admin", 1)
ROLLOUT = RolloutRecord("r1", "0.2.0", "one", "admin", 1, [RolloutTarget("pc-1", "c1")])
EXPORT = ExportRecord("x1", "u1", "admin", "payments", "csv", {}, created_at=1, runner="hub", beat_at=1)
ENROLL_CODE = EnrollCodeRecord("e1", "h" * 64, "1234", "main", None, None, 0, 5, 1, 10, "admin")
ENROLLMENT = EnrollmentRecord(
    "r1",
    "e1",
    "s",
    "csr",
    "f" * 64,
    "pc-9",
    "main",
    None,
    None,
    None,
    None,
    None,
    None,
    EnrollState.PENDING,
    1,
)
COMMAND = CommandRecord("c1", "pc-1", "lock", None, "admin", 1, 2, CommandState.SENT)
USER = StaffUser("u1", "aziz", "cashier", "h", False, 1)
TOKEN = RefreshRecord("t1", "f1", "u1", 0, 1, 10, 1, 100)

CALLS: dict[str, Call] = {
    # alerts
    "AlertRepository.raise_alert": lambda s: s.alerts.raise_alert("pc-1", "k", "m", {}, 1),
    "AlertRepository.set_state": lambda s: s.alerts.set_state("a1", "acknowledged", by="x", at=2),
    "AlertRepository.unresolved_for_pc": lambda s: s.alerts.unresolved_for_pc("pc-1"),
    "AlertRepository.unresolved_counts": lambda s: s.alerts.unresolved_counts(["pc-1", "pc-2"]),
    "AlertRepository.raise_stock_alert": lambda s: s.alerts.raise_stock_alert(
        "main", "p1", "low", "m", {}, 1
    ),
    "AlertRepository.resolve_stock_alert": lambda s: s.alerts.resolve_stock_alert(
        "main", "p1", "low", by="x", at=2
    ),
    "AlertRepository.unresolved_for_branch": lambda s: s.alerts.unresolved_for_branch("main"),
    "AlertRepository.resolve_pc_alert": lambda s: s.alerts.resolve_pc_alert("pc-1", "k", by="x", at=2),
    "AlertRepository.raise_system_alert": lambda s: s.alerts.raise_system_alert("main", "k", "m", {}, 1),
    "AlertRepository.resolve_system_alert": lambda s: s.alerts.resolve_system_alert(
        "main", "k", by="x", at=2
    ),
    "AlertRepository.get": lambda s: s.alerts.get("a1"),
    "AlertRepository.page(state)": lambda s: s.alerts.page(("open", "acknowledged"), {}),
    "AlertRepository.page(pc)": lambda s: s.alerts.page(("open",), {"pc_id": "pc-1"}),
    "AlertRepository.unresolved_by_kind": lambda s: s.alerts.unresolved_by_kind(),
    # enrollment
    "EnrollCodeRepository.create": lambda s: s.enroll_codes.create(ENROLL_CODE),
    "EnrollCodeRepository.by_hash": lambda s: s.enroll_codes.by_hash("h" * 64),
    "EnrollCodeRepository.get": lambda s: s.enroll_codes.get("e1"),
    "EnrollCodeRepository.take_use": lambda s: s.enroll_codes.take_use("e1", 2),
    "EnrollCodeRepository.withdraw": lambda s: s.enroll_codes.withdraw("e1", 3),
    "EnrollCodeRepository.page": lambda s: s.enroll_codes.page(),
    "EnrollmentRepository.create": lambda s: s.enrollments.create(ENROLLMENT),
    "EnrollmentRepository.get": lambda s: s.enrollments.get("r1"),
    "EnrollmentRepository.for_code_and_key": lambda s: s.enrollments.for_code_and_key("e1", "f" * 64),
    "EnrollmentRepository.new_secret": lambda s: s.enrollments.new_secret("r1", "s2"),
    "EnrollmentRepository.claim": lambda s: s.enrollments.claim(
        "r1", EnrollState.PENDING, EnrollState.SIGNING
    ),
    "EnrollmentRepository.approve": lambda s: s.enrollments.approve(
        "r1", pc_id="pc-9", group=None, certificate="c", ca="ca", serial="1", by="admin", at=4
    ),
    "EnrollmentRepository.reject": lambda s: s.enrollments.reject("r1", reason="no", by="admin", at=5),
    "EnrollmentRepository.in_state": lambda s: s.enrollments.in_state(EnrollState.PENDING),
    # audit
    "AuditRepository.head": lambda s: s.audit.head(),
    "AuditRepository.append": lambda s: s.audit.append(
        [lambda seq, prev: {"seq": seq, "hash": prev, "at": 1}]
    ),
    "AuditRepository.page(all)": lambda s: s.audit.page(),
    "AuditRepository.page(actor)": lambda s: s.audit.page(actor="admin"),
    "AuditRepository.page(action)": lambda s: s.audit.page(action="x.y"),
    "AuditRepository.page(time)": lambda s: s.audit.page(since_ms=0, until_ms=5),
    "AuditRepository.entries": lambda s: drain(s.audit.entries(3)),
    "AuditRepository.count": lambda s: s.audit.count(),
    "AuditRepository.iterate(all)": lambda s: drain(s.audit.iterate()),
    "AuditRepository.iterate(action)": lambda s: drain(s.audit.iterate(action="x.y")),
    "AuditRepository.iterate(time)": lambda s: drain(s.audit.iterate(since_ms=0, until_ms=5)),
    # branches
    "BranchRepository.get": lambda s: s.branches.get("main"),
    "BranchRepository.all": lambda s: s.branches.all(),
    "BranchRepository.save": lambda s: s.branches.save(BranchRecord("main", "Main")),
    "BranchRepository.create_if_missing": lambda s: s.branches.create_if_missing(BranchRecord("b2", "B")),
    # commands
    "CommandRepository.insert": lambda s: s.commands.insert(COMMAND),
    "CommandRepository.record_outcome": lambda s: s.commands.record_outcome(
        "c1", "pc-1", CommandOutcome.DONE, "", 3
    ),
    "CommandRepository.mark_unanswered": lambda s: s.commands.mark_unanswered("c1"),
    "CommandRepository.get": lambda s: s.commands.get("c1"),
    "CommandRepository.by_ids": lambda s: s.commands.by_ids(["c1", "c2"]),
    "AgentReleaseRepository.insert": lambda s: s.agent_releases.insert(RELEASE),
    "AgentReleaseRepository.get": lambda s: s.agent_releases.get("0.2.0"),
    "AgentReleaseRepository.page": lambda s: s.agent_releases.page(),
    "RolloutRepository.insert": lambda s: s.rollouts.insert(ROLLOUT),
    "RolloutRepository.get": lambda s: s.rollouts.get("r1"),
    "RolloutRepository.page": lambda s: s.rollouts.page(),
    "CommandRepository.for_pc": lambda s: s.commands.for_pc("pc-1"),
    "CommandRepository.iterate(all)": lambda s: drain(s.commands.iterate()),
    "CommandRepository.iterate(pc)": lambda s: drain(s.commands.iterate("pc-1")),
    "CommandRepository.count(all)": lambda s: s.commands.count(),
    "CommandRepository.count(pc)": lambda s: s.commands.count("pc-1"),
    # journals
    "JournalRepository.insert": lambda s: s.journals.insert(
        "pc-1", "j1", 1, {"type": "t", "session_id": "s1"}
    ),
    "JournalRepository.stored": lambda s: s.journals.stored("pc-1", "j1", 1),
    "JournalRepository.acked": lambda s: s.journals.acked("pc-1", "j1"),
    "JournalRepository.quarantine": lambda s: s.journals.quarantine("pc-1", "j1", 9, {"received_at": 1}),
    "JournalRepository.quarantined": lambda s: s.journals.quarantined("pc-1"),
    "JournalRepository.advance": lambda s: s.journals.advance("pc-1", "j1", 5),
    "JournalRepository.events(pc)": lambda s: s.journals.events("pc-1"),
    "JournalRepository.events(journal)": lambda s: s.journals.events("pc-1", "j1"),
    "JournalRepository.events_of_session": lambda s: s.journals.events_of_session("s1"),
    "JournalRepository.cursors": lambda s: s.journals.cursors("pc-1"),
    # ledger
    "ExportRepository.insert": lambda s: s.exports.insert(EXPORT),
    "ExportRepository.get": lambda s: s.exports.get("x1"),
    "ExportRepository.page(all)": lambda s: s.exports.page(None),
    "ExportRepository.page(user)": lambda s: s.exports.page("u1"),
    "ExportRepository.unfinished_of": lambda s: s.exports.unfinished_of("u1"),
    "ExportRepository.start": lambda s: s.exports.start("x1", 1, runner="hub", at=2),
    "ExportRepository.progress": lambda s: s.exports.progress("x1", 1, rows=1, total=2, at=3),
    "ExportRepository.beat": lambda s: s.exports.beat(["x1"], 4),
    "ExportRepository.finish": lambda s: s.exports.finish(
        "x1", 1, file="x1.csv", size=10, rows=2, at=5, expires_at=6
    ),
    "ExportRepository.fail": lambda s: s.exports.fail("x1", 1, error="e", retryable=True, at=7),
    "ExportRepository.fail_orphans(runner)": lambda s: s.exports.fail_orphans(runner="hub", error="e", at=8),
    "ExportRepository.fail_orphans(beat)": lambda s: s.exports.fail_orphans(beat_before=1, error="e", at=8),
    "ExportRepository.requeue": lambda s: s.exports.requeue("x1", runner="hub", at=9),
    "ExportRepository.expired": lambda s: s.exports.expired(10),
    "ExportRepository.expire": lambda s: s.exports.expire("x1", 11),
    "ExportRepository.states": lambda s: s.exports.states(["x1", "x2"]),
    "LedgerRepository.post": lambda s: s.ledger.post(
        tx("l1", MEMBER, member_id="m1", session_id="s1", shift_id="sh1"),
        receipt_branch="main",
        cap=CapClaim("session:s1", 1000, 100),
    ),
    "LedgerRepository.by_key": lambda s: s.ledger.by_key("plan:l1"),
    "LedgerRepository.get": lambda s: s.ledger.get("l1"),
    "LedgerRepository.line_sum": lambda s: s.ledger.line_sum(branch_account(AccountKind.CASH, "main")),
    "LedgerRepository.balance": lambda s: s.ledger.balance(MEMBER),
    "LedgerRepository.balances": lambda s: s.ledger.balances(
        [MEMBER, branch_account(AccountKind.CASH, "main")]
    ),
    "LedgerRepository.capped_sum": lambda s: s.ledger.capped_sum("session:s1"),
    "LedgerRepository.refunds_of": lambda s: s.ledger.refunds_of("l1"),
    "LedgerRepository.page(all)": lambda s: s.ledger.page(HistoryFilter(kinds=("payment", "refund"))),
    "LedgerRepository.page(member)": lambda s: s.ledger.page(
        HistoryFilter(kinds=("payment",), member_id="m1")
    ),
    "LedgerRepository.page(time)": lambda s: s.ledger.page(
        HistoryFilter(kinds=("payment",), since=0, until=9)
    ),
    "LedgerRepository.page(branch)": lambda s: s.ledger.page(
        HistoryFilter(kinds=("payment",), branch="main")
    ),
    "LedgerRepository.page(staff)": lambda s: s.ledger.page(HistoryFilter(kinds=("payment",), staff="admin")),
    "LedgerRepository.find(shift)": lambda s: s.ledger.find(HistoryFilter(shift_id="sh1")),
    "LedgerRepository.find(session)": lambda s: s.ledger.find(HistoryFilter(kind="refund", session_id="s1")),
    "LedgerRepository.iterate": lambda s: drain(s.ledger.iterate(HistoryFilter(member_id="m1"))),
    "LedgerRepository.iterate(moving goods)": lambda s: drain(
        s.ledger.iterate(HistoryFilter(since=0, moving_goods=True))
    ),
    "LedgerRepository.iterate(all)": lambda s: drain(
        s.ledger.iterate(HistoryFilter(kinds=("payment", "refund")))
    ),
    "LedgerRepository.iterate(time)": lambda s: drain(
        s.ledger.iterate(HistoryFilter(kinds=("payment", "refund"), since=0, until=5))
    ),
    "LedgerRepository.account_entries": lambda s: s.ledger.account_entries(MEMBER),
    "LedgerRepository.scan": lambda s: drain(s.ledger.scan()),
    "LedgerRepository.import_once": lambda s: s.ledger.import_once(
        [tx("l2", MEMBER, kind=TxKind.ADJUSTMENT)]
    ),
    # members and offline grants
    "MemberRepository.create": lambda s: s.members.create(MemberRecord("m1", "nodira", "N", "h", 1)),
    "MemberRepository.logins": lambda s: s.members.logins(["m1", "m2"]),
    "MemberRepository.get": lambda s: s.members.get("m1"),
    "MemberRepository.by_login": lambda s: s.members.by_login("nodira"),
    "MemberRepository.resolve": lambda s: s.members.resolve("nodira"),
    "MemberRepository.resolve_id": lambda s: s.members.resolve_id("nodira"),
    "MemberRepository.exists": lambda s: s.members.exists("m1"),
    "MemberRepository.page(all)": lambda s: s.members.page(),
    "MemberRepository.page(text)": lambda s: s.members.page(MemberSearch(text="nod")),
    "MemberRepository.page(login)": lambda s: s.members.page(MemberSearch(login="nodira")),
    "MemberRepository.iterate(all)": lambda s: drain(s.members.iterate()),
    "MemberRepository.iterate(login)": lambda s: drain(s.members.iterate(MemberSearch(login="nodira"))),
    "MemberRepository.update_contact": lambda s: s.members.update_contact("m1", name="Nodira"),
    "MemberRepository.reindex_phones": lambda s: s.members.reindex_phones(lambda member, sealed: None),
    "MemberRepository.set_secret": lambda s: s.members.set_secret("m1", "h2", "pin", None),
    "MemberRepository.claim_session": lambda s: s.members.claim_session("m1", "s1"),
    "MemberRepository.release_session": lambda s: s.members.release_session("m1", "s1"),
    "OfflineGrantRepository.grant": lambda s: s.offline_grants.grant(OfflineGrant("m1", "pc-1", "k", 1, 2)),
    "OfflineGrantRepository.get": lambda s: s.offline_grants.get("m1", "pc-1"),
    # PCs
    "PcRepository.record_hello": lambda s: s.pcs.record_hello("pc-1", "main", 1, {"hostname": "h"}),
    "PcRepository.record_seen": lambda s: s.pcs.record_seen("pc-1", "main", 2),
    "PcRepository.record_telemetry": lambda s: s.pcs.record_telemetry([("pc-1", "main", 3, {"cpu": 1})]),
    "PcRepository.site_of": lambda s: s.pcs.site_of("pc-1"),
    "PcRepository.set_group": lambda s: s.pcs.set_group("pc-1", "g1"),
    "PcRepository.get": lambda s: s.pcs.get("pc-1"),
    "PcRepository.page(all)": lambda s: s.pcs.page(),
    "PcRepository.page(site)": lambda s: s.pcs.page(site="main"),
    "PcRepository.ids(all)": lambda s: s.pcs.ids(),
    "PcRepository.ids(site)": lambda s: s.pcs.ids(site="main"),
    "PcRepository.by_ids": lambda s: s.pcs.by_ids(["pc-1", "pc-2"]),
    # products
    "ProductRepository.create": lambda s: s.products.create(ProductRecord("p1", "Tea", 100)),
    "ProductRepository.update": lambda s: s.products.update("p1", {"price": 200}),
    "ProductRepository.get": lambda s: s.products.get("p1"),
    "ProductRepository.by_ids": lambda s: s.products.by_ids(["p1", "p2"]),
    "ProductRepository.page": lambda s: s.products.page(active_only=True),
    "ProductRepository.iterate": lambda s: drain(s.products.iterate(active_only=False)),
    # reports (hub.reports): rollups of days, and the range reads days are folded from
    "ReportRepository.days": lambda s: s.reports.days("main", DAY, DAY, ["takings", "hours"]),
    "ReportRepository.save_day": lambda s: s.reports.save_day("main", DAY, {"takings": [], "hours": []}, 1),
    "ReportRepository.months": lambda s: s.reports.months("main", DAY, DAY, ["takings", "daily"]),
    "ReportRepository.save_month": lambda s: s.reports.save_month(
        "main", DAY, {"takings": [], "daily": []}, 1
    ),
    "ReportRepository.running": lambda s: s.reports.running("main", DAY, DAY, ["accounts", "members"]),
    "ReportRepository.save_running": lambda s: s.reports.save_running(
        "main", DAY, DAY, {"accounts": [], "members": []}, 1
    ),
    "ReportRepository.drop_days": lambda s: s.reports.drop_days("main"),
    "ReportRepository.transactions": lambda s: drain(s.reports.transactions("main", 0, 9)),
    "ReportRepository.sessions": lambda s: drain(s.reports.sessions(0, 9)),
    "ReportRepository.first_activity": lambda s: s.reports.first_activity("main"),
    "ReportRepository.first_session": lambda s: s.reports.first_session(),
    "ReportRepository.shifts": lambda s: s.reports.shifts("main", 0, 9),
    "ReportRepository.audit_actions": lambda s: s.reports.audit_actions("session.stop", 0, 9),
    "ReportRepository.members_joined": lambda s: s.reports.members_joined(0, 9),
    "ReportRepository.member_logins": lambda s: s.reports.member_logins(["m1", "m2"]),
    # sessions
    "SessionRepository.insert": lambda s: s.sessions.insert(SESSION),
    "SessionRepository.insert_if_absent": lambda s: s.sessions.insert_if_absent(SESSION),
    "SessionRepository.get": lambda s: s.sessions.get("s1"),
    "SessionRepository.open_for_pc": lambda s: s.sessions.open_for_pc("pc-1"),
    "SessionRepository.page(all)": lambda s: s.sessions.page(filters={}),
    "SessionRepository.page(pc)": lambda s: s.sessions.page(filters={"pc_id": "pc-1"}),
    "SessionRepository.page(member)": lambda s: s.sessions.page(filters={"member_id": "m1"}),
    "SessionRepository.iterate(all)": lambda s: drain(s.sessions.iterate(filters={})),
    "SessionRepository.iterate(pc)": lambda s: drain(s.sessions.iterate(filters={"pc_id": "pc-1"})),
    "SessionRepository.guests_started_by": lambda s: s.sessions.guests_started_by("cashier", 0, 9),
    "SessionRepository.set_state": lambda s: s.sessions.set_state(
        "s1", SessionState.ACTIVE, only_from=[SessionState.PENDING]
    ),
    "SessionRepository.record_started": lambda s: s.sessions.record_started("s1", {"started_at": 2}),
    "SessionRepository.order_extension": lambda s: s.sessions.order_extension("s1", None, 30),
    "SessionRepository.set_ends_at": lambda s: s.sessions.set_ends_at("s1", 9),
    "SessionRepository.set_review": lambda s: s.sessions.set_review("s1", "waived", by="x", at=3),
    "SessionRepository.record_progress": lambda s: s.sessions.record_progress("s1", 10, 1),
    "SessionRepository.record_extended": lambda s: s.sessions.record_extended("s1", None, 30),
    "SessionRepository.record_ended": lambda s: s.sessions.record_ended("s1", {"ended_at": 5}),
    "SessionRepository.add_flag": lambda s: s.sessions.add_flag("s1", "offline"),
    "SessionRepository.pending_older_than": lambda s: s.sessions.pending_older_than(9),
    # shifts
    "ShiftRepository.open": lambda s: s.shifts.open(ShiftRecord("sh1", "main", "u1", "aziz", 1, 0)),
    "ShiftRepository.current": lambda s: s.shifts.current("main", "u1"),
    "ShiftRepository.get": lambda s: s.shifts.get("sh1"),
    "ShiftRepository.close": lambda s: s.shifts.close("sh1", counted={}, expected={}, at=2, by="x", note=""),
    "ShiftRepository.page(all)": lambda s: s.shifts.page(),
    "ShiftRepository.page(branch)": lambda s: s.shifts.page(branch="main"),
    "ShiftRepository.iterate(all)": lambda s: drain(s.shifts.iterate()),
    "ShiftRepository.iterate(branch)": lambda s: drain(s.shifts.iterate(branch="main")),
    # stock: movements, settings, operations, stocktakes
    "StockRepository.post": lambda s: s.stock.post(
        NewMovement("m1", "main", "p1", Change(StockKind.RECEIVED, 2, value=20))
    ),
    "StockRepository.post(return)": lambda s: s.stock.post(
        NewMovement("m2", "main", "p1", Change(StockKind.RETURNED, 1), return_cap=ReturnCap("l1:p1", 1))
    ),
    "StockRepository.get": lambda s: s.stock.get("m1"),
    "StockRepository.level": lambda s: s.stock.level("main", "p1"),
    "StockRepository.level_at": lambda s: s.stock.level_at("main", "p1", 5),
    "StockRepository.returned": lambda s: s.stock.returned("l1", "p1"),
    "StockRepository.by_ref": lambda s: s.stock.by_ref("l1"),
    "StockRepository.page(all)": lambda s: s.stock.page(MovementFilter()),
    "StockRepository.page(product)": lambda s: s.stock.page(MovementFilter(branch="main", product_id="p1")),
    "StockRepository.page(kind)": lambda s: s.stock.page(MovementFilter(kind="sold", since=0, until=9)),
    "StockRepository.iterate(sold)": lambda s: drain(s.stock.iterate(MovementFilter(kind="sold", since=0))),
    "StockRepository.iterate(branch)": lambda s: drain(s.stock.iterate(MovementFilter(branch="main"))),
    "StockRepository.watermark": lambda s: s.stock.watermark(),
    "StockRepository.set_watermark": lambda s: s.stock.set_watermark(5),
    "StockItemRepository.get": lambda s: s.stock_items.get("p1"),
    "StockItemRepository.save": lambda s: s.stock_items.save(StockItem("p1", track=True, low_stock=2)),
    "StockItemRepository.tracked": lambda s: s.stock_items.tracked(),
    "StockOperationRepository.create": lambda s: s.stock_operations.create(
        StockOperation(
            "o1", "receive:main:k", "receive", "main", (OperationLine("p1", 1, 5),), 1, "a", "u", "f"
        )
    ),
    "StockOperationRepository.get": lambda s: s.stock_operations.get("o1"),
    "StockOperationRepository.finish": lambda s: s.stock_operations.finish(
        StockOperation("o1", "receive:main:k", "receive", "main", (), 1, "a", "u", "f"), "done"
    ),
    "StockOperationRepository.unfinished": lambda s: s.stock_operations.unfinished(),
    "StockOperationRepository.page(all)": lambda s: s.stock_operations.page(),
    "StockOperationRepository.page(branch)": lambda s: s.stock_operations.page(branch="main"),
    "StocktakeRepository.create": lambda s: s.stocktakes.create(
        StocktakeRecord("t1", "main", "Dilnoza", "a", 1)
    ),
    "StocktakeRepository.get": lambda s: s.stocktakes.get("t1"),
    "StocktakeRepository.set_count": lambda s: s.stocktakes.set_count("t1", CountLine("p1", 3, "a", 2)),
    "StocktakeRepository.counts": lambda s: s.stocktakes.counts("t1"),
    "StocktakeRepository.start_posting": lambda s: s.stocktakes.start_posting("t1", by="a", at=3),
    "StocktakeRepository.finish_posting": lambda s: s.stocktakes.finish_posting("t1"),
    "StocktakeRepository.posting": lambda s: s.stocktakes.posting(),
    "StocktakeRepository.page(all)": lambda s: s.stocktakes.page(),
    "StocktakeRepository.page(branch)": lambda s: s.stocktakes.page(branch="main", state="posted"),
    # tariffs and groups
    "TariffRepository.save": lambda s: s.tariffs.save(TARIFF, 1),
    "TariffRepository.create": lambda s: s.tariffs.create(TARIFF, 1),
    "TariffRepository.get": lambda s: s.tariffs.get("plan"),
    "TariffRepository.all": lambda s: s.tariffs.all(),
    "TariffRepository.save_group": lambda s: s.tariffs.save_group(PcGroup("g1", "G", "plan")),
    "TariffRepository.group": lambda s: s.tariffs.group("g1"),
    "TariffRepository.groups": lambda s: s.tariffs.groups(),
    # telemetry
    "TelemetryRepository.insert_many": lambda s: s.telemetry.insert_many(
        [{"_id": "x1", "pc_id": "pc-1", "at": 1}]
    ),
    "TelemetryRepository.recent": lambda s: s.telemetry.recent("pc-1"),
    "TelemetryRepository.count(pc)": lambda s: s.telemetry.count("pc-1"),
    "TelemetryRepository.count(all)": lambda s: s.telemetry.count(),
    "TelemetryRepository.prune": lambda s: s.telemetry.prune(0),
    # refresh tokens
    "RefreshTokenRepository.insert": lambda s: s.refresh_tokens.insert(TOKEN),
    "RefreshTokenRepository.claim": lambda s: s.refresh_tokens.claim("t1", 2),
    "RefreshTokenRepository.get": lambda s: s.refresh_tokens.get("t1"),
    "RefreshTokenRepository.revoke_family": lambda s: s.refresh_tokens.revoke_family("f1"),
    "RefreshTokenRepository.revoke_user": lambda s: s.refresh_tokens.revoke_user("u1"),
    "RefreshTokenRepository.family_live": lambda s: s.refresh_tokens.family_live("f1"),
    "RefreshTokenRepository.prune": lambda s: s.refresh_tokens.prune(0),
    # staff users
    "UserRepository.count": lambda s: s.users.count(),
    "UserRepository.create": lambda s: s.users.create(USER),
    "UserRepository.by_username": lambda s: s.users.by_username("aziz"),
    "UserRepository.by_id": lambda s: s.users.by_id("u1"),
    "UserRepository.page": lambda s: s.users.page(),
    "UserRepository.count_active": lambda s: s.users.count_active("owner"),
    "UserRepository.generation": lambda s: s.users.generation("u1"),
    "UserRepository.set_password_hash": lambda s: s.users.set_password_hash("u1", "h2"),
    "UserRepository.update": lambda s: s.users.update("u1", {"role": "manager"}, at_ms=2),
    "UserRepository.use_recovery_code": lambda s: s.users.use_recovery_code("u1", "c"),
    # vouchers
    "VoucherRepository.create": lambda s: s.vouchers.create(
        VoucherRecord("v1", "hash", "ABCD", "main", 1, 1, "l1")
    ),
    "VoucherRepository.by_code_hash": lambda s: s.vouchers.by_code_hash("hash"),
    "VoucherRepository.by_payment": lambda s: s.vouchers.by_payment("l1"),
    "VoucherRepository.page": lambda s: s.vouchers.page(),
    "VoucherRepository.iterate": lambda s: drain(s.vouchers.iterate()),
    # the store itself
    "Store.ping": lambda s: s.ping(),
    "Store.import_legacy_balances": lambda s: s.import_legacy_balances("UZS"),
    "Store.rewrite_field": lambda s: s.rewrite_field("members", "phone_enc", lambda _id, value: None),
}


@pytest.fixture
async def recorded(stack: LocalStack) -> AsyncIterator[tuple[Store, Recorder]]:
    recorder = Recorder()
    store = await open_store(stack.mongo_url, f"icafe_plans_{uuid.uuid4().hex[:8]}", listeners=[recorder])
    yield store, recorder
    await store.client.drop_database(store.db.name)
    await store.close()


def test_every_repository_method_has_a_call() -> None:
    repositories = [
        cls
        for cls in typing.get_type_hints(Store).values()
        if inspect.isclass(cls) and cls.__name__.endswith("Repository")
    ]
    expected = {
        f"{cls.__name__}.{method}" for cls in [*repositories, Store] for method in public_methods(cls)
    }
    called = {label.split("(")[0] for label in CALLS}
    assert expected - set(SENDS_NOTHING) - called == set(), "repository methods whose queries go unexplained"
    assert called - expected == set(), "calls of methods that no longer exist"


async def test_every_query_uses_an_index(recorded: tuple[Store, Recorder]) -> None:
    store, recorder = recorded
    scanned: dict[str, list[str]] = {}
    for label, call in CALLS.items():
        del recorder.commands[:]
        await call(store)
        for name, command in list(recorder.commands):
            for collection, where in filters(name, command):
                plan = await store.db.command({"explain": {"find": collection, "filter": where}})
                if scans(plan, collection) and label not in LISTINGS:
                    scanned.setdefault(label, []).append(f"{collection} {where}")
    found = "\n".join(f"{label}: {where}" for label, wheres in sorted(scanned.items()) for where in wheres)
    assert not scanned, f"queries that scan instead of using an index:\n{found}"
