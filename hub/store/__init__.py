"""The repository layer: the only code that builds MongoDB queries. Handlers call these methods."""

from hub.store.commands import CommandRecord, CommandRepository
from hub.store.database import Store, open_store
from hub.store.pcs import PcRecord, PcRepository
from hub.store.telemetry import TelemetryRepository
from hub.store.users import StaffUser, UserRepository

__all__ = [
    "CommandRecord",
    "CommandRepository",
    "PcRecord",
    "PcRepository",
    "StaffUser",
    "Store",
    "TelemetryRepository",
    "UserRepository",
    "open_store",
]
