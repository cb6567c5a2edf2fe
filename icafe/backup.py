"""`icafe backup DEST` and `icafe restore ARCHIVE`: the store's data, whole and consistent, to a file in a
folder or an S3-compatible bucket and back (``hub.backups``). The store is found like the other commands
find it (``ICAFE_DATA_DIR``, whose ``hub.toml`` a running or stopped local stack leaves behind, or the
hub's ``ICAFE_*`` settings)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from icafe.cli_security import CliError, guarded, settings_from, without_password

_EXIT_BROKEN = 1
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = subparsers.add_parser(
        "backup",
        help="write a consistent, compressed, signed archive of the whole store to a folder or S3 bucket",
    )
    backup.add_argument(
        "dest",
        help="folder for the archive (created 0700 if missing), or s3://bucket/prefix (S3 settings from "
        "ICAFE_BACKUP_S3_* or the AWS_* variables)",
    )
    backup.add_argument("--json", action="store_true")
    backup.set_defaults(func=guarded(_backup))

    restore = subparsers.add_parser(
        "restore", help="restore an archive into an empty store, then verify the ledger and the audit log"
    )
    restore.add_argument("archive", help="an archive written by `icafe backup`: a file or s3://bucket/key")
    restore.add_argument("--json", action="store_true")
    restore.set_defaults(func=guarded(_restore))


def _data_dir(env: dict[str, str]) -> Path:
    from hub.config import config_values

    folder = env.get("ICAFE_DATA_DIR")
    if folder is None:
        found = config_values(env, ["data_dir"]).get("data_dir")
        folder = str(found) if found else None
    if not folder:
        raise CliError("set ICAFE_DATA_DIR to the hub's data folder (the embedded store is under its store/)")
    return Path(folder)


def _signer(keys: str | None) -> Any:
    from hub.backups import Signer
    from hub.security.crypto import CipherError, parse_keys

    if not keys:
        return Signer()
    try:
        return Signer(tuple(parse_keys(keys)))
    except CipherError as exc:
        raise CliError(f"ICAFE_ENCRYPTION_KEYS: {exc}") from None


def _backup(args: argparse.Namespace) -> int:
    from hub.backups import ArchiveError, EmbeddedStoreError
    from hub.backups.backup import back_up_to
    from hub.backups.destination import parse_destination

    env = dict(os.environ)
    settings = settings_from(env)
    try:
        destination = parse_destination(args.dest, env)
        result = back_up_to(destination, _data_dir(env), settings.mongo_db, _signer(settings.encryption_keys))
    except (ArchiveError, EmbeddedStoreError, OSError) as exc:
        raise CliError(f"backup failed: {exc}") from None
    ledger, audit = result.manifest["ledger"], result.manifest["audit"]
    if args.json:
        print(
            json.dumps(
                {
                    "path": result.location,
                    "bytes": result.size,
                    "seconds": round(result.seconds, 3),
                    "documents": result.documents,
                    "ledger": ledger,
                    "audit": audit,
                }
            )
        )
    else:
        print(
            f"backup written: {result.location} ({result.size} bytes, {result.documents} documents in "
            f"{len(result.manifest['collections'])} collections, {result.seconds:.1f} s)"
        )
        print(
            f"ledger: {ledger['transactions']} transactions; "
            f"audit log: head {audit['head_seq']} {audit['head_hash']}"
        )
    for name, head in (("ledger", ledger), ("audit log", audit)):
        if not head["ok"]:
            print(
                f"icafe: warning: the {name} was already broken when backed up: {head['problems'][:3]}",
                file=sys.stderr,
            )
    return 0


def _restore(args: argparse.Namespace) -> int:
    from hub.backups import ArchiveError, check_archive
    from hub.backups.destination import fetched

    env = dict(os.environ)
    settings = settings_from(env)
    signer = _signer(settings.encryption_keys)
    try:
        # An archive in a bucket is downloaded to a private temporary file and judged like a local one,
        # before any store is touched or started.
        with fetched(args.archive) as archive:
            try:
                check_archive(archive, signer)
            except ArchiveError as exc:
                raise CliError(f"refusing {args.archive}: {exc}") from None
            report = asyncio.run(_restore_into_store(archive, settings, env, signer, quiet=args.json))
    except ArchiveError as exc:
        raise CliError(f"cannot fetch {args.archive}: {exc}") from None
    if args.json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "documents": report.documents,
                    "seconds": round(report.seconds, 3),
                    "ledger": report.ledger,
                    "audit": report.audit,
                    "problems": report.problems,
                }
            )
        )
        return 0 if report.ok else _EXIT_BROKEN
    if not report.ok:
        print(f"restored {report.documents} documents, but the result does NOT check out:", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
        return _EXIT_BROKEN
    print(f"restored {report.documents} documents in {report.seconds:.1f} s")
    print(
        f"ledger verify: balanced, {report.ledger['transactions']} transactions, "
        f"receipts {report.ledger['receipts']}"
    )
    print(
        f"audit verify: intact, {report.audit['entries']} entries; "
        f"head {report.audit['head_hash']} (as recorded)"
    )
    return 0


async def _restore_into_store(
    archive: Path, settings: Any, env: dict[str, str], signer: Any, quiet: bool
) -> Any:
    from hub.backups import RestoreRefused, restore, serve, store_dir

    def say(line: str) -> None:
        if not quiet:
            print(line)

    try:
        if await _reachable(settings.mongo_url):
            say(f"restoring into the store at {without_password(settings.mongo_url)}")
            return await restore(archive, settings.mongo_url, settings.mongo_db, signer, say)
        host = urllib.parse.urlsplit(settings.mongo_url).hostname
        if host not in _LOOPBACK or "ICAFE_DATA_DIR" not in env:
            raise CliError(
                f"the store at {without_password(settings.mongo_url)} is unreachable: start it first"
            )
        folder = store_dir(_data_dir(env))
        say(f"the store is stopped: starting the embedded store on {folder} for the restore")
        with serve(folder, folder.parent / "restore-store.log") as url:
            return await restore(archive, url, settings.mongo_db, signer, say)
    except RestoreRefused as exc:
        raise CliError(f"refusing to restore: {exc}") from None


async def _reachable(url: str) -> bool:
    from pymongo import AsyncMongoClient
    from pymongo.errors import PyMongoError

    client: AsyncMongoClient[Any] = AsyncMongoClient(
        url, serverSelectionTimeoutMS=1500, connectTimeoutMS=1500
    )
    try:
        await client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        await client.close()
    return True
