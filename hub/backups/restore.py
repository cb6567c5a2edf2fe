"""Restoring an archive into an empty store: check the archive whole first (signature, every checksum),
refuse a store that holds any document, load every collection with its indexes, then check the result
as `icafe ledger verify` and `icafe audit verify` do, and against the heads the archive recorded."""

from __future__ import annotations

import contextlib
import gzip
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from bson import decode_file_iter
from bson.errors import BSONError
from pymongo.errors import OperationFailure

from hub.backups.archive import ArchiveError, ArchiveReader, Manifest, Signer
from hub.backups.backup import AUDIT, LEDGER, RAW, chain_heads
from hub.errors import HubError
from hub.store import open_store

_BATCH = 500


class RestoreRefused(HubError):
    """The target store is not empty, or the archive is unfit; nothing was written."""


@dataclass
class RestoreReport:
    manifest: Manifest
    documents: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    ledger: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_archive(path: Path, signer: Signer) -> Manifest:
    """The archive's manifest once its signature and every file's checksum hold (``ArchiveError`` if not)."""
    with ArchiveReader(path) as reader:
        return reader.verify(signer)


async def restore(
    path: Path, url: str, database: str, signer: Signer, progress: Callable[[str], None] = lambda _: None
) -> RestoreReport:
    started = time.monotonic()
    with ArchiveReader(path) as reader:
        manifest = reader.verify(signer)
        progress(f"archive intact: {len(manifest['collections'])} collections, signature and checksums hold")
        store = await open_store(url, database)
        try:
            db = store.db
            for name in await db.list_collection_names():
                held = await db[name].count_documents({})
                if held:
                    raise RestoreRefused(
                        f"the store is not empty ({database}.{name} holds {held} documents): restore only "
                        "into an empty store; stop the hub and move the store's data aside first"
                    )
            report = RestoreReport(manifest)
            for name, entry in manifest["collections"].items():
                report.documents += await _load(reader, db, name, entry, report)
            progress(f"loaded {report.documents} documents")
            heads = await chain_heads(db)
        finally:
            await store.close()
    report.ledger, report.audit = heads["ledger"], heads["audit"]
    report.problems += _compare(manifest, heads)
    report.seconds = time.monotonic() - started
    return report


async def _load(
    reader: ArchiveReader, db: Any, name: str, entry: dict[str, Any], report: RestoreReport
) -> int:
    collection = db.get_collection(name, codec_options=RAW)
    for spec in entry.get("indexes", []):
        options = {k: v for k, v in spec.items() if k != "key"}
        # An index the hub created on the same keys when the store was opened stands for it.
        with contextlib.suppress(OperationFailure):
            await collection.create_index([tuple(pair) for pair in spec["key"]], **options)
    count = 0
    try:
        with gzip.open(reader.open_collection(name), "rb") as stream:
            batch: list[Any] = []
            for doc in decode_file_iter(cast(IO[bytes], stream), RAW):
                batch.append(doc)
                if len(batch) == _BATCH:
                    await collection.insert_many(batch, ordered=True)
                    count += len(batch)
                    batch = []
            if batch:
                await collection.insert_many(batch, ordered=True)
                count += len(batch)
    except (OSError, EOFError, zlib.error, BSONError) as exc:
        # Checked by its digest first, so only a writer's bug gets here.
        raise ArchiveError(f"collection {name}: unreadable after {count} documents ({exc})") from None
    if count != entry["documents"]:
        report.problems.append(f"{name}: {count} documents restored, the manifest lists {entry['documents']}")
    return count


def _compare(manifest: Manifest, heads: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    ledger, audit = heads["ledger"], heads["audit"]
    problems += [f"ledger: {p}" for p in ledger["problems"]]
    problems += [f"audit log: {p}" for p in audit["problems"]]
    recorded_ledger, recorded_audit = manifest["ledger"], manifest["audit"]
    if (ledger["transactions"], ledger["receipts"]) != (
        recorded_ledger["transactions"],
        recorded_ledger["receipts"],
    ):
        problems.append(
            f"{LEDGER}: {ledger['transactions']} transactions, receipts {ledger['receipts']}; the archive "
            f"recorded {recorded_ledger['transactions']}, receipts {recorded_ledger['receipts']}"
        )
    if (audit["head_seq"], audit["head_hash"]) != (recorded_audit["head_seq"], recorded_audit["head_hash"]):
        problems.append(
            f"{AUDIT}: head {audit['head_seq']} {audit['head_hash']}; the archive recorded "
            f"{recorded_audit['head_seq']} {recorded_audit['head_hash']}"
        )
    return problems
