"""Enrollment end to end on the real stack: a code from the API, `icafe enroll` as the PC (a real process
making its key and sending a request), a technician's approval, the real agent connecting to Mosquitto
with mutual TLS; refused codes; re-enrollment and revocation cutting the PC off without a broker restart,
with `mosquitto_sub` holding the revoked certificate as the attacker."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pymongo
import pytest

from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import Service, ServiceSpec, free_port

from .conftest import ADMIN_PASSWORD, SECURITY_ENV, login, pc_status, wait_until

pytestmark = pytest.mark.skipif(shutil.which("mosquitto_sub") is None, reason="needs mosquitto_sub")

OTHERS = ("pc-001", "pc-002")
SITE = "main"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of this module's own with the certificate signer, and two simulated PCs that must stay
    connected through every revocation."""
    config = StackConfig(
        data_dir=tmp_path_factory.mktemp("enroll-stack"),
        http_port=free_port(),
        admin_password=ADMIN_PASSWORD,
        telemetry_s=0.5,
        pcs=len(OTHERS),
        hub_env={"ICAFE_MONGO_DB": f"icafe_enroll_{uuid.uuid4().hex[:8]}", **SECURITY_ENV},
    )
    local = LocalStack(config)
    try:
        local.start_infrastructure()
        local.start_signer()
        local.start_hub()
        local.start_simulator()
        yield local
    finally:
        local.stop()


@pytest.fixture(scope="module")
def api(stack: LocalStack) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {login(stack)}"}
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=30) as client:
        for pc in OTHERS:
            wait_until(lambda pc=pc: pc_status(client, pc) == "online", 60, f"{pc} online")
        yield client


def new_code(api: httpx.Client, **body: Any) -> str:
    response = api.post("/enrollment-codes", json=body)
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


def icafe_enroll(stack: LocalStack, out: Path, *args: str) -> subprocess.Popen[str]:
    """`icafe enroll` on "the PC": a process of its own, with the hub's URL and nothing of the CA."""
    argv = [sys.executable, "-m", "icafe", "enroll", "--hub", stack.api_url, "--out", str(out), *args]
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def pending(api: httpx.Client, name: str) -> dict[str, Any] | None:
    response = api.get("/pcs", params={"status": "pending"})
    assert response.status_code == 200, response.text
    for pc in response.json()["items"]:
        if pc["id"] == name:
            found: dict[str, Any] = pc["enrollment"]
            return found
    return None


def enroll_and_approve(
    stack: LocalStack, api: httpx.Client, out: Path, name: str, **approval: Any
) -> tuple[Path, dict[str, Any]]:
    """A PC enrolled with a fresh code under ``name``, approved in group vip: its agent.toml."""
    process = icafe_enroll(stack, out, "--code", new_code(api), "--name", name, "--wait", "120")
    request = wait_until(lambda: pending(api, name), 30, f"{name} pending")
    # The key was made on the PC and stays there; the hub has only its request.
    assert (out / "pc.key").stat().st_mode & 0o777 == 0o600
    assert request["key_fingerprint"]
    assert request["state"] == "pending"
    answer = api.post(f"/enrollments/{request['id']}/approve", json={"group": "vip", **approval})
    assert answer.status_code == 200, answer.text
    assert answer.json()["broker"] == "applied"
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert f"enrolled as {name}" in output
    return out / "agent.toml", answer.json()


def start_agent(stack: LocalStack, config: Path, name: str) -> Service:
    return stack.supervisor.start(
        ServiceSpec(
            name=name,
            argv=[sys.executable, "-m", "icafe", "agent", "--config", str(config), "--simulated"],
            env={"ICAFE_TELEMETRY_S": "0.5"},
            log_path=stack.log(name),
            ready=lambda: True,
        )
    )


def mosquitto_sub(stack: LocalStack, bundle: Path, pc: str, *extra: str) -> list[str]:
    """`mosquitto_sub` presenting the PC's certificate and key on the PCs' listener, on its own topic."""
    argv = ["mosquitto_sub", "-h", "localhost", "-p", str(stack.ports.broker), "-V", "5"]
    argv += [
        "--cafile",
        str(bundle / "ca.crt"),
        "--cert",
        str(bundle / "pc.crt"),
        "--key",
        str(bundle / "pc.key"),
    ]
    return [*argv, "-t", f"icafe/v1/{SITE}/pc/{pc}/cmd", *extra]


def attack(stack: LocalStack, bundle: Path, pc: str) -> subprocess.CompletedProcess[str]:
    """Connect with the PC's certificate, wait 2 s for a message: refused or timed out."""
    argv = mosquitto_sub(stack, bundle, pc, "-W", "2", "-C", "1")
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)


