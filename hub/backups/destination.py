"""Where archives go: a folder, or an S3-compatible bucket (``s3://bucket/prefix``). Backup, restore,
retention and the schedule all go through a ``Destination``, so one archive format and one check serve
both: an archive is always written and checked as a local file first (``hub.backups.archive``), then
committed to its destination.

S3 settings come from the environment, never from the command line, and are never logged:
``ICAFE_BACKUP_S3_ENDPOINT_URL`` (else boto3's own ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL``) for
MinIO, Ceph, Wasabi and the like; ``ICAFE_BACKUP_S3_REGION`` (else ``AWS_REGION``/``AWS_DEFAULT_REGION``);
``ICAFE_BACKUP_S3_ACCESS_KEY_ID`` and ``ICAFE_BACKUP_S3_SECRET_ACCESS_KEY`` (else boto3's standard chain:
``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, ``~/.aws``, an instance role).

An upload is one PutObject or one multipart upload, and S3 makes an object visible only once that request
completes: a backup killed mid-upload leaves no object under the archive's name (at most an incomplete
multipart upload, invisible to listings; a bucket lifecycle rule reclaims those).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from hub.backups.archive import ArchiveError, archive_time, archives_in, sha256_of

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SCHEME = "s3://"
_SHA256_META = "icafe-sha256"
_NO_BOTO3 = "backups to an S3 bucket need boto3: pip install 'icafe[s3]' (or pip install boto3)"


class DestinationError(ArchiveError):
    """The destination is malformed, unreachable or refuses us; the message says what to do."""


@dataclass(frozen=True)
class StoredArchive:
    name: str
    at_ms: int
    size: int


class Destination(Protocol):
    def staging(self, work_root: Path) -> contextlib.AbstractContextManager[Path]:
        """A folder to write the archive in before ``commit``."""

    def commit(self, archive: Path) -> str:
        """Make the archive (a file in the staging folder) visible at the destination; its location."""

    def archives(self) -> list[StoredArchive]:
        """The archives held, oldest first."""

    def delete(self, name: str) -> None: ...


@dataclass(frozen=True)
class FolderDestination:
    folder: Path

    def __str__(self) -> str:
        return str(self.folder)

    @contextlib.contextmanager
    def staging(self, work_root: Path) -> Iterator[Path]:
        # write_archive renames into place itself: the folder is both staging and destination.
        yield self.folder

    def commit(self, archive: Path) -> str:
        return str(archive)

    def archives(self) -> list[StoredArchive]:
        return [
            StoredArchive(path.name, at, path.stat().st_size)
            for path in archives_in(self.folder)
            if (at := archive_time(path)) is not None
        ]

    def delete(self, name: str) -> None:
        (self.folder / name).unlink(missing_ok=True)


@dataclass(frozen=True)
class S3Destination:
    bucket: str
    prefix: str = ""
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False, compare=False)

    def __str__(self) -> str:
        return f"{SCHEME}{self.bucket}/{self.prefix}"

    @functools.cached_property
    def client(self) -> S3Client:
        """One client per destination (making one costs a fifth of a second), made on first use."""
        return s3_client(self.env)

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    @contextlib.contextmanager
    def staging(self, work_root: Path) -> Iterator[Path]:
        work_root.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".icafe-backup-upload-", dir=work_root))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def commit(self, archive: Path) -> str:
        digest = sha256_of(archive)
        key = self.key(archive.name)
        with _s3_errors(self):
            client = self.client
            client.upload_file(str(archive), self.bucket, key, ExtraArgs={"Metadata": {_SHA256_META: digest}})
            stored = client.head_object(Bucket=self.bucket, Key=key)
        if stored["ContentLength"] != archive.stat().st_size:
            raise DestinationError(
                f"{self}{archive.name}: the stored object's size differs from the archive's"
            )
        return f"{SCHEME}{self.bucket}/{key}"

    def archives(self) -> list[StoredArchive]:
        found: list[StoredArchive] = []
        with _s3_errors(self):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"][len(self.prefix) :]
                    at = archive_time(Path(name)) if "/" not in name else None
                    if at is not None:
                        found.append(StoredArchive(name, at, item["Size"]))
        return sorted(found, key=lambda stored: stored.name)

    def delete(self, name: str) -> None:
        with _s3_errors(self):
            self.client.delete_object(Bucket=self.bucket, Key=self.key(name))

    def download(self, key: str, target: Path) -> None:
        with _s3_errors(self):
            self.client.download_file(self.bucket, key, str(target))


def parse_destination(text: str, env: Mapping[str, str] | None = None) -> FolderDestination | S3Destination:
    """``s3://bucket[/prefix]`` or a folder. A prefix names a "folder" in the bucket: it ends with ``/``."""
    if not text.lower().startswith(SCHEME):
        if "://" in text:
            raise DestinationError(f"{text!r}: a backup destination is a folder or s3://bucket/prefix")
        return FolderDestination(Path(text))
    bucket, _, prefix = text[len(SCHEME) :].partition("/")
    if not bucket:
        raise DestinationError(f"{text!r}: no bucket; write s3://bucket or s3://bucket/prefix")
    prefix = prefix.strip("/")
    if "//" in prefix:
        raise DestinationError(f"{text!r}: empty path segment in the prefix")
    return S3Destination(bucket, f"{prefix}/" if prefix else "", dict(env if env is not None else os.environ))


