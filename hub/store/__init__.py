"""The repository layer: the only code that builds MongoDB queries. Handlers call these methods."""

from hub.store.audit import AuditRepository
from hub.store.balances import BalanceRepository
from hub.store.commands import CommandRecord, CommandRepository
from hub.store.database import Store, open_store
from hub.store.journals import JournalCursor, JournalRepository
from hub.store.members import MemberRecord, MemberRepository
from hub.store.pcs import PcRecord, PcRepository
from hub.store.sessions import SessionRecord, SessionRepository
from hub.store.tariffs import PcGroup, TariffRepository
from hub.store.telemetry import TelemetryRepository
from hub.store.tokens import RefreshRecord, RefreshTokenRepository
from hub.store.users import StaffUser, UserRepository

__all__ = [
    "AuditRepository",
    "BalanceRepository",
    "CommandRecord",
    "CommandRepository",
    "JournalCursor",
    "JournalRepository",
    "MemberRecord",
    "MemberRepository",
    "PcGroup",
    "PcRecord",
    "PcRepository",
    "RefreshRecord",
    "RefreshTokenRepository",
    "SessionRecord",
    "SessionRepository",
    "StaffUser",
    "Store",
    "TariffRepository",
    "TelemetryRepository",
    "UserRepository",
    "open_store",
]
