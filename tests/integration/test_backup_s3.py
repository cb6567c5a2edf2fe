"""Backups to an S3-compatible bucket, against moto's S3 server (a real HTTP endpoint on a free port): the
session stack's store backed up to a bucket restores from it into an empty database with the same
balances; a damaged object is refused; retention prunes the bucket; a missing bucket is reported."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pymongo
import pytest
from moto.server import ThreadedMotoServer
from pymongo import AsyncMongoClient

from billing.ledger import member_account
from hub.backups.archive import archive_name, collection_member
from hub.backups.destination import DestinationError, S3Destination, parse_destination
from hub.backups.retention import Retention, to_keep
from hub.backups.schedule import newest_archive, prune
from hub.store.ledger import LedgerRepository
from icafe.stack import LocalStack
from icafe.supervisor import free_port

from .conftest import icafe
from .test_backup import flip_byte_of

DAY_MS = 86_400_000
NOW_MS = 1_795_590_000_000
BUCKET = "cafe-backups"


@pytest.fixture(scope="module")
def s3_env() -> Iterator[dict[str, str]]:
    """moto's S3 server on a free loopback port, one bucket in it; the variables that point icafe at it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {
        "ICAFE_BACKUP_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "ICAFE_BACKUP_S3_REGION": "us-east-1",
        "ICAFE_BACKUP_S3_ACCESS_KEY_ID": "icafe-test-key",
        "ICAFE_BACKUP_S3_SECRET_ACCESS_KEY": "icafe-test-secret",
    }
    try:
        bucket_client(env).create_bucket(Bucket=BUCKET)
        yield env
    finally:
        server.stop()


def bucket_client(env: dict[str, str]) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=env["ICAFE_BACKUP_S3_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id=env["ICAFE_BACKUP_S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["ICAFE_BACKUP_S3_SECRET_ACCESS_KEY"],
    )


def keys_under(env: dict[str, str], prefix: str) -> set[str]:
    listed = bucket_client(env).list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return {item["Key"] for item in listed.get("Contents", [])}


def collection(stack: LocalStack, database: str, name: str) -> dict[Any, Any]:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(stack.mongo_url)
    try:
        return {doc["_id"]: doc for doc in client[database][name].find({})}
    finally:
        client.close()


def balances_in(stack: LocalStack, database: str, members: list[str]) -> dict[str, int]:
    """Each member's balance as the hub reads it (the head of its ledger sequence)."""

    async def read() -> dict[str, int]:
        client: AsyncMongoClient[Any] = AsyncMongoClient(stack.mongo_url)
        try:
            ledger = LedgerRepository(client[database]["ledger"])
            return await ledger.balances([member_account(m) for m in members])
        finally:
            await client.close()

    by_account = asyncio.run(read())
    return {m: by_account[member_account(m)] for m in members}