def admitted(result: subprocess.CompletedProcess[str]) -> bool:
    # -W: connected and subscribed, no message within the time: exit status 27 and "Timed out".
    return result.returncode == 27 and "Timed out" in result.stdout + result.stderr


def verify_failures(stack: LocalStack) -> int:
    """Handshakes the broker refused because a client's certificate did not verify (the CRL's doing)."""
    return stack.log("mosquitto").read_text().count("certificate verify failed")


def refused_by_the_crl(stack: LocalStack, bundle: Path, pc: str) -> bool:
    """An attacker with the PC's certificate is refused at the TLS handshake: the broker's own log says the
    certificate failed to verify, so the CRL refused it before any MQTT (the access list never ran).
    (With TLS 1.3 the client learns it only after its handshake: mosquitto_sub says "connection lost".)"""
    before = verify_failures(stack)
    result = attack(stack, bundle, pc)
    if admitted(result) or result.returncode == 0:
        return False
    wait_until(lambda: verify_failures(stack) > before, 5, "the broker's log of the refused handshake")
    return True


def others_online(api: httpx.Client, since: dict[str, int]) -> None:
    """The other PCs are online, and have been since ``since``: never dropped, not even briefly."""
    assert online_since(api) == since


def online_since(api: httpx.Client) -> dict[str, int]:
    pcs = {pc: api.get(f"/pcs/{pc}").json() for pc in OTHERS}
    assert {pc["status"] for pc in pcs.values()} == {"online"}, pcs
    return {name: pc["status_since"] for name, pc in pcs.items()}


def broker_pid(stack: LocalStack) -> int:
    process = stack.supervisor.services["mosquitto"].process
    assert process is not None
    return process.pid


def test_a_pc_enrolls_approves_connects_and_is_revoked_without_a_broker_restart(
    stack: LocalStack, api: httpx.Client, tmp_path: Path
) -> None:
    assert api.put("/groups/vip", json={"name": "VIP", "tariff_id": "standard"}).status_code == 200
    broker = broker_pid(stack)
    since = online_since(api)
    bundle = tmp_path / "pc-new"
    config, approved = enroll_and_approve(stack, api, bundle, "pc-new")
    assert approved["pc_id"] == "pc-new"
    assert approved["group"] == "vip"
    # The CA never had this PC's key: it signed the request only.
    assert not (stack.certs_dir / "clients" / "pc-new.key").exists()
    assert pending(api, "pc-new") is None

    agent = start_agent(stack, config, "agent-pc-new")
    wait_until(lambda: pc_status(api, "pc-new") == "online", 30, "the enrolled PC online")
    assert api.get("/pcs/pc-new").json()["group"] == "vip"

    # Revoked while connected: the broker cuts it within seconds; the other PCs never notice.
    started = time.monotonic()
    revoked = api.post(
        "/pcs/pc-new/revoke", json={"confirmation": {"reason": "stolen", "password": ADMIN_PASSWORD}}
    )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["broker"] == "applied"
    log = stack.log("mosquitto")
    wait_until(lambda: "Client pc-new been disconnected" in log.read_text(), 10, "the revoked agent cut off")
    print(f"revoke to cut: {time.monotonic() - started:.2f} s")
    others_online(api, since)

    # As the attacker: the revoked certificate is refused at the TLS handshake by the CRL the CA just wrote,
    # read by the same broker process (no restart), and the access list no longer knows the PC either.
    agent.stop()
    assert refused_by_the_crl(stack, bundle, "pc-new")
    assert broker_pid(stack) == broker
    others_online(api, since)
    again = api.post(
        "/pcs/pc-new/revoke", json={"confirmation": {"reason": "twice", "password": ADMIN_PASSWORD}}
    )
    assert again.status_code == 409, again.text


def test_re_enrolling_a_pc_revokes_its_old_certificate(
    stack: LocalStack, api: httpx.Client, tmp_path: Path
) -> None:
    assert api.put("/groups/vip", json={"name": "VIP", "tariff_id": "standard"}).status_code == 200
    old = tmp_path / "old-disk"
    since = online_since(api)
    enroll_and_approve(stack, api, old, "pc-disk")
    assert admitted(attack(stack, old, "pc-disk"))

    # The disk is replaced: a new key, a new code. Approving it as the same PC needs `replace`.
    new = tmp_path / "new-disk"
    process = icafe_enroll(stack, new, "--code", new_code(api), "--name", "pc-disk", "--wait", "120")
    request = wait_until(lambda: pending(api, "pc-disk"), 30, "the re-enrolled PC pending")
    assert request["known_pc"] is True
    refused = api.post(f"/enrollments/{request['id']}/approve", json={})
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "pc_enrolled"
    answer = api.post(f"/enrollments/{request['id']}/approve", json={"replace": True})
    assert answer.status_code == 200, answer.text
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output

    assert refused_by_the_crl(stack, old, "pc-disk"), "the old disk's certificate still works"
    assert admitted(attack(stack, new, "pc-disk"))
    others_online(api, since)


