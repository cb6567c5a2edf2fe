"""Opening MongoDB (or the embedded MongoDB-wire store) through PyMongo's asyncio API.

Timestamps are stored as integer epoch milliseconds: they sort and compare the same on MongoDB 7+
and on nx-27017, which reads back datetimes written by ``$set`` as strings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError
from pymongo.monitoring import CommandListener

from hub.errors import StoreUnavailable
from hub.store.alerts import AlertRepository
from hub.store.audit import AuditRepository
from hub.store.branches import BranchRepository
from hub.store.commands import CommandRepository
from hub.store.enrollments import EnrollCodeRepository, EnrollmentRepository
from hub.store.exports import ExportRepository
from hub.store.fleet import AgentReleaseRepository, RolloutRepository
from hub.store.journals import JournalRepository
from hub.store.ledger import LedgerRepository, import_legacy_balances
from hub.store.members import MemberRepository, OfflineGrantRepository
from hub.store.pcs import PcRepository
from hub.store.products import ProductRepository
from hub.store.reports import ReportRepository
from hub.store.sessions import SessionRepository
from hub.store.shifts import ShiftRepository
from hub.store.stock import StockRepository
from hub.store.stock_items import StockItemRepository
from hub.store.stock_operations import StockOperationRepository
from hub.store.stocktakes import StocktakeRepository
from hub.store.tariffs import TariffRepository
from hub.store.telemetry import TelemetryRepository
from hub.store.tokens import RefreshTokenRepository
from hub.store.users import UserRepository
from hub.store.vouchers import VoucherRepository

Document = dict[str, Any]


@dataclass
class Store:
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    pcs: PcRepository
    telemetry: TelemetryRepository
    commands: CommandRepository
    users: UserRepository
    members: MemberRepository
    ledger: LedgerRepository
    tariffs: TariffRepository
    sessions: SessionRepository
    journals: JournalRepository
    branches: BranchRepository = field(init=False)
    products: ProductRepository = field(init=False)
    shifts: ShiftRepository = field(init=False)
    vouchers: VoucherRepository = field(init=False)
    refresh_tokens: RefreshTokenRepository = field(init=False)
    audit: AuditRepository = field(init=False)
    alerts: AlertRepository = field(init=False)
    offline_grants: OfflineGrantRepository = field(init=False)
    enroll_codes: EnrollCodeRepository = field(init=False)
    enrollments: EnrollmentRepository = field(init=False)
    stock: StockRepository = field(init=False)
    stock_items: StockItemRepository = field(init=False)
    stock_operations: StockOperationRepository = field(init=False)
    stocktakes: StocktakeRepository = field(init=False)
    exports: ExportRepository = field(init=False)
    reports: ReportRepository = field(init=False)
    agent_releases: AgentReleaseRepository = field(init=False)
    rollouts: RolloutRepository = field(init=False)

    async def ping(self) -> bool:
        try:
            await self.db.command("ping")
        except PyMongoError:
            return False
        return True

    async def import_legacy_balances(self, currency: str) -> int:
        """Bring balance entries from before the ledger into it, once (see ``import_legacy_balances``)."""
        return await import_legacy_balances(self.db["balance_entries"], self.ledger, currency)

    async def close(self) -> None:
        await self.client.close()

    async def rewrite_field(
        self, collection: str, path: str, rewrite: Callable[[Any, str], str | None]
    ) -> tuple[int, int]:
        """Key rotation: for every document whose ``path`` holds a string, store ``rewrite(_id, value)``
        unless it is None; compare-and-set on the old value, so a concurrent change is never lost.
        Returns (seen, rewritten)."""
        seen = rewritten = 0
        documents = self.db[collection]
        async for doc in documents.find({path: {"$exists": True}}):
            value: Any = doc
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if not isinstance(value, str):
                continue
            seen += 1
            new = rewrite(doc["_id"], value)
            if new is not None and new != value:
                result = await documents.update_one({"_id": doc["_id"], path: value}, {"$set": {path: new}})
                rewritten += result.modified_count
        return seen, rewritten


async def open_store(
    url: str,
    database: str,
    *,
    timeout_ms: int = 3000,
    socket_timeout_ms: int = 15000,
    listeners: Sequence[CommandListener] = (),
) -> Store:
    """``timeout_ms`` bounds finding a server and connecting, ``socket_timeout_ms`` waiting for an answer: an
    operation meeting a store that is down or stuck fails within them (the API answers 503). ``listeners``
    see every command sent (``tests/integration/test_store_plans.py`` explains each query)."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        url,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=socket_timeout_ms,
        tz_aware=True,
        event_listeners=list(listeners),
    )
    db = client[database]
    store = Store(
        client=client,
        db=db,
        pcs=PcRepository(db["pcs"]),
        telemetry=TelemetryRepository(db["telemetry"]),
        commands=CommandRepository(db["commands"]),
        users=UserRepository(db["staff_users"]),
        members=MemberRepository(db["members"]),
        ledger=LedgerRepository(db["ledger"]),
        tariffs=TariffRepository(db["tariffs"], db["pc_groups"]),
        sessions=SessionRepository(db["sessions"]),
        journals=JournalRepository(db["journal_events"], db["journal_cursors"], db["quarantined_events"]),
    )
    store.refresh_tokens = RefreshTokenRepository(db["refresh_tokens"])
    store.audit = AuditRepository(db["audit_log"])
    store.branches = BranchRepository(db["branches"])
    store.products = ProductRepository(db["products"])
    store.shifts = ShiftRepository(db["shifts"])
    store.vouchers = VoucherRepository(db["vouchers"])
    store.alerts = AlertRepository(db["pc_alerts"])
    store.offline_grants = OfflineGrantRepository(db["offline_grants"])
    store.enroll_codes = EnrollCodeRepository(db["enroll_codes"])
    store.enrollments = EnrollmentRepository(db["enrollments"])
    store.stock = StockRepository(db["stock_movements"], db["stock_state"])
    store.stock_items = StockItemRepository(db["stock_items"])
    store.stock_operations = StockOperationRepository(db["stock_operations"])
    store.stocktakes = StocktakeRepository(db["stocktakes"], db["stocktake_counts"])
    store.exports = ExportRepository(db["export_jobs"])
    store.reports = ReportRepository(db)
    store.agent_releases = AgentReleaseRepository(db["agent_releases"])
    store.rollouts = RolloutRepository(db["agent_rollouts"])
    try:
        for repository in (
            store.pcs,
            store.telemetry,
            store.commands,
            store.users,
            store.members,
            store.ledger,
            store.tariffs,
            store.sessions,
            store.journals,
            store.refresh_tokens,
            store.audit,
            store.branches,
            store.products,
            store.shifts,
            store.vouchers,
            store.alerts,
            store.offline_grants,
            store.enroll_codes,
            store.enrollments,
            store.stock,
            store.stock_items,
            store.stock_operations,
            store.stocktakes,
            store.exports,
            store.reports,
            store.agent_releases,
            store.rollouts,
        ):
            await repository.create_indexes()
    except PyMongoError as exc:
        await client.close()
        raise StoreUnavailable(f"MongoDB at {url} is unavailable: {exc}") from None
    return store