def test_a_backup_in_a_bucket_restores_with_the_same_balances(
    stack: LocalStack, api: httpx.Client, s3_env: dict[str, str], tmp_path: Path
) -> None:
    if stack.config.mongo_url:
        pytest.skip("icafe backup copies the embedded store's file; this run uses a MongoDB server")
    database, keys = stack.config.hub_env["ICAFE_MONGO_DB"], stack.config.hub_env["ICAFE_ENCRYPTION_KEYS"]
    assert api.post("/shifts", json={"opening_float": 0}).status_code in (201, 409)
    member = api.post("/members", json={"login": f"m{uuid.uuid4().hex[:10]}", "secret": "4321"}).json()
    paid = api.post(
        "/payments",
        json={"purpose": "topup", "method": "cash", "amount": 12_300, "member_id": member["id"]},
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert paid.status_code == 201, paid.text
    before = balances_in(stack, database, list(collection(stack, database, "members")))
    prefix = f"run-{uuid.uuid4().hex[:8]}/"
    env = {**s3_env, "ICAFE_MONGO_DB": database, "ICAFE_ENCRYPTION_KEYS": keys}

    backup = icafe(stack, "backup", f"s3://{BUCKET}/{prefix}", env=env)
    assert backup.returncode == 0, backup.stderr
    (key,) = keys_under(s3_env, prefix)
    assert key.startswith(prefix)
    assert key.endswith(".icafe-backup.tar")
    assert f"backup written: s3://{BUCKET}/{key}" in backup.stdout
    # The credentials are never printed.
    assert s3_env["ICAFE_BACKUP_S3_SECRET_ACCESS_KEY"] not in backup.stdout + backup.stderr
    # Nothing staged is left behind in the data folder.
    assert not list(stack.data_dir.glob(".icafe-backup-upload-*"))

    restored_db = f"icafe_s3_restore_{uuid.uuid4().hex[:8]}"
    restored = icafe(stack, "restore", f"s3://{BUCKET}/{key}", env={**env, "ICAFE_MONGO_DB": restored_db})
    try:
        assert restored.returncode == 0, restored.stderr
        assert "ledger verify: balanced" in restored.stdout
        assert "(as recorded)" in restored.stdout
        # Every member's balance is the one it had when the backup was taken (one written to meanwhile
        # by another test's session may have moved on since: only the stable ones can be compared).
        members = list(collection(stack, restored_db, "members"))
        assert member["id"] in members
        after = balances_in(stack, database, members)
        stable = {m for m in members if before.get(m) == after[m]}
        assert member["id"] in stable
        restored_balances = balances_in(stack, restored_db, members)
        assert {m: restored_balances[m] for m in stable} == {m: after[m] for m in stable}
        assert restored_balances[member["id"]] == paid.json()["balance"] == 12_300
        ledger = collection(stack, restored_db, "ledger")
        assert paid.json()["id"] in ledger
        original_ledger = collection(stack, database, "ledger")
        assert all(original_ledger[tx] == doc for tx, doc in ledger.items())
    finally:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(stack.mongo_url)
        client.drop_database(restored_db)
        client.close()

    # One flipped byte in the object: downloaded, checked like a file, refused; no store touched.
    local = tmp_path / "archive.tar"
    bucket_client(s3_env).download_file(BUCKET, key, str(local))
    damaged = flip_byte_of(local, collection_member("ledger"), tmp_path / "damaged.tar")
    damaged_key = f"{prefix}damaged/{Path(key).name}"
    bucket_client(s3_env).upload_file(str(damaged), BUCKET, damaged_key)
    refused = icafe(
        stack, "restore", f"s3://{BUCKET}/{damaged_key}", env={**env, "ICAFE_MONGO_DB": restored_db}
    )
    assert refused.returncode == 2
    assert "collection ledger: its checksum does not match the manifest: damaged" in refused.stderr

    missing = icafe(stack, "restore", f"s3://{BUCKET}/{prefix}nothing.tar", env=env)
    assert missing.returncode == 2
    assert "cannot fetch" in missing.stderr


def test_retention_prunes_the_bucket(s3_env: dict[str, str]) -> None:
    prefix = f"retention-{uuid.uuid4().hex[:8]}/"
    client = bucket_client(s3_env)
    # One archive a day for 40 days, three from two years ago; and objects retention must leave alone.
    times = {NOW_MS - i * DAY_MS for i in range(40)} | {NOW_MS - (730 + i) * DAY_MS for i in range(3)}
    for at in times:
        client.put_object(Bucket=BUCKET, Key=f"{prefix}{archive_name(at)}", Body=b"an archive")
    others = {f"{prefix}notes.txt", f"{prefix}old/{archive_name(NOW_MS - 900 * DAY_MS)}"}
    for other in others:
        client.put_object(Bucket=BUCKET, Key=other, Body=b"not ours")
    destination = parse_destination(f"s3://{BUCKET}/{prefix}", env=s3_env)
    assert isinstance(destination, S3Destination)
    assert [stored.at_ms for stored in destination.archives()] == sorted(times)

    policy = Retention(daily=7, monthly=2)
    kept = to_keep(times, NOW_MS, policy)
    dropped = prune(destination, policy, NOW_MS)
    assert len(dropped) == len(times) - len(kept) > 0
    assert keys_under(s3_env, prefix) == {f"{prefix}{archive_name(at)}" for at in kept} | others
    assert prune(destination, policy, NOW_MS) == []


def test_a_missing_bucket_is_reported_by_name(s3_env: dict[str, str], tmp_path: Path) -> None:
    staged = tmp_path / archive_name(NOW_MS)
    staged.write_bytes(b"x" * 1000)
    absent = parse_destination(f"s3://no-such-bucket-{uuid.uuid4().hex[:8]}/p", env=s3_env)
    with pytest.raises(DestinationError, match="NoSuchBucket"):
        absent.commit(staged)


def test_the_schedulers_backup_process_commits_to_the_bucket(
    stack: LocalStack, s3_env: dict[str, str]
) -> None:
    """What the hub's scheduler runs (``python -m hub.backups``), to a bucket: the archive is checked, then
    uploaded; the scheduler's newest-archive record reads it back from the bucket."""
    if stack.config.mongo_url:
        pytest.skip("icafe backup copies the embedded store's file; this run uses a MongoDB server")
    prefix = f"scheduled-{uuid.uuid4().hex[:8]}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ICAFE_")}
    environment.update(s3_env, ICAFE_ENCRYPTION_KEYS=stack.config.hub_env["ICAFE_ENCRYPTION_KEYS"])
    argv = [sys.executable, "-m", "hub.backups", "--data-dir", str(stack.data_dir)]
    argv += ["--database", stack.config.hub_env["ICAFE_MONGO_DB"], "--dest", f"s3://{BUCKET}/{prefix}"]
    child = subprocess.run(argv, env=environment, capture_output=True, text=True, timeout=120, check=False)
    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    assert outcome["ok"], outcome
    (key,) = keys_under(s3_env, f"{prefix}/")
    assert outcome["archive"] == f"s3://{BUCKET}/{key}"
    newest = newest_archive(parse_destination(f"s3://{BUCKET}/{prefix}", env=s3_env))
    assert newest == {"at_ms": outcome["created_ms"], "archive": Path(key).name, "bytes": outcome["bytes"]}
