"""`icafe enroll` (on a PC) and `icafe pc enroll-code` (on the hub's machine): enrolling PCs.

``icafe enroll --hub URL --code CODE`` makes the PC's key on the PC and asks the hub for its certificate
(``edge_agent.enroll``). ``icafe pc enroll-code`` makes a one-time code like the console does, straight
against the store the hub configuration names (``ICAFE_DATA_DIR`` of a running local stack, or the hub's
``ICAFE_*`` settings), and records it in the audit log.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from icafe.cli_security import CliError, guarded, run_with_services

_EXIT_FAILURE = 2
DEFAULT_OUT = Path("/etc/icafe-agent") if os.name == "posix" and os.geteuid() == 0 else Path("icafe-agent")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    enroll = subparsers.add_parser(
        "enroll", help="enroll this PC: its key made here, a one-time code, a technician's approval"
    )
    enroll.add_argument("--hub", help="the hub's address, e.g. https://hub.cafe.lan (not needed to resume)")
    enroll.add_argument("--code", help="the one-time enrollment code (console: Enroll PCs)")
    enroll.add_argument("--name", help="the PC id to ask for (default: this PC's host name)")
    enroll.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"the folder for the key and agent.toml ({DEFAULT_OUT})"
    )
    enroll.add_argument("--hub-ca", type=Path, help="a CA file to trust the hub's HTTPS by (a private CA)")
    enroll.add_argument(
        "--wait", type=float, default=None, help="give up waiting for approval after this many seconds"
    )
    enroll.set_defaults(func=_enroll)

    pc = subparsers.add_parser("pc", help="PCs: enrollment codes")
    commands = pc.add_subparsers(dest="pc_command", required=True, metavar="COMMAND")
    code = commands.add_parser("enroll-code", help="a one-time enrollment code, valid 24 h (shown once)")
    code.add_argument("--uses", type=int, default=1, help="how many PCs may enroll with it (a batch)")
    code.add_argument("--pc-id", help="a code for this one PC only")
    code.add_argument("--group", help="the PC group the PCs join")
    code.add_argument("--json", action="store_true", help="print JSON")
    code.set_defaults(func=guarded(_enroll_code))


def _enroll(args: argparse.Namespace) -> int:
    from edge_agent.enroll import EnrollError, enroll

    try:
        enrolled = enroll(
            args.out, hub=args.hub, code=args.code, name=args.name, hub_ca=args.hub_ca, wait_s=args.wait
        )
    except EnrollError as exc:
        print(f"icafe: {exc}", file=sys.stderr)
        return _EXIT_FAILURE
    except KeyboardInterrupt:
        print("\nicafe: stopped; run the same command again to keep waiting", file=sys.stderr)
        return 130
    return 0 if enrolled is not None else 1


def _enroll_code(args: argparse.Namespace) -> int:
    from hub.config import config_values
    from hub.errors import ConfigError, Refused
    from hub.security.audit import Actor

    env = dict(os.environ)
    data_dir = env.get("ICAFE_DATA_DIR")
    if data_dir and (Path(data_dir) / "hub.toml").exists():
        env["ICAFE_CONFIG"] = str(Path(data_dir) / "hub.toml")
    try:
        site = str(config_values(env, ["site"]).get("site") or "main")
    except ConfigError as exc:
        raise CliError(str(exc)) from None

    async def work(services: Any) -> int:
        from hub.enrollment.service import create_code

        actor: Actor = services.origin.actor
        try:
            record, code = await create_code(
                services.store,
                site,
                uses=args.uses,
                pc_id=args.pc_id,
                group=args.group,
                created_by=actor.name,
            )
        except Refused as exc:
            raise CliError(str(exc)) from None
        await services.audit.record(
            "pc.enroll_code.create",
            actor=actor,
            target=f"enroll_code:{record.id}",
            details={
                "uses": record.uses,
                "pc_id": record.pc_id,
                "group": record.group,
                "last4": record.last4,
            },
        )
        expires = datetime.fromtimestamp(record.expires_at / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")
        if args.json:
            shown = {"id": record.id, "code": code, "uses": record.uses, "expires_at": record.expires_at}
            print(json.dumps(shown))
        else:
            plural = "s" if record.uses > 1 else ""
            whom = f"PC {record.pc_id}" if record.pc_id else f"{record.uses} PC{plural}"
            print(f"code {code} for {whom} at site {site}, valid until {expires}")
            print(f"on each PC: icafe enroll --hub <the hub's URL> --code {code}")
        return 0

    return run_with_services(work)
