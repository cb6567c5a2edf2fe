"""Enrollment bundles: everything an agent needs to connect to the broker, in one folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

from provisioning.ca import CAError, CertificateAuthority, Identity, atomic_write, validate_site

_BUNDLE_DIR_MODE = 0o700
_PRIVATE_MODE = 0o600
_PUBLIC_MODE = 0o644


def write_agent_bundle(
    ca: CertificateAuthority,
    pc_id: str,
    *,
    site: str,
    broker_host: str,
    broker_port: int,
    out_dir: Path,
    identity: Identity | None = None,
) -> Path:
    """Write ca.crt, <pc_id>.crt, <pc_id>.key and agent.toml into ``out_dir``; return agent.toml's path.

    The PC identity is issued if it does not exist yet; an existing valid one is reused. Either way the
    CA records ``site`` as the PC's site (the broker confines the PC to its topics under that site); a PC
    already enrolled at another site is refused. A caller that enrolls many PCs passes the identities
    ``issue_many(..., site=site)`` returned, so the CA's index is read once.
    """
    _check_settings(site, broker_host, broker_port)
    if identity is None:
        identity = ca.ensure(pc_id, site=site)
    elif identity.name != pc_id:
        raise CAError(f"the identity given is {identity.name!r}, not {pc_id!r}")
    elif identity.site != site:
        raise CAError(f"the identity given for {pc_id!r} is for site {identity.site!r}, not {site!r}")
    out_dir = Path(out_dir)
    _make_private_dir(out_dir)
    cert_name, key_name = f"{pc_id}.crt", f"{pc_id}.key"
    _copy(ca.ca_cert_path, out_dir / "ca.crt", _PUBLIC_MODE)
    _copy(identity.cert_path, out_dir / cert_name, _PUBLIC_MODE)
    _copy(identity.key_path, out_dir / key_name, _PRIVATE_MODE)
    config = (
        f"pc_id = {_toml_string(pc_id)}\n"
        f"site = {_toml_string(site)}\n"
        "\n"
        "[broker]\n"
        f"host = {_toml_string(broker_host)}\n"
        f"port = {broker_port}\n"
        f"ca = {_toml_string('ca.crt')}\n"
        f"cert = {_toml_string(cert_name)}\n"
        f"key = {_toml_string(key_name)}\n"
    )
    toml_path = out_dir / "agent.toml"
    atomic_write(toml_path, config.encode("utf-8"), _PRIVATE_MODE)
    return toml_path


def _check_settings(site: str, broker_host: str, broker_port: int) -> None:
    if not site.strip():
        raise CAError("the site must not be empty: pass the site this PC belongs to")
    validate_site(site)
    if not broker_host.strip():
        raise CAError("the broker host must not be empty: pass the host name or IP the agent connects to")
    if isinstance(broker_port, bool) or not 1 <= broker_port <= 65535:
        raise CAError(f"invalid broker port {broker_port!r}: use a number from 1 to 65535")
    for value in (site, broker_host):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise CAError(f"{value!r} is not valid text; remove the stray characters") from exc


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string, except that TOML also wants DEL escaped.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _make_private_dir(path: Path) -> None:
    # Only a folder we create is tightened: chmod-ing e.g. the caller's working directory would surprise.
    if path.is_dir():
        return
    try:
        path.mkdir(parents=True)
        os.chmod(path, _BUNDLE_DIR_MODE)
    except OSError as exc:
        raise CAError(f"cannot create {path}: {exc.strerror}; check the parent folder's permissions") from exc


def _copy(source: Path, target: Path, mode: int) -> None:
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise CAError(f"cannot read {source}: {exc.strerror}; check the CA folder") from exc
    atomic_write(target, data, mode)
