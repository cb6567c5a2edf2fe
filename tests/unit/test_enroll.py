"""Agent enrollment bundles: files, modes and the exact agent.toml."""

from __future__ import annotations

import argparse
import stat
import tomllib
from pathlib import Path

import pytest
from cryptography import x509

from provisioning import CAError, CertificateAuthority, write_agent_bundle
from provisioning.cli import register


@pytest.fixture
def ca(tmp_path: Path) -> CertificateAuthority:
    return CertificateAuthority.init(tmp_path / "certs")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def bundle(ca: CertificateAuthority, out_dir: Path, pc_id: str = "pc-001", site: str = "main") -> Path:
    return write_agent_bundle(
        ca, pc_id, site=site, broker_host="localhost", broker_port=8883, out_dir=out_dir
    )


def test_bundle_has_every_file_with_the_right_mode(ca: CertificateAuthority, tmp_path: Path) -> None:
    out_dir = tmp_path / "bundle"
    toml_path = bundle(ca, out_dir)
    assert toml_path == out_dir / "agent.toml"
    assert sorted(p.name for p in out_dir.iterdir()) == ["agent.toml", "ca.crt", "pc-001.crt", "pc-001.key"]
    assert mode(out_dir) == 0o700
    assert mode(out_dir / "pc-001.key") == 0o600
    assert mode(out_dir / "agent.toml") == 0o600
    assert mode(out_dir / "ca.crt") == 0o644
    assert mode(out_dir / "pc-001.crt") == 0o644


def test_agent_toml_has_the_exact_values_and_its_paths_resolve(
    ca: CertificateAuthority, tmp_path: Path
) -> None:
    toml_path = bundle(ca, tmp_path / "bundle")
    config = tomllib.loads(toml_path.read_text())
    assert config == {
        "pc_id": "pc-001",
        "site": "main",
        "broker": {
            "host": "localhost",
            "port": 8883,
            "ca": "ca.crt",
            "cert": "pc-001.crt",
            "key": "pc-001.key",
        },
    }
    assert toml_path.read_text() == (
        'pc_id = "pc-001"\n'
        'site = "main"\n'
        "\n"
        "[broker]\n"
        'host = "localhost"\n'
        "port = 8883\n"
        'ca = "ca.crt"\n'
        'cert = "pc-001.crt"\n'
        'key = "pc-001.key"\n'
    )

    identity = ca.get("pc-001")
    broker = config["broker"]
    folder = toml_path.parent
    assert (folder / broker["ca"]).read_bytes() == ca.ca_cert_path.read_bytes()
    assert (folder / broker["cert"]).read_bytes() == identity.cert_path.read_bytes()
    assert (folder / broker["key"]).read_bytes() == identity.key_path.read_bytes()
    cert = x509.load_pem_x509_certificate((folder / broker["cert"]).read_bytes())
    assert cert.serial_number == identity.serial


def test_strings_are_quoted_safely(ca: CertificateAuthority, tmp_path: Path) -> None:
    host = 'Café "North"\\ \t\x7f\x01 🎮'
    toml_path = write_agent_bundle(
        ca, "pc-001", site="main", broker_host=host, broker_port=8883, out_dir=tmp_path / "bundle"
    )
    assert tomllib.loads(toml_path.read_text(encoding="utf-8"))["broker"]["host"] == host


def test_enrollment_records_the_site_and_refuses_another(ca: CertificateAuthority, tmp_path: Path) -> None:
    """The site is a topic level the broker binds the PC to: recorded at the first enrollment, fixed
    afterwards, and only a topic-safe name."""
    ca.issue("pc-001")
    assert ca.get("pc-001").site is None
    bundle(ca, tmp_path / "first", site="annex")
    assert ca.get("pc-001").site == "annex"
    with pytest.raises(CAError, match="enrolled at site 'annex', not 'main'"):
        bundle(ca, tmp_path / "second", site="main")
    assert ca.get("pc-001").site == "annex"
    for site in ("main/+", "a b", "#"):
        with pytest.raises(CAError, match="invalid site"):
            bundle(ca, tmp_path / "third", pc_id="pc-002", site=site)


def test_bundle_reuses_an_existing_identity(ca: CertificateAuthority, tmp_path: Path) -> None:
    issued = ca.issue("pc-001")
    bundle(ca, tmp_path / "first")
    bundle(ca, tmp_path / "second")
    assert ca.get("pc-001").serial == issued.serial
    assert (tmp_path / "first" / "pc-001.key").read_bytes() == (
        tmp_path / "second" / "pc-001.key"
    ).read_bytes()


def test_bundle_refuses_bad_input(ca: CertificateAuthority, tmp_path: Path) -> None:
    with pytest.raises(CAError, match="invalid name"):
        bundle(ca, tmp_path / "bundle", pc_id="pc/1")
    with pytest.raises(CAError, match="reserved for the hub"):
        bundle(ca, tmp_path / "bundle", pc_id="icafe-hub")
    with pytest.raises(CAError, match="invalid broker port"):
        write_agent_bundle(
            ca, "pc-001", site="main", broker_host="localhost", broker_port=0, out_dir=tmp_path / "b"
        )
    with pytest.raises(CAError, match="site"):
        bundle(ca, tmp_path / "bundle", site=" ")
    assert not (tmp_path / "bundle").exists()


def test_cli_bundle_writes_the_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ca = CertificateAuthority.init(tmp_path / "certs")
    parser = argparse.ArgumentParser(prog="icafe")
    register(parser.add_subparsers(dest="command", required=True))
    argv = ["ca", "bundle", "pc-007", "--site", "annex", "--broker-host", "10.0.0.5", "--broker-port", "9883"]
    argv += ["--out", str(tmp_path / "out"), "--certs-dir", str(ca.root)]
    args = parser.parse_args(argv)
    assert args.func(args) == 0
    assert str(tmp_path / "out" / "agent.toml") in capsys.readouterr().out
    config = tomllib.loads((tmp_path / "out" / "agent.toml").read_text())
    assert config["pc_id"] == "pc-007"
    assert config["site"] == "annex"
    assert config["broker"]["host"] == "10.0.0.5"
    assert config["broker"]["port"] == 9883
    assert not ca.get("pc-007").revoked
