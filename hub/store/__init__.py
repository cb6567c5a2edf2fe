"""The repository layer: the only code that builds MongoDB queries. Handlers call these methods.

Every query is answered from an index (``tests/integration/test_store_plans.py`` asks the store for the
plan of each). For the embedded store that means: a field matched by equality has an index of its own,
besides any compound index that starts with it, because nx-27017 treats an equality on a field without
one as "equal, or an array containing it", which no index serves; and ``$in`` on a field other than
``_id`` is never served by an index there, so a query leads with an equality. Counts use the count
command (``hub.store.counting``).
"""

from hub.store.audit import AuditRepository
from hub.store.branches import BranchRecord, BranchRepository
from hub.store.commands import CommandRecord, CommandRepository
from hub.store.database import Store, open_store
from hub.store.journals import JournalCursor, JournalRepository
from hub.store.ledger import HistoryFilter, LedgerRepository
from hub.store.members import MemberRecord, MemberRepository
from hub.store.pcs import PcRecord, PcRepository
from hub.store.products import ProductRecord, ProductRepository
from hub.store.sessions import SessionRecord, SessionRepository
from hub.store.shifts import ShiftRecord, ShiftRepository
from hub.store.tariffs import PcGroup, TariffRepository
from hub.store.telemetry import TelemetryRepository
from hub.store.tokens import RefreshRecord, RefreshTokenRepository
from hub.store.users import StaffUser, UserRepository
from hub.store.vouchers import VoucherRecord, VoucherRepository

__all__ = [
    "AuditRepository",
    "BranchRecord",
    "BranchRepository",
    "CommandRecord",
    "CommandRepository",
    "HistoryFilter",
    "JournalCursor",
    "JournalRepository",
    "LedgerRepository",
    "MemberRecord",
    "MemberRepository",
    "PcGroup",
    "PcRecord",
    "PcRepository",
    "ProductRecord",
    "ProductRepository",
    "RefreshRecord",
    "RefreshTokenRepository",
    "SessionRecord",
    "SessionRepository",
    "ShiftRecord",
    "ShiftRepository",
    "StaffUser",
    "Store",
    "TariffRepository",
    "TelemetryRepository",
    "UserRepository",
    "VoucherRecord",
    "VoucherRepository",
    "open_store",
]