def test_codes_used_expired_wrong_or_for_another_pc_are_refused_clearly(
    stack: LocalStack, api: httpx.Client, tmp_path: Path
) -> None:
    def submit(code: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "icafe", "enroll", "--hub", stack.api_url, "--out", str(out)]
        argv += ["--code", code, "--wait", "0", *args]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)

    code = new_code(api)
    first = submit(code, tmp_path / "a", "--name", "pc-a")
    assert first.returncode == 1, first
    assert "not approved yet" in first.stdout
    used = submit(code, tmp_path / "b", "--name", "pc-b")
    refused(used, "this enrollment code has been used (1 of 1 PCs)", "(409 enroll_code_used)")

    wrong = submit("ABCD-EFGH-JKMN-PQRS", tmp_path / "c", "--name", "pc-c")
    refused(wrong, "this enrollment code is not known", "(403 enroll_code_unknown)")

    named = new_code(api, pc_id="pc-named")
    other = submit(named, tmp_path / "d", "--name", "pc-intruder")
    refused(other, "this code is for PC pc-named, not pc-intruder", "(403 enroll_code_other_pc)")

    expired = new_code(api)
    db = pymongo.MongoClient(stack.mongo_url)[stack.config.hub_env["ICAFE_MONGO_DB"]]
    last4 = expired[-4:]
    db.enroll_codes.update_one({"last4": last4}, {"$set": {"expires_at": int(time.time() * 1000) - 1}})
    late = submit(expired, tmp_path / "e", "--name", "pc-e")
    refused(late, "this enrollment code expired at", "(410 enroll_code_expired)")

    # A batch code admits its number of PCs, each with its own key.
    batch = new_code(api, uses=2)
    assert submit(batch, tmp_path / "f1", "--name", "pc-f1").returncode == 1
    assert submit(batch, tmp_path / "f2", "--name", "pc-f2").returncode == 1
    assert submit(batch, tmp_path / "f3", "--name", "pc-f3").returncode == 2
    assert {pending(api, n) is not None for n in ("pc-f1", "pc-f2")} == {True}

    # Rejected: the PC is told so and stops waiting.
    request = pending(api, "pc-a")
    assert request is not None
    assert api.post(f"/enrollments/{request['id']}/reject", json={"reason": "not ours"}).status_code == 200
    resumed = subprocess.run(
        [sys.executable, "-m", "icafe", "enroll", "--out", str(tmp_path / "a"), "--wait", "10"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    refused(resumed, "rejected (not ours)")


def refused(result: subprocess.CompletedProcess[str], *texts: str) -> None:
    """`icafe enroll` failed with exit status 2 and said all of ``texts``."""
    assert result.returncode == 2, result
    for text in texts:
        assert text in result.stderr, result.stderr


def test_guessing_codes_is_rate_limited(stack: LocalStack) -> None:
    """Last in this module: it spends the address's allowance."""
    statuses = []
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", timeout=30) as client:
        for _ in range(70):
            body = {"code": "ABCD-EFGH-JKMN-PQRS", "csr": "x"}
            statuses.append(client.post("/enroll", json=body).status_code)
        assert statuses[0] in (400, 403)
        assert 429 in statuses
        limited = client.post("/enroll", json={"code": "ABCD-EFGH-JKMN-PQRS", "csr": "x"})
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) > 0
        assert "too many enrollment requests" in limited.json()["error"]["message"]


def test_pc_enroll_code_on_the_command_line(stack: LocalStack, api: httpx.Client) -> None:
    env = {**os.environ, "ICAFE_DATA_DIR": str(stack.data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "icafe", "pc", "enroll-code", "--uses", "3", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    listed = api.get("/enrollment-codes").json()["items"]
    shown = json.loads(result.stdout)
    made = [c for c in listed if c["id"] == shown["id"]]
    assert made[0]["last4"] == shown["code"][-4:]
    assert len(made) == 1
    assert made[0]["uses"] == 3
    assert made[0]["created_by"].startswith("cli:")
