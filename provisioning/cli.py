"""`icafe ca ...`: the CA, the certificate signer and enrollment bundles from the command line.

Every command that changes who may connect (init, issue, revoke, bundle) also rewrites the broker's access
list next to the CA (``broker/dynamic-security.json``, see ``provisioning.broker_acl``), which the broker
reads when it starts, and the CRL, which it reads at every handshake (``provisioning.crl_dir``). A running
broker's access list is changed by the signer (``icafe ca serve``, ``provisioning.signer``), which PCs that
enroll with ``icafe enroll --hub`` go through.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from provisioning.broker_acl import ensure_services, write_broker_acl
from provisioning.ca import CAError, CertificateAuthority, Identity
from provisioning.enroll import write_agent_bundle
from provisioning.signer import BrokerLink, serve

Handler = Callable[[argparse.Namespace], int]

_CERTS_DIR_ENV = "ICAFE_CERTS_DIR"
_EXIT_FAILURE = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `ca` subcommand to the project's main parser."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--certs-dir",
        type=Path,
        default=None,
        help=f"the CA folder (default: ${_CERTS_DIR_ENV}, else ./certs)",
    )
    _register_ca(subparsers, common)


def _register_ca(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    ca = subparsers.add_parser("ca", help="manage the certificate authority")
    commands = ca.add_subparsers(dest="ca_command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", parents=[common], help="create the CA and the broker certificate")
    init.add_argument("--hosts", nargs="+", default=None, help="broker host names and IP addresses")
    init.add_argument("--name", default="icafe CA", help="the CA's common name")
    init.add_argument("--exist-ok", action="store_true", help="keep an existing CA (refreshes its CRL)")
    init.set_defaults(func=_guarded(_ca_init))

    issue = commands.add_parser("issue", parents=[common], help="issue a PC or hub certificate")
    issue.add_argument("name")
    issue.add_argument("--kind", choices=("pc", "hub"), default="pc")
    issue.add_argument("--site", help="a PC's site (else recorded by `icafe ca bundle --site`)")
    issue.add_argument("--overwrite", action="store_true", help="replace (and revoke) a valid certificate")
    issue.set_defaults(func=_guarded(_ca_issue))

    revoke = commands.add_parser("revoke", parents=[common], help="revoke a certificate")
    revoke.add_argument("name")
    revoke.set_defaults(func=_guarded(_ca_revoke))

    listing = commands.add_parser("list", parents=[common], help="list issued certificates")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    listing.set_defaults(func=_guarded(_ca_list))

    crl = commands.add_parser("crl", parents=[common], help="re-sign the CRL (run at least yearly)")
    crl.set_defaults(func=_guarded(_ca_crl))

    acl = commands.add_parser(
        "broker-acl", parents=[common], help="rewrite the broker's access list from the CA's records"
    )
    acl.add_argument(
        "--out", type=Path, help="where to write it (default: <certs>/broker/dynamic-security.json)"
    )
    acl.set_defaults(func=_guarded(_ca_broker_acl))

    bundle = commands.add_parser(
        "bundle",
        parents=[common],
        help="write a PC's agent bundle here, key included (a lab; PCs normally run `icafe enroll --hub`)",
    )
    bundle.add_argument("pc_id", metavar="pc-id")
    bundle.add_argument("--site", required=True)
    bundle.add_argument("--broker-host", required=True)
    bundle.add_argument("--broker-port", type=int, default=8883)
    bundle.add_argument("--out", type=Path, required=True, help="the folder to write the bundle into")
    bundle.set_defaults(func=_guarded(_bundle))

    signer = commands.add_parser(
        "serve", parents=[common], help="the certificate signer the hub asks to sign and revoke PCs"
    )
    signer.add_argument("--socket", type=Path, required=True, help="the Unix socket to answer on")
    signer.add_argument("--broker-host", help="the broker's hub listener, to change its access list live")
    signer.add_argument("--broker-port", type=int, help="its port (8884 in docker-compose)")
    signer.add_argument(
        "--allow-uid",
        type=int,
        action="append",
        default=[],
        help="a uid that may use the signer besides this process's own (repeat for several)",
    )
    signer.set_defaults(func=_guarded(_ca_serve))


def _guarded(handler: Handler) -> Handler:
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except CAError as exc:
            print(f"icafe: {exc}", file=sys.stderr)
            return _EXIT_FAILURE

    return run


def _certs_dir(args: argparse.Namespace) -> Path:
    # Resolved when the command runs, not when the parser is built, so the environment is current.
    if args.certs_dir is not None:
        return Path(args.certs_dir)
    return Path(os.environ.get(_CERTS_DIR_ENV) or "certs")


# --------------------------------------------------------------------------- handlers


def _ca_init(args: argparse.Namespace) -> int:
    options: dict[str, Any] = {"common_name": args.name, "exist_ok": args.exist_ok}
    if args.hosts:
        options["broker_hosts"] = args.hosts
    ca = CertificateAuthority.init(_certs_dir(args), **options)
    ensure_services(ca)
    print(f"CA ready in {ca.root}; broker access list: {write_broker_acl(ca)}")
    return 0


def _ca_issue(args: argparse.Namespace) -> int:
    ca = CertificateAuthority.open(_certs_dir(args))
    identity = ca.issue(args.name, kind=args.kind, overwrite=args.overwrite, site=args.site)
    print(f"issued {identity.name}: {identity.cert_path}")
    if identity.kind == "pc" and identity.site is None:
        print(
            f"the broker admits {identity.name} once it is enrolled at a site (`icafe ca bundle --site ...`)"
        )
    _access_list_changed(ca)
    return 0


def _ca_revoke(args: argparse.Namespace) -> int:
    ca = CertificateAuthority.open(_certs_dir(args))
    identity = ca.revoke(args.name)
    print(f"revoked {identity.name} (serial {identity.serial:x}); CRL updated: {ca.crl_path}")
    _access_list_changed(ca)
    return 0


def _access_list_changed(ca: CertificateAuthority) -> None:
    path = write_broker_acl(ca)
    # The CRL reaches a running broker by itself (crl.d); the access list's file is read only at its start.
    print(
        f"broker access list updated: {path}; a running broker reads it when it starts (the signer, "
        "`icafe ca serve`, changes a running broker at once)"
    )


def _ca_serve(args: argparse.Namespace) -> int:
    ca = CertificateAuthority.open(_certs_dir(args))
    ensure_services(ca)
    if (args.broker_host is None) != (args.broker_port is None):
        raise CAError("give both --broker-host and --broker-port, or neither")
    broker = BrokerLink(args.broker_host, args.broker_port) if args.broker_host else None
    if broker is None:
        print("icafe: no --broker-host: the broker learns of changes only when it restarts", file=sys.stderr)
    serve(ca, args.socket, broker, {os.getuid(), *args.allow_uid})
    return 0


def _ca_broker_acl(args: argparse.Namespace) -> int:
    ca = CertificateAuthority.open(_certs_dir(args))
    ensure_services(ca)
    print(f"broker access list written: {write_broker_acl(ca, args.out)}")
    return 0


def _ca_list(args: argparse.Namespace) -> int:
    identities = CertificateAuthority.open(_certs_dir(args)).list()
    if args.json:
        print(json.dumps([_as_json(i) for i in identities], indent=2))
    else:
        print(_table(identities))
    return 0


def _ca_crl(args: argparse.Namespace) -> int:
    ca = CertificateAuthority.open(_certs_dir(args))
    ca.refresh_crl()
    print(f"CRL re-signed: {ca.crl_path}")
    return 0


def _bundle(args: argparse.Namespace) -> int:
    ca = CertificateAuthority.open(_certs_dir(args))
    toml_path = write_agent_bundle(
        ca,
        args.pc_id,
        site=args.site,
        broker_host=args.broker_host,
        broker_port=args.broker_port,
        out_dir=args.out,
    )
    print(f"bundle written: {toml_path}")
    _access_list_changed(ca)
    return 0


# --------------------------------------------------------------------------- output


def _status(identity: Identity) -> str:
    if identity.revoked:
        return "revoked"
    return "expired" if identity.expired else "valid"


def _as_json(identity: Identity) -> dict[str, Any]:
    return {
        "name": identity.name,
        "kind": identity.kind,
        "serial": f"{identity.serial:x}",
        "not_after": identity.not_after.isoformat(),
        "site": identity.site,
        "status": _status(identity),
        "cert": str(identity.cert_path),
        "key": str(identity.key_path),
    }


def _table(identities: list[Identity]) -> str:
    header = ("NAME", "KIND", "SITE", "SERIAL", "EXPIRES", "STATUS")
    rows = [header] + [
        (i.name, i.kind, i.site or "-", f"{i.serial:x}", i.not_after.date().isoformat(), _status(i))
        for i in identities
    ]
    widths = [max(len(row[col]) for row in rows) for col in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
