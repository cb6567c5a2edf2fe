"""Backup destinations from their text: a folder or s3://bucket/prefix, and what each holds."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hub.backups.archive import archive_name
from hub.backups.destination import (
    DestinationError,
    FolderDestination,
    S3Destination,
    StoredArchive,
    parse_destination,
    parse_location,
    s3_client,
)


@pytest.mark.parametrize(
    ("text", "bucket", "prefix"),
    [
        ("s3://cafe-backups", "cafe-backups", ""),
        ("s3://cafe-backups/", "cafe-backups", ""),
        ("s3://cafe-backups/tashkent", "cafe-backups", "tashkent/"),
        ("s3://cafe-backups/tashkent/hub-1/", "cafe-backups", "tashkent/hub-1/"),
        ("S3://cafe-backups/x", "cafe-backups", "x/"),
    ],
)
def test_a_bucket_and_its_prefix(text: str, bucket: str, prefix: str) -> None:
    destination = parse_destination(text, env={})
    assert isinstance(destination, S3Destination)
    assert (destination.bucket, destination.prefix) == (bucket, prefix)
    assert destination.key("a.tar") == f"{prefix}a.tar"
    assert str(destination) == f"s3://{bucket}/{prefix}"
    # The scheduler hands the destination to its child process as text: it must parse back the same.
    assert parse_destination(str(destination), env={}) == destination


def test_a_folder() -> None:
    assert parse_destination("/srv/icafe-backups") == FolderDestination(Path("/srv/icafe-backups"))
    assert parse_destination("backups") == FolderDestination(Path("backups"))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("s3://", "no bucket"),
        ("s3:///prefix", "no bucket"),
        ("s3://bucket/a//b", "empty path segment"),
        ("ftp://host/backups", "a folder or s3://bucket/prefix"),
    ],
)
def test_malformed_destinations_are_refused_with_what_to_write(text: str, says: str) -> None:
    with pytest.raises(DestinationError, match=says):
        parse_destination(text, env={})


def test_an_archive_location_names_one_object() -> None:
    assert parse_location("/srv/b/icafe-x.tar") is None
    found = parse_location("s3://cafe-backups/tashkent/icafe-x.icafe-backup.tar")
    assert found is not None
    source, key = found
    assert (source.bucket, key) == ("cafe-backups", "tashkent/icafe-x.icafe-backup.tar")
    for text in ("s3://cafe-backups", "s3://cafe-backups/", "s3://cafe-backups/tashkent/", "s3:///k"):
        with pytest.raises(DestinationError, match="name one archive"):
            parse_location(text)


def test_a_folder_lists_its_archives_oldest_first_and_deletes_by_name(tmp_path: Path) -> None:
    names = [archive_name(at) for at in (1_795_590_000_123, 1_795_500_000_000)]
    for name in names:
        (tmp_path / name).write_bytes(b"x" * 3)
    (tmp_path / "notes.txt").write_text("not an archive")
    folder = FolderDestination(tmp_path)
    assert folder.archives() == [
        StoredArchive(names[1], 1_795_500_000_000, 3),
        StoredArchive(names[0], 1_795_590_000_123, 3),
    ]
    folder.delete(names[1])
    assert [stored.name for stored in folder.archives()] == [names[0]]
    assert (tmp_path / "notes.txt").exists()


def test_without_boto3_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    with pytest.raises(DestinationError, match=r"pip install 'icafe\[s3\]'"):
        s3_client({})