def parse_location(text: str) -> tuple[S3Destination, str] | None:
    """An archive's location ``s3://bucket/key`` as (its bucket, its key); None for a local path."""
    if not text.lower().startswith(SCHEME):
        return None
    bucket, _, key = text[len(SCHEME) :].partition("/")
    if not bucket or not key or key.endswith("/"):
        raise DestinationError(f"{text!r}: name one archive, s3://bucket/path/icafe-<time>.icafe-backup.tar")
    return S3Destination(bucket), key


@contextlib.contextmanager
def fetched(location: str) -> Iterator[Path]:
    """The archive at ``location`` as a local file: a path as is; an S3 object downloaded to a private
    temporary folder, removed afterwards. The caller checks it like any archive."""
    remote = parse_location(location)
    if remote is None:
        yield Path(location)
        return
    source, key = remote
    folder = Path(tempfile.mkdtemp(prefix="icafe-restore-"))
    try:
        target = folder / Path(key).name
        source.download(key, target)
        yield target
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def s3_client(env: Mapping[str, str]) -> S3Client:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise DestinationError(_NO_BOTO3) from None
    options: dict[str, Any] = {}
    if endpoint := env.get("ICAFE_BACKUP_S3_ENDPOINT_URL"):
        options["endpoint_url"] = endpoint
    if region := env.get("ICAFE_BACKUP_S3_REGION"):
        options["region_name"] = region
    key_id, secret = env.get("ICAFE_BACKUP_S3_ACCESS_KEY_ID"), env.get("ICAFE_BACKUP_S3_SECRET_ACCESS_KEY")
    if key_id and secret:
        options.update(aws_access_key_id=key_id, aws_secret_access_key=secret)
    config = Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10, read_timeout=60)
    return boto3.session.Session().client("s3", config=config, **options)


@contextlib.contextmanager
def _s3_errors(where: S3Destination) -> Iterator[None]:
    """boto3's errors as one that says where and what; their messages name no secret."""
    try:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise DestinationError(_NO_BOTO3) from None
    try:
        yield
    except Boto3Error as exc:  # a failed transfer (upload_file, download_file): it names the cause
        raise DestinationError(f"{where}: {exc}") from None
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise DestinationError(
            f"{where}: the S3 service answered {error.get('Code', '?')}: {error.get('Message', exc)}"
        ) from None
    except BotoCoreError as exc:
        raise DestinationError(
            f"{where}: {exc} (check ICAFE_BACKUP_S3_ENDPOINT_URL, the region and the credentials)"
        ) from None
