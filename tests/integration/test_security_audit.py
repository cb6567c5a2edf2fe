"""The audit log on the running stack: filters and paging, a chain that verifies and breaks when edited
(checked with `icafe audit verify` as a subprocess), concurrent writers that never fork it, and the
`icafe user` / `icafe keys` commands against the same store."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from hub.auth.totp import new_secret
from hub.security.audit import Actor, AuditLog
from hub.security.crypto import FieldCipher, field_aad, generate_key
from hub.store import StaffUser, open_store
from icafe.stack import LocalStack

from .conftest import SECURITY_ENV, create_staff, database, icafe


def test_audit_listing_filters_and_pages(stack: LocalStack, token: str) -> None:
    httpx.post(f"{stack.api_url}/api/v1/auth/login", json={"username": "admin", "password": "wrong-one"})
    api = f"{stack.api_url}/api/v1/audit"
    headers = {"Authorization": f"Bearer {token}"}
    failures = httpx.get(api, headers=headers, params={"action": "auth.login", "outcome": "failure"}).json()
    assert failures["total"] >= 1
    entry = failures["items"][0]
    assert entry["action"] == "auth.login"
    assert entry["outcome"] == "failure"
    assert entry["actor"] == "admin"
    assert entry["ip"] == "127.0.0.1"
    assert entry["time"].endswith("+00:00")
    assert len(entry["hash"]) == 64
    assert "wrong-one" not in str(entry)  # never a password

    everything = httpx.get(api, headers=headers, params={"limit": 2}).json()
    assert len(everything["items"]) == 2
    assert everything["items"][0]["seq"] > everything["items"][1]["seq"]  # newest first
    second_page = httpx.get(api, headers=headers, params={"limit": 2, "offset": 2}).json()
    assert second_page["items"][0]["seq"] < everything["items"][1]["seq"]

    since = entry["at"]
    window = httpx.get(api, headers=headers, params={"since": since, "until": since}).json()
    assert all(item["at"] == since for item in window["items"])
    assert entry["seq"] in [item["seq"] for item in window["items"]]
    iso = httpx.get(api, headers=headers, params={"since": "2000-01-01T00:00:00Z", "limit": 1}).json()
    assert iso["total"] == httpx.get(api, headers=headers).json()["total"]
    assert httpx.get(api, headers=headers, params={"since": "yesterday"}).status_code == 400


def test_only_owners_read_the_audit_log(stack: LocalStack, token: str) -> None:
    manager = create_staff(stack, token, "manager")
    assert httpx.get(f"{stack.api_url}/api/v1/audit", headers=manager.headers).status_code == 403
    denied = httpx.get(
        f"{stack.api_url}/api/v1/audit",
        headers={"Authorization": f"Bearer {token}"},
        params={"action": "access.denied", "actor": manager.username},
    ).json()
    assert denied["total"] >= 1  # the refusal itself is audited


def test_the_chain_verifies_and_editing_any_entry_breaks_it(stack: LocalStack, token: str) -> None:
    httpx.get(f"{stack.api_url}/api/v1/pcs", headers={"Authorization": f"Bearer {token}"})
    ok = icafe(stack, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout

    client, db = database(stack)
    try:
        entries = db["audit_log"]
        victim = entries.find_one({"action": "auth.login"})
        assert victim is not None
        for field, value in (("outcome", "failure"), ("actor", "someone-else"), ("details", {})):
            entries.update_one({"_id": victim["_id"]}, {"$set": {field: value}})
            broken = icafe(stack, "audit", "verify")
            assert broken.returncode == 1, (field, broken.stdout, broken.stderr)
            assert f"entry {victim['seq']}" in broken.stderr
            entries.update_one({"_id": victim["_id"]}, {"$set": {field: victim[field]}})
        # A deleted entry leaves a gap.
        entries.delete_one({"_id": victim["_id"]})
        assert icafe(stack, "audit", "verify").returncode == 1
        entries.insert_one(victim)
    finally:
        client.close()
    restored = icafe(stack, "audit", "verify", "--json")
    assert restored.returncode == 0, restored.stderr
    assert '"ok": true' in restored.stdout
    api_check = httpx.get(
        f"{stack.api_url}/api/v1/audit/verify", headers={"Authorization": f"Bearer {token}"}
    )
    assert api_check.json()["ok"] is True


async def test_concurrent_writers_never_fork_the_chain(stack: LocalStack) -> None:
    store = await open_store(stack.mongo_url, stack.config.hub_env["ICAFE_MONGO_DB"])
    try:
        before = await store.audit.count()
        # Two "replicas" (separate logs, separate locks) and the hub itself, all at once.
        replicas = [AuditLog(store.audit, f"replica-{n}") for n in range(2)]
        writes = [
            log.record("test.concurrent", actor=Actor("tester"), details={"n": n})
            for log in replicas
            for n in range(25)
        ]
        results = await asyncio.gather(*writes)
        assert len({entry["seq"] for entry in results}) == 50
        assert await store.audit.count() >= before + 50
        report = await replicas[0].verify()
        assert report.ok, report.problems
    finally:
        await store.close()


def test_user_commands_on_the_command_line(stack: LocalStack, token: str) -> None:
    username = f"cli-{uuid.uuid4().hex[:6]}"
    added = icafe(stack, "user", "add", username, "--role", "technician")
    assert added.returncode == 0, added.stderr
    password = added.stdout.split("login): ")[1].strip()
    login = httpx.post(
        f"{stack.api_url}/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert login.json()["required_actions"] == ["change_password"]
    session = login.json()["access_token"]
    me = f"{stack.api_url}/api/v1/auth/me"
    assert httpx.get(me, headers={"Authorization": f"Bearer {session}"}).status_code == 200

    listing = icafe(stack, "user", "list", "--json")
    assert username in listing.stdout
    disabled = icafe(stack, "user", "disable", username, "--reason", "left the job")
    assert disabled.returncode == 0, disabled.stderr
    assert httpx.get(me, headers={"Authorization": f"Bearer {session}"}).status_code == 401  # at once
    assert "disabled" in icafe(stack, "user", "list").stdout
    assert icafe(stack, "user", "disable", "no-such-user").returncode == 2
    weak = icafe(
        stack, "user", "add", f"{username}x", "--role", "cashier", "--password-stdin", stdin="short\n"
    )
    assert weak.returncode == 2
    assert "at least 12" in weak.stderr

    entries = httpx.get(
        f"{stack.api_url}/api/v1/audit",
        headers={"Authorization": f"Bearer {token}"},
        params={"action": "user.disable", "limit": 500},
    ).json()["items"]
    assert any(e["target"] == f"user:{username}" and e["reason"] == "left the job" for e in entries)
    assert all(e["actor"].startswith(("cli:", "admin")) for e in entries)


@pytest.mark.parametrize("with_old_key", [True, False])
def test_keys_rotate_reencrypts_every_field(stack: LocalStack, with_old_key: bool) -> None:
    old_setting = SECURITY_ENV["ICAFE_ENCRYPTION_KEYS"]
    new_setting = generate_key(f"rot{int(time.time() * 1000)}")
    db_name = f"rotation_{uuid.uuid4().hex[:8]}"
    old = FieldCipher.from_setting(old_setting)
    secrets = {f"u{n}": new_secret() for n in range(3)}

    async def seed() -> None:
        store = await open_store(stack.mongo_url, db_name)
        try:
            for user_id, secret in secrets.items():
                await store.users.create(
                    StaffUser(
                        id=user_id,
                        username=user_id,
                        role="owner",
                        password_hash="x",
                        disabled=False,
                        created_at=1,
                        totp_secret=old.encrypt(secret, field_aad("staff_users", "totp_secret", user_id)),
                    )
                )
        finally:
            await store.close()

    asyncio.run(seed())
    keys = f"{new_setting},{old_setting}" if with_old_key else new_setting
    rotated = icafe(stack, "keys", "rotate", env={"ICAFE_MONGO_DB": db_name, "ICAFE_ENCRYPTION_KEYS": keys})
    client, _ = database(stack)
    try:
        stored = {doc["_id"]: doc["totp_secret"] for doc in client[db_name]["staff_users"].find()}
    finally:
        client.drop_database(db_name)
        client.close()
    if not with_old_key:
        # Without the old key nothing can be read, so nothing is rewritten, and the command says so.
        assert rotated.returncode == 1
        assert "could not re-encrypt" in rotated.stderr
        assert all(value.startswith(f"enc:v1:{old.current_kid}:") for value in stored.values())
        return
    assert rotated.returncode == 0, rotated.stderr
    assert "3 of 3 re-encrypted" in rotated.stdout
    only_new = FieldCipher.from_setting(new_setting)
    for user_id, value in stored.items():
        assert only_new.key_id(value) == only_new.current_kid
        assert only_new.decrypt(value, field_aad("staff_users", "totp_secret", user_id)) == secrets[user_id]


def test_keys_generate_prints_a_usable_key(stack: LocalStack) -> None:
    printed = icafe(stack, "keys", "generate", "--kid", "prod1")
    assert printed.returncode == 0
    assert FieldCipher.from_setting(printed.stdout.strip()).current_kid == "prod1"
