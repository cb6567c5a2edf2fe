"""``python -m hub.backups --data-dir D --database N --dest F``: one backup, checked before it is committed
to the folder or bucket ``F``, its outcome as one JSON line. The hub's scheduler runs it as a child process,
so that copying and compressing the store never competes with the hub's event loop; field-encryption keys
come in ICAFE_ENCRYPTION_KEYS (the environment, never the command line)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from hub.backups.archive import ArchiveError, Signer
from hub.backups.backup import BackupError, back_up_to
from hub.backups.destination import parse_destination
from hub.backups.embedded import EmbeddedStoreError
from hub.security.crypto import CipherError, parse_keys


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.backups")
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--database", required=True)
    parser.add_argument("--dest", required=True, help="a folder or s3://bucket/prefix")
    args = parser.parse_args()
    try:
        keys = os.environ.get("ICAFE_ENCRYPTION_KEYS")
        signer = Signer(tuple(parse_keys(keys))) if keys else Signer()
        result = back_up_to(parse_destination(args.dest), args.data_dir, args.database, signer)
    except (ArchiveError, BackupError, EmbeddedStoreError, CipherError, OSError) as exc:
        print(json.dumps({"ok": False, "error": str(exc)}))
        return 1
    answer = {
        "ok": True,
        "archive": result.location,
        "created_ms": result.manifest["created_ms"],
        "bytes": result.size,
        "seconds": round(result.seconds, 3),
        "documents": result.documents,
    }
    print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main())
