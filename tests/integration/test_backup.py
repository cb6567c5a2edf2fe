"""`icafe backup` and `icafe restore` on a real stack: a backup taken while payments are being written holds
one instant of the store, restores into a wiped store with the ledger and the audit chain verifying, and
the balances are those of that instant; a damaged or tampered archive and a non-empty store are refused."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pymongo

from hub.backups.archive import MANIFEST, archives_in, collection_member
from hub.security.crypto import generate_key
from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

from .conftest import ADMIN_PASSWORD, SECURITY_ENV

SOM = 100


@contextmanager
def cafe(data_dir: Path, database: str, keys: str) -> Iterator[LocalStack]:
    """A stack of this module's own on ``data_dir``; started again on the same folder, it finds the same
    store (same database name, same keys)."""
    config = StackConfig(
        data_dir=data_dir,
        http_port=free_port(),
        admin_password=ADMIN_PASSWORD,
        hub_env={**SECURITY_ENV, "ICAFE_MONGO_DB": database, "ICAFE_ENCRYPTION_KEYS": keys},
    )
    local = LocalStack(config)
    try:
        local.start_infrastructure()
        local.start_hub()
        yield local
    finally:
        local.stop()


def icafe(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ICAFE_")}
    environment.update(ICAFE_DATA_DIR=str(data_dir), **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "icafe", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def api_client(local: LocalStack) -> httpx.Client:
    login = httpx.post(
        f"{local.api_url}/api/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    login.raise_for_status()
    token = login.json()["access_token"]
    return httpx.Client(
        base_url=f"{local.api_url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )


class Cashier(threading.Thread):
    """Tops members up, one payment after another, until stopped; keeps each one's answer."""

    def __init__(self, client: httpx.Client, members: list[str]) -> None:
        super().__init__(daemon=True)
        self.client, self.members = client, members
        self.paid: list[dict[str, Any]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            member = self.members[i % len(self.members)]
            body = {"purpose": "topup", "method": "cash", "amount": (100 + i) * SOM, "member_id": member}
            answer = self.client.post("/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
            assert answer.status_code == 201, answer.text
            self.paid.append({**answer.json(), "member_id": member})
            i += 1


def manifest_of(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        member = tar.extractfile(MANIFEST)
        assert member is not None
        manifest: dict[str, Any] = json.loads(member.read())
        return manifest


def flip_byte_of(archive: Path, member: str, target: Path) -> Path:
    """A copy of ``archive`` with one byte of ``member``'s content flipped."""
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data + tar.getmember(member).size // 2
    data = bytearray(archive.read_bytes())
    data[offset] ^= 0x01
    target.write_bytes(bytes(data))
    return target


def documents(local: LocalStack, database: str, collection: str) -> dict[str, Any]:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(local.mongo_url)
    try:
        return {doc["_id"]: doc for doc in client[database][collection].find({})}
    finally:
        client.close()


def test_a_backup_taken_during_payments_restores_into_a_wiped_store(tmp_path: Path) -> None:
    data_dir, backups = tmp_path / "cafe", tmp_path / "backups"
    database, keys = f"icafe_backup_{uuid.uuid4().hex[:8]}", generate_key("b1")
    with cafe(data_dir, database, keys) as local, api_client(local) as api:
        assert api.post("/shifts", json={"opening_float": 0}).status_code == 201
        members = []
        for _ in range(4):
            created = api.post("/members", json={"login": f"m{uuid.uuid4().hex[:10]}", "secret": "4321"})
            assert created.status_code == 201, created.text
            members.append(created.json()["id"])
        cashier = Cashier(api, members)
        cashier.start()
        try:
            while len(cashier.paid) < 5:
                cashier.join(0.05)
            before = len(cashier.paid)
            backup = icafe(data_dir, "backup", str(backups), "--json")
            during = len(cashier.paid)
        finally:
            cashier.stop.set()
            cashier.join()
        assert backup.returncode == 0, backup.stderr
        assert during > before, "no payment was written while the backup ran"
        original_ledger = documents(local, database, "ledger")
        original_audit = documents(local, database, "audit_log")
    (archive,) = archives_in(backups)
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    manifest = manifest_of(archive)
    assert json.loads(backup.stdout)["path"] == str(archive)
    # One instant: the payments before the backup started are in it, some of those written during it may
    # be, none after it.
    top_ups = [tx for tx in original_ledger.values() if tx["kind"] == "payment"]
    in_archive = manifest["ledger"]["transactions"]
    assert manifest["ledger"]["ok"]
    assert manifest["audit"]["ok"]
    assert before <= in_archive <= during <= len(top_ups) == len(cashier.paid)
    assert {"ledger", "audit_log", "members", "staff_users", "shifts"} <= set(manifest["collections"])

    shutil.rmtree(data_dir / "store")  # the store is lost; the rest of the data folder is kept
    restored = icafe(data_dir, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "starting the embedded store" in restored.stdout
    assert f"ledger verify: balanced, {in_archive} transactions" in restored.stdout
    assert f"head {manifest['audit']['head_hash']} (as recorded)" in restored.stdout

    with cafe(data_dir, database, keys) as local, api_client(local) as api:
        for command in (("ledger", "verify"), ("audit", "verify")):
            verified = icafe(data_dir, *command)
            assert verified.returncode == 0, verified.stderr
        # The restored ledger is the original one up to the instant: the same documents, none other.
        restored_ledger = documents(local, database, "ledger")
        assert len(restored_ledger) == in_archive
        assert all(original_ledger[tx_id] == tx for tx_id, tx in restored_ledger.items())
        # The audit chain up to its recorded head (the restarted hub and the logins extend it since).
        head = manifest["audit"]["head_seq"]
        restored_audit = [e for e in documents(local, database, "audit_log").values() if e["seq"] <= head]
        assert len(restored_audit) == head
        assert all(original_audit[entry["_id"]] == entry for entry in restored_audit)
        # Each member's balance is the one after its last payment in the archive.
        kept = {tx_id for tx_id in restored_ledger}
        expected = {member: 0 for member in members}
        for payment in cashier.paid:
            if payment["id"] in kept:
                expected[payment["member_id"]] = payment["balance"]
        for member, balance in expected.items():
            assert api.get(f"/members/{member}").json()["balance"] == balance

        # The store now holds data: a second restore is refused and changes nothing.
        again = icafe(data_dir, "restore", str(archive))
        assert again.returncode == 2
        assert "refusing to restore: the store is not empty" in again.stderr
        assert len(documents(local, database, "ledger")) == in_archive

    damaged = flip_byte_of(archive, collection_member("ledger"), tmp_path / "damaged.tar")
    refused = icafe(data_dir, "restore", str(damaged))
    assert refused.returncode == 2
    assert "collection ledger: its checksum does not match the manifest: damaged" in refused.stderr

    edited = flip_byte_of(archive, MANIFEST, tmp_path / "edited.tar")
    refused = icafe(data_dir, "restore", str(edited))
    assert refused.returncode == 2
    assert "does not match its signature: damaged or tampered" in refused.stderr

    other_keys = {"ICAFE_ENCRYPTION_KEYS": generate_key("other")}
    refused = icafe(data_dir, "restore", str(archive), env=other_keys)
    assert refused.returncode == 2
    assert "signed with field-encryption key 'b1', which this configuration lacks" in refused.stderr
