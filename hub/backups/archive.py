"""The backup archive: one uncompressed tar holding ``manifest.json``, its signature ``manifest.sig`` and
one gzip-compressed BSON stream per collection (``collections/<name>.bson.gz``: the documents as the store
answers them, back to back).

The manifest lists every collection with its document count, its indexes and the SHA-256 of its file, and
the ledger's and audit chain's heads at the snapshot. The signature is an HMAC-SHA256 of the manifest's
bytes under a key derived from the hub's current field-encryption key: a flipped byte anywhere fails a
checksum or the signature, and an edited archive cannot be re-signed without the key. An archive written
without a key carries the manifest's plain SHA-256 instead (damage is found, tampering is not).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import json
import os
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT = "icafe-backup/1"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
SUFFIX = ".icafe-backup.tar"
_PREFIX = "icafe-"
_SIGNING_INFO = b"icafe/backup-manifest/v1"
_CHUNK = 1 << 20

Manifest = dict[str, Any]


class ArchiveError(Exception):
    """The archive is damaged, tampered with or not an icafe backup; the message says which and why."""


def collection_member(name: str) -> str:
    return f"collections/{name}.bson.gz"


@dataclass(frozen=True)
class Signer:
    """Signs and checks manifests with keys derived from the field-encryption keys ``[(kid, key)]``, the
    first one current; none configured: manifests carry a plain digest only."""

    keys: tuple[tuple[str, bytes], ...] = ()

    def sign(self, manifest: bytes) -> dict[str, str]:
        if not self.keys:
            return {"sha256": hashlib.sha256(manifest).hexdigest()}
        kid, key = self.keys[0]
        return {"kid": kid, "hmac": _mac(key, manifest)}

    def check(self, manifest: bytes, signature: dict[str, Any]) -> None:
        if "hmac" in signature:
            known = dict(self.keys)
            kid = str(signature.get("kid"))
            if kid not in known:
                raise ArchiveError(
                    f"the archive is signed with field-encryption key {kid!r}, which this configuration "
                    "lacks: restore with the ICAFE_ENCRYPTION_KEYS of the hub that wrote it"
                )
            if not hmac.compare_digest(_mac(known[kid], manifest), str(signature["hmac"])):
                raise ArchiveError("the archive's manifest does not match its signature: damaged or tampered")
            return
        if self.keys:
            raise ArchiveError(
                "the archive is unsigned but this configuration has field-encryption keys: an archive "
                "written by a hub with keys is always signed, so this one was altered or not written by icafe"
            )
        if not hmac.compare_digest(hashlib.sha256(manifest).hexdigest(), str(signature.get("sha256"))):
            raise ArchiveError("the archive's manifest does not match its digest: damaged")


def _mac(key: bytes, manifest: bytes) -> str:
    derived = HKDF(algorithm=SHA256(), length=32, salt=None, info=_SIGNING_INFO).derive(key)
    return hmac.new(derived, manifest, hashlib.sha256).hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_archive(target: Path, manifest: Manifest, files: dict[str, Path], signer: Signer) -> int:
    """Write the archive to ``target`` (0600) atomically: a crash leaves the previous state, never half an
    archive under the final name. ``files``: member name -> the file to store. Returns its size."""
    body = json.dumps(manifest, indent=2, sort_keys=True).encode()
    signature = json.dumps(signer.sign(body), sort_keys=True).encode()
    partial = target.with_name(f".{target.name}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with (
            os.fdopen(fd, "wb") as raw,
            tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
        ):
            _add_bytes(tar, MANIFEST, body)
            _add_bytes(tar, SIGNATURE, signature)
            for member, path in files.items():
                info = tar.gettarinfo(str(path), arcname=member)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o600
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target.stat().st_size


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


class ArchiveReader:
    """An archive opened for restoring: ``verify()`` checks the signature and every file's checksum before
    anything is read for the store; ``open_collection`` then streams a collection's compressed BSON."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._tar = tarfile.open(path, mode="r:")  # noqa: SIM115 - closed by __exit__
        except (tarfile.TarError, OSError) as exc:
            raise ArchiveError(f"{path} is not a readable icafe backup archive ({exc})") from None
        self.manifest: Manifest = {}

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._tar.close()

    def _bytes(self, name: str) -> bytes:
        with self._open(name) as handle:
            return handle.read()

    def _open(self, name: str) -> IO[bytes]:
        try:
            handle = self._tar.extractfile(name)
        except (KeyError, tarfile.TarError, OSError) as exc:
            raise ArchiveError(
                f"the archive has no readable {name} ({exc}): damaged or not an icafe backup"
            ) from None
        if handle is None:
            raise ArchiveError(f"the archive's {name} is not a file: not an icafe backup")
        return handle

    def verify(self, signer: Signer) -> Manifest:
        body = self._bytes(MANIFEST)
        try:
            signature = json.loads(self._bytes(SIGNATURE))
        except ValueError:
            raise ArchiveError("the archive's signature is unreadable: damaged") from None
        if not isinstance(signature, dict):
            raise ArchiveError("the archive's signature is unreadable: damaged")
        signer.check(body, signature)
        manifest: Manifest = json.loads(body)
        if manifest.get("format") != FORMAT:
            raise ArchiveError(
                f"unknown archive format {manifest.get('format')!r} (this icafe reads {FORMAT})"
            )
        for name, entry in manifest["collections"].items():
            digest = hashlib.sha256()
            try:
                with self._open(collection_member(name)) as handle:
                    while chunk := handle.read(_CHUNK):
                        digest.update(chunk)
            except (tarfile.TarError, OSError, EOFError) as exc:
                raise ArchiveError(f"collection {name}: its file is unreadable ({exc}): damaged") from None
            if digest.hexdigest() != entry["sha256"]:
                raise ArchiveError(f"collection {name}: its checksum does not match the manifest: damaged")
        self.manifest = manifest
        return manifest

    def open_collection(self, name: str) -> IO[bytes]:
        return self._open(collection_member(name))


def archive_name(created_ms: int) -> str:
    """``icafe-<UTC time to the millisecond>.icafe-backup.tar``: names sort by time."""
    at = datetime.datetime.fromtimestamp(created_ms // 1000, tz=datetime.UTC)
    return f"{_PREFIX}{at:%Y%m%dT%H%M%S}{created_ms % 1000:03d}Z{SUFFIX}"


def archive_time(path: Path) -> int | None:
    """The time (epoch ms) in an archive's name; None for a name ``archive_name`` would not write."""
    stamp = path.name.removeprefix(_PREFIX).removesuffix(SUFFIX)
    if len(stamp) != 19 or not path.name.startswith(_PREFIX) or not stamp.endswith("Z"):
        return None
    try:
        at = datetime.datetime.strptime(stamp[:15], "%Y%m%dT%H%M%S").replace(tzinfo=datetime.UTC)
        millis = int(stamp[15:18])
    except ValueError:
        return None
    return int(at.timestamp()) * 1000 + millis


def archives_in(folder: Path) -> Iterator[Path]:
    """The archives in ``folder``, oldest first (by the time in their names)."""
    if folder.is_dir():
        yield from sorted(p for p in folder.iterdir() if archive_time(p) is not None and p.is_file())
