"""Taking a backup of the embedded store: snapshot its file (one instant, see ``hub.backups.embedded``),
serve the copy privately, write every collection and the chains' heads into a signed archive.

Runs its own event loop (``take_backup`` is synchronous): the command calls it directly, the hub in a
worker thread, so that compressing a large store never stalls the hub's loop.
"""

from __future__ import annotations

import asyncio
import gzip
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import AsyncMongoClient

from hub.backups.archive import (
    FORMAT,
    ArchiveReader,
    Manifest,
    Signer,
    archive_name,
    collection_member,
    sha256_of,
    write_archive,
)
from hub.backups.destination import Destination
from hub.backups.embedded import database_file, serve, snapshot_file
from hub.errors import HubError
from hub.money.verify import verify_ledger
from hub.security.audit import verify_chain
from hub.store.audit import AuditRepository
from hub.store.ledger import LedgerRepository

RAW = CodecOptions(document_class=RawBSONDocument)
LEDGER = "ledger"
AUDIT = "audit_log"
_COMPRESSION = 6
# Index options the store reports that are not options of create_index.
_NOT_OPTIONS = {"v", "ns", "key"}


class BackupError(HubError):
    """A backup could not be taken; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: Manifest
    seconds: float
    # Where the archive is now: its path, or s3://bucket/key.
    location: str = ""

    @property
    def documents(self) -> int:
        return sum(int(c["documents"]) for c in self.manifest["collections"].values())


def take_backup(data_dir: Path, database: str, dest: Path, signer: Signer) -> BackupResult:
    """Back the database ``database`` of the embedded store under ``data_dir`` up into the folder
    ``dest`` (created 0700); the hub may be running and writing meanwhile."""
    source = database_file(data_dir, database)
    if not source.is_file():
        raise BackupError(
            f"no embedded store database at {source}: icafe backup copies the embedded store's file "
            "(check ICAFE_DATA_DIR and ICAFE_MONGO_DB; a MongoDB server is backed up with its own tools)"
        )
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix=".icafe-backup-", dir=dest))
    try:
        snapshot = work / "snapshot"
        snapshot.mkdir(mode=0o700)
        created_ms = int(time.time() * 1000)
        snapshot_file(source, snapshot / f"{database}.db")
        with serve(snapshot, work / "store.log") as url:
            manifest, files = asyncio.run(_dump(url, database, work))
        manifest.update(
            format=FORMAT, database=database, created_ms=created_ms, consistency="sqlite-snapshot"
        )
        target = dest / archive_name(created_ms)
        size = write_archive(target, manifest, files, signer)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupResult(target, size, manifest, time.monotonic() - started)


def back_up_to(destination: Destination, data_dir: Path, database: str, signer: Signer) -> BackupResult:
    """``take_backup`` into ``destination``: the archive written and checked whole (signature, checksums)
    as a local file, then committed; a bucket's archive is staged in a private folder under ``data_dir``."""
    with destination.staging(data_dir) as folder:
        result = take_backup(data_dir, database, folder, signer)
        with ArchiveReader(result.path) as reader:
            reader.verify(signer)
        location = destination.commit(result.path)
    return replace(result, location=location)


async def _dump(url: str, database: str, work: Path) -> tuple[Manifest, dict[str, Path]]:
    client: AsyncMongoClient[Any] = AsyncMongoClient(url, serverSelectionTimeoutMS=10_000)
    try:
        db = client[database]
        collections: dict[str, Any] = {}
        files: dict[str, Path] = {}
        for name in sorted(await db.list_collection_names()):
            if name.startswith("system."):
                continue
            path = work / f"{name}.bson.gz"
            count = 0
            with gzip.open(path, "wb", compresslevel=_COMPRESSION) as out:
                async for doc in db.get_collection(name, codec_options=RAW).find({}).batch_size(1000):
                    out.write(doc.raw)
                    count += 1
            indexes = [
                {"key": list(spec["key"].items()), **{k: v for k, v in spec.items() if k not in _NOT_OPTIONS}}
                async for spec in await db[name].list_indexes()
                if spec.get("name") != "_id_"
            ]
            collections[name] = {"documents": count, "sha256": sha256_of(path), "indexes": indexes}
            files[collection_member(name)] = path
        return {"collections": collections, **await chain_heads(db)}, files
    finally:
        await client.close()


async def chain_heads(db: Any) -> dict[str, Any]:
    """The ledger's and the audit chain's heads, each checked end to end (what `icafe ledger verify` and
    `icafe audit verify` say of this database)."""
    ledger = await verify_ledger(LedgerRepository(db[LEDGER]).scan())
    audit = await verify_chain(AuditRepository(db[AUDIT]).entries())
    return {
        "ledger": {
            "transactions": ledger.transactions,
            "receipts": ledger.receipts,
            "ok": ledger.ok,
            "problems": ledger.problems[:20],
        },
        "audit": {
            "entries": audit.entries,
            "head_seq": audit.entries,
            "head_hash": audit.head_hash,
            "ok": audit.ok,
            "problems": audit.problems,
        },
    }
