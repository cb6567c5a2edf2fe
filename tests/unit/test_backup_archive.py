"""The backup archive's format: what it holds, and every way a damaged or altered one is refused."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest

from hub.backups.archive import (
    MANIFEST,
    SIGNATURE,
    ArchiveError,
    ArchiveReader,
    Signer,
    archive_name,
    archives_in,
    collection_member,
    sha256_of,
    write_archive,
)

KEY = Signer((("k1", b"\x01" * 32),))


def _archive(tmp_path: Path, signer: Signer = KEY) -> Path:
    data = tmp_path / "things.bson.gz"
    data.write_bytes(gzip.compress(b"documents"))
    manifest = {
        "format": "icafe-backup/1",
        "collections": {"things": {"documents": 1, "sha256": sha256_of(data), "indexes": []}},
    }
    target = tmp_path / archive_name(1_795_590_000_123)
    write_archive(target, manifest, {collection_member("things"): data}, signer)
    return target


def _rewrite(archive: Path, member: str, content: bytes) -> None:
    """Replace one member of ``archive`` (as someone editing the archive would)."""
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]
    members[member] = content
    archive.unlink()
    with tarfile.open(archive, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_an_archive_is_private_named_by_time_and_reads_back(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    assert archive.name == "icafe-20261125T070000123Z.icafe-backup.tar"
    assert archive.stat().st_mode & 0o777 == 0o600
    assert list(archives_in(tmp_path)) == [archive]
    assert not list(tmp_path.glob(".*partial"))
    with ArchiveReader(archive) as reader:
        manifest = reader.verify(KEY)
        assert manifest["collections"]["things"]["documents"] == 1
        assert gzip.decompress(reader.open_collection("things").read()) == b"documents"


def test_a_changed_collection_file_fails_its_checksum(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    _rewrite(archive, collection_member("things"), gzip.compress(b"documentz"))
    with ArchiveReader(archive) as reader, pytest.raises(ArchiveError, match="things: its checksum"):
        reader.verify(KEY)


def test_a_re_hashed_manifest_fails_the_signature(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    forged = gzip.compress(b"forged")
    manifest = {
        "format": "icafe-backup/1",
        "collections": {"things": {"documents": 1, "sha256": hashlib.sha256(forged).hexdigest()}},
    }
    _rewrite(archive, collection_member("things"), forged)
    _rewrite(archive, MANIFEST, json.dumps(manifest).encode())
    with (
        ArchiveReader(archive) as reader,
        pytest.raises(ArchiveError, match="signature: damaged or tampered"),
    ):
        reader.verify(KEY)


def test_a_stripped_signature_is_refused_where_keys_are_configured(tmp_path: Path) -> None:
    archive = _archive(tmp_path, Signer())
    with ArchiveReader(archive) as reader, pytest.raises(ArchiveError, match="unsigned"):
        reader.verify(KEY)
    with ArchiveReader(archive) as reader:  # without keys: the manifest's digest still catches damage
        assert reader.verify(Signer())["collections"]
    _rewrite(archive, MANIFEST, b'{"format": "icafe-backup/1", "collections": {}}')
    with ArchiveReader(archive) as reader, pytest.raises(ArchiveError, match="does not match its digest"):
        reader.verify(Signer())


def test_an_unknown_key_or_an_unreadable_file_is_refused_clearly(tmp_path: Path) -> None:
    archive = _archive(tmp_path)
    with (
        ArchiveReader(archive) as reader,
        pytest.raises(ArchiveError, match="'k1', which this configuration"),
    ):
        reader.verify(Signer((("k2", b"\x02" * 32),)))
    _rewrite(archive, SIGNATURE, b"not json")
    with ArchiveReader(archive) as reader, pytest.raises(ArchiveError, match="signature is unreadable"):
        reader.verify(KEY)
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(ArchiveError, match="not a readable icafe backup"):
        ArchiveReader(junk)
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[:700])
    with pytest.raises(ArchiveError), ArchiveReader(truncated) as reader:
        reader.verify(KEY)
