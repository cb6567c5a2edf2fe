"""The provisioning CA: files and modes, certificate contents, revocation and the CLI."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import stat
import subprocess
from datetime import UTC, datetime, timedelta
from ipaddress import ip_address
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from provisioning import HUB_IDENTITY, CAError, CertificateAuthority
from provisioning.cli import register


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority.init(tmp_path / "certs")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def load_crl(ca: CertificateAuthority) -> x509.CertificateRevocationList:
    return x509.load_pem_x509_crl(ca.crl_path.read_bytes())


def ca_public_key(ca: CertificateAuthority) -> ec.EllipticCurvePublicKey:
    key = load_cert(ca.ca_cert_path).public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    return key


def assert_signed_by(cert: x509.Certificate, issuer_key: ec.EllipticCurvePublicKey) -> None:
    assert cert.signature_hash_algorithm is not None
    # Raises InvalidSignature if the CA did not sign this exact certificate.
    issuer_key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="icafe")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result = args.func(args)
    assert isinstance(result, int)
    return result


# --------------------------------------------------------------------------- init and layout


def test_init_creates_every_file_with_the_right_mode(ca: CertificateAuthority) -> None:
    root = ca.root
    assert mode(root) == 0o755
    assert mode(root / "broker") == 0o755
    for key in ("ca.key", "broker/server.key"):
        assert mode(root / key) == 0o600, key
    for public in ("ca.crt", "crl.pem", "index.json", "broker/server.crt"):
        assert mode(root / public) == 0o644, public
    assert ca.ca_cert_path == root / "ca.crt"
    assert ca.crl_path == root / "crl.pem"
    assert not list(root.rglob("*.tmp")), "no temp files may be left behind"


def test_modes_do_not_depend_on_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        ca = CertificateAuthority.init(tmp_path / "certs")
        ca.issue("pc-001")
    finally:
        os.umask(previous)
    assert mode(ca.root) == 0o755
    assert mode(ca.ca_cert_path) == 0o644
    assert mode(ca.root / "clients") == 0o755
    assert mode(ca.root / "clients" / "pc-001.crt") == 0o644
    assert mode(ca.root / "clients" / "pc-001.key") == 0o600


def test_ca_cert_is_a_self_signed_ca(ca: CertificateAuthority) -> None:
    cert = load_cert(ca.ca_cert_path)
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "icafe CA"
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca
    assert constraints.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign
    assert usage.crl_sign
    cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert isinstance(key.curve, ec.SECP256R1)
    assert_signed_by(cert, key)
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=3649) < lifetime < timedelta(days=3651)


def test_pc_cert_is_a_client_cert_signed_by_the_ca(ca: CertificateAuthority) -> None:
    identity = ca.issue("pc-001")
    assert identity.kind == "pc"
    assert not identity.revoked
    assert identity.cert_path == ca.root / "clients" / "pc-001.crt"
    assert identity.key_path == ca.root / "clients" / "pc-001.key"
    assert mode(identity.key_path) == 0o600
    assert mode(identity.cert_path) == 0o644

    cert = load_cert(identity.cert_path)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "pc-001"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "pc"
    assert cert.issuer == load_cert(ca.ca_cert_path).subject
    assert cert.serial_number == identity.serial
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = load_cert(ca.ca_cert_path).extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert_signed_by(cert, ca_public_key(ca))

    expected = datetime.now(UTC) + timedelta(days=825)
    assert abs(cert.not_valid_after_utc - expected) < timedelta(minutes=5)
    assert identity.not_after == cert.not_valid_after_utc
    assert identity.not_after.tzinfo is not None


def test_hub_identity_is_a_hub_client_cert(ca: CertificateAuthority) -> None:
    identity = ca.issue(HUB_IDENTITY, kind="hub")
    cert = load_cert(identity.cert_path)
    assert identity.kind == "hub"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "hub"
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_broker_cert_is_a_server_cert_with_the_hosts(ca: CertificateAuthority) -> None:
    broker = ca.broker_identity()
    assert broker.kind == "broker"
    assert broker.cert_path == ca.root / "broker" / "server.crt"
    assert broker.key_path == ca.root / "broker" / "server.key"
    cert = load_cert(broker.cert_path)
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert sans.get_values_for_type(x509.IPAddress) == [ip_address("127.0.0.1"), ip_address("::1")]
    assert_signed_by(cert, ca_public_key(ca))


def test_broker_hosts_are_configurable(tmp_path: Path) -> None:
    ca = CertificateAuthority.init(tmp_path / "certs", broker_hosts=["mqtt.cafe.lan", "10.0.0.5"])
    cert = load_cert(ca.broker_identity().cert_path)
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["mqtt.cafe.lan"]
    assert sans.get_values_for_type(x509.IPAddress) == [ip_address("10.0.0.5")]


def test_broker_is_not_listed(ca: CertificateAuthority) -> None:
    ca.issue("pc-b")
    ca.issue("pc-a")
    assert [i.name for i in ca.list()] == ["pc-a", "pc-b"]


# --------------------------------------------------------------------------- revocation


def test_revoke_puts_the_serial_in_a_signed_crl(ca: CertificateAuthority) -> None:
    assert len(load_crl(ca)) == 0
    identity = ca.issue("pc-001")
    revoked = ca.revoke("pc-001")
    assert revoked.revoked
    assert revoked.serial == identity.serial
    assert ca.get("pc-001").revoked

    crl = load_crl(ca)
    assert crl.is_signature_valid(ca_public_key(ca))
    entry = crl.get_revoked_certificate_by_serial_number(identity.serial)
    assert entry is not None
    assert abs(entry.revocation_date_utc - datetime.now(UTC)) < timedelta(minutes=1)
    assert crl.next_update_utc is not None
    assert crl.next_update_utc > datetime.now(UTC) + timedelta(days=364)
    assert crl.issuer == load_cert(ca.ca_cert_path).subject


def test_reissue_after_revoke_gives_a_new_serial_and_keeps_the_old_revoked(
    ca: CertificateAuthority,
) -> None:
    old = ca.issue("pc-001")
    ca.revoke("pc-001")
    new = ca.issue("pc-001")
    assert new.serial != old.serial
    assert not new.revoked
    assert not ca.get("pc-001").revoked
    assert load_cert(new.cert_path).serial_number == new.serial
    crl = load_crl(ca)
    assert crl.get_revoked_certificate_by_serial_number(old.serial) is not None
    assert crl.get_revoked_certificate_by_serial_number(new.serial) is None


def test_revoke_unknown_or_twice_is_refused(ca: CertificateAuthority) -> None:
    with pytest.raises(CAError, match="no identity"):
        ca.revoke("pc-404")
    ca.issue("pc-001")
    ca.revoke("pc-001")
    with pytest.raises(CAError, match="already revoked"):
        ca.revoke("pc-001")
    with pytest.raises(CAError, match="broker"):
        ca.revoke("broker")


def test_refresh_crl_re_signs_it(ca: CertificateAuthority) -> None:
    ca.issue("pc-001")
    ca.revoke("pc-001")
    before = ca.crl_path.read_bytes()
    ca.refresh_crl()
    crl = load_crl(ca)
    assert ca.crl_path.read_bytes() != before
    assert crl.is_signature_valid(ca_public_key(ca))
    assert len(crl) == 1


def openssl_verify(ca: CertificateAuthority, cert: Path) -> subprocess.CompletedProcess[str]:
    command = ["openssl", "verify", "-CAfile", str(ca.ca_cert_path), "-crl_check"]
    command += ["-CRLfile", str(ca.crl_path), str(cert)]
    return subprocess.run(command, capture_output=True, text=True, check=False)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_accepts_a_valid_cert_and_rejects_a_revoked_one(ca: CertificateAuthority) -> None:
    good = ca.issue("pc-good")
    bad = ca.issue("pc-bad")
    ca.revoke("pc-bad")

    accepted = openssl_verify(ca, good.cert_path)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert accepted.stdout.strip().endswith(": OK")

    rejected = openssl_verify(ca, bad.cert_path)
    assert rejected.returncode != 0
    assert "revoked" in (rejected.stdout + rejected.stderr)

    broker = openssl_verify(ca, ca.broker_identity().cert_path)
    assert broker.returncode == 0, broker.stdout + broker.stderr


# --------------------------------------------------------------------------- names and re-issue


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("a/b", "pc", "invalid name"),
        ("+", "pc", "invalid name"),
        ("#", "pc", "invalid name"),
        ("pc/+/#", "pc", "invalid name"),
        ("", "pc", "invalid name"),
        ("pc 1", "pc", "invalid name"),
        ("pc-1\n", "pc", "invalid name"),
        ("-pc", "pc", "invalid name"),
        ("a" * 65, "pc", "invalid name"),
        ("broker", "pc", "reserved for the broker"),
        ("broker", "hub", "reserved for the broker"),
        ("Broker", "pc", "reserved for the broker"),
        (HUB_IDENTITY, "pc", "reserved for the hub"),
        ("ICAFE-HUB", "pc", "reserved for the hub"),
        ("pc-1", "broker", "cannot issue kind"),
    ],
)
def test_invalid_or_reserved_names_are_refused(
    ca: CertificateAuthority, name: str, kind: str, message: str
) -> None:
    with pytest.raises(CAError, match=message):
        ca.issue(name, kind=kind)  # type: ignore[arg-type]
    assert ca.list() == []


def test_the_longest_allowed_name_is_accepted(ca: CertificateAuthority) -> None:
    name = "A" + "b_-9" * 15 + "xyz"
    assert len(name) == 64
    assert ca.issue(name).name == name


def test_issue_twice_is_refused_unless_overwrite(ca: CertificateAuthority) -> None:
    first = ca.issue("pc-001")
    with pytest.raises(CAError, match="already issued; revoke it first or pass overwrite"):
        ca.issue("pc-001")
    second = ca.issue("pc-001", overwrite=True)
    assert second.serial != first.serial
    # The replaced certificate must stop working as well.
    assert load_crl(ca).get_revoked_certificate_by_serial_number(first.serial) is not None


def test_ensure_reuses_a_valid_identity(ca: CertificateAuthority) -> None:
    first = ca.ensure("pc-001")
    assert ca.ensure("pc-001") == first
    ca.revoke("pc-001")
    renewed = ca.ensure("pc-001")
    assert renewed.serial != first.serial
    assert not renewed.revoked
    with pytest.raises(CAError, match="already issued as a pc"):
        ca.ensure("pc-001", kind="hub")


def test_get_unknown_is_refused(ca: CertificateAuthority) -> None:
    with pytest.raises(CAError, match="no identity named 'pc-404'"):
        ca.get("pc-404")


def test_issue_many_writes_every_identity_and_the_index(ca: CertificateAuthority) -> None:
    names = [f"pc-{n:03d}" for n in range(50)]
    identities = ca.issue_many(names)
    assert [i.name for i in identities] == names
    assert len({i.serial for i in identities}) == 50
    for identity in identities:
        assert identity.cert_path.is_file()
        assert mode(identity.key_path) == 0o600

    records = json.loads((ca.root / "index.json").read_text())["records"]
    by_name = {r["name"]: r for r in records}
    assert set(names) <= set(by_name)
    assert by_name["pc-007"]["serial"] == identities[7].serial
    assert by_name["pc-007"]["kind"] == "pc"
    assert by_name["pc-007"]["revoked"] is False
    assert datetime.fromisoformat(by_name["pc-007"]["not_after"]) == identities[7].not_after

    # Already issued names are skipped and come back unchanged; new ones are added.
    again = ca.issue_many([*names[:3], "pc-new"])
    assert again[:3] == identities[:3]
    assert again[3].name == "pc-new"
    assert len(ca.list()) == 51


def test_issue_many_refuses_the_whole_batch_on_a_bad_name(ca: CertificateAuthority) -> None:
    with pytest.raises(CAError, match="invalid name"):
        ca.issue_many(["pc-1", "pc/2"])
    assert ca.list() == []


# --------------------------------------------------------------------------- open and init


def test_open_on_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CAError, match=re.escape(f"no CA in {tmp_path}: run `icafe ca init`")):
        CertificateAuthority.open(tmp_path)


def test_open_sees_what_init_wrote(ca: CertificateAuthority) -> None:
    ca.issue("pc-001")
    reopened = CertificateAuthority.open(ca.root)
    assert reopened.get("pc-001") == ca.get("pc-001")


def test_init_twice_is_refused_without_exist_ok(ca: CertificateAuthority) -> None:
    with pytest.raises(CAError, match="already exists"):
        CertificateAuthority.init(ca.root)


def test_init_with_exist_ok_keeps_the_ca_and_refreshes_the_crl(ca: CertificateAuthority) -> None:
    ca_cert = ca.ca_cert_path.read_bytes()
    ca_key = (ca.root / "ca.key").read_bytes()
    ca.issue("pc-001")
    crl_before = ca.crl_path.read_bytes()

    again = CertificateAuthority.init(ca.root, exist_ok=True)
    assert again.ca_cert_path.read_bytes() == ca_cert
    assert (ca.root / "ca.key").read_bytes() == ca_key
    assert again.get("pc-001") == ca.get("pc-001")
    assert ca.crl_path.read_bytes() != crl_before
    assert load_crl(again).is_signature_valid(ca_public_key(again))


def test_init_refuses_a_half_written_ca(tmp_path: Path) -> None:
    root = tmp_path / "certs"
    root.mkdir()
    (root / "ca.key").write_text("partial")
    with pytest.raises(CAError, match="incomplete CA"):
        CertificateAuthority.init(root)


def test_grant_broker_read_chowns_only_the_broker_key(ca: CertificateAuthority) -> None:
    uid, gid = os.getuid(), os.getgid()
    ca.grant_broker_read(uid, gid)
    key = ca.broker_identity().key_path
    assert (key.stat().st_uid, key.stat().st_gid) == (uid, gid)
    assert mode(key) == 0o600


# --------------------------------------------------------------------------- CLI


def test_cli_list_json_shows_revoked_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    certs = str(tmp_path / "certs")
    assert run_cli("ca", "init", "--certs-dir", certs, "--hosts", "localhost", "10.1.2.3") == 0
    assert run_cli("ca", "issue", "pc-001", "--certs-dir", certs) == 0
    assert run_cli("ca", "issue", "pc-002", "--certs-dir", certs) == 0
    assert run_cli("ca", "revoke", "pc-002", "--certs-dir", certs) == 0
    capsys.readouterr()

    assert run_cli("ca", "list", "--json", "--certs-dir", certs) == 0
    listing = json.loads(capsys.readouterr().out)
    status = {row["name"]: row["status"] for row in listing}
    # `ca init` also issues the broker's own tools' identities.
    assert status == {
        "icafe-broker-admin": "valid",
        "icafe-broker-log": "valid",
        "pc-001": "valid",
        "pc-002": "revoked",
    }
    serial = CertificateAuthority.open(Path(certs)).get("pc-002").serial
    assert listing[3]["serial"] == f"{serial:x}"
    assert listing[3]["kind"] == "pc"
    assert listing[3]["site"] is None


def test_cli_list_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = CertificateAuthority.init(tmp_path / "certs")
    identity = ca.issue("pc-001", site="annex")
    ca.issue(HUB_IDENTITY, kind="hub")
    ca.revoke(HUB_IDENTITY)
    assert run_cli("ca", "list", "--certs-dir", str(ca.root)) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    hub = ca.get(HUB_IDENTITY)
    assert rows == [
        ["NAME", "KIND", "SITE", "SERIAL", "EXPIRES", "STATUS"],
        [HUB_IDENTITY, "hub", "-", f"{hub.serial:x}", hub.not_after.date().isoformat(), "revoked"],
        ["pc-001", "pc", "annex", f"{identity.serial:x}", identity.not_after.date().isoformat(), "valid"],
    ]


def test_cli_keeps_the_brokers_access_list_in_step(tmp_path: Path) -> None:
    """init, issue, bundle and revoke each rewrite certs/broker/dynamic-security.json from the records."""
    certs = tmp_path / "certs"
    acl = certs / "broker" / "dynamic-security.json"

    def clients() -> set[str]:
        return {c["username"] for c in json.loads(acl.read_text())["clients"]}

    services = {"icafe-hub", "icafe-broker-log", "icafe-broker-admin"}
    assert run_cli("ca", "init", "--certs-dir", str(certs)) == 0
    assert clients() == services
    assert run_cli("ca", "issue", "pc-001", "--site", "main", "--certs-dir", str(certs)) == 0
    assert run_cli("ca", "issue", "pc-002", "--certs-dir", str(certs)) == 0  # no site yet: not admitted
    assert clients() == services | {"pc-001"}
    bundle = ["ca", "bundle", "pc-002", "--site", "annex", "--broker-host", "h", "--out", str(tmp_path / "b")]
    assert run_cli(*bundle, "--certs-dir", str(certs)) == 0
    assert clients() == services | {"pc-001", "pc-002"}
    assert run_cli("ca", "revoke", "pc-001", "--certs-dir", str(certs)) == 0
    assert clients() == services | {"pc-002"}
    acl.unlink()
    assert run_cli("ca", "broker-acl", "--certs-dir", str(certs)) == 0
    assert clients() == services | {"pc-002"}


def test_cli_uses_the_certs_dir_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICAFE_CERTS_DIR", str(tmp_path / "from-env"))
    assert run_cli("ca", "init", "--name", "Cafe CA") == 0
    cert = load_cert(tmp_path / "from-env" / "ca.crt")
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Cafe CA"
    assert run_cli("ca", "crl") == 0


def test_cli_reports_ca_errors_with_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("ca", "issue", "pc-001", "--certs-dir", str(tmp_path)) == 2
    assert capsys.readouterr().err.startswith(f"icafe: no CA in {tmp_path}")

    certs = str(tmp_path / "certs")
    run_cli("ca", "init", "--certs-dir", certs)
    assert run_cli("ca", "issue", "a/b", "--certs-dir", certs) == 2
    assert "icafe: invalid name 'a/b'" in capsys.readouterr().err
