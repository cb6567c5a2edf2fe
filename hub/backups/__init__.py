"""Backups of the store: consistent signed archives (``icafe backup``/``icafe restore``), scheduled with
retention by the hub."""

from hub.backups.archive import ArchiveError, Signer, archives_in
from hub.backups.backup import BackupError, BackupResult, take_backup
from hub.backups.embedded import EmbeddedStoreError, serve, store_dir
from hub.backups.restore import RestoreRefused, RestoreReport, check_archive, restore

__all__ = [
    "ArchiveError",
    "BackupError",
    "BackupResult",
    "EmbeddedStoreError",
    "RestoreRefused",
    "RestoreReport",
    "Signer",
    "archives_in",
    "check_archive",
    "restore",
    "serve",
    "store_dir",
    "take_backup",
]
