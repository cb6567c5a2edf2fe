"""``icafe <command>``: hub, agent, simulate, demo, openapi, ca, enroll."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import icafe.backup
import icafe.broker_log
import icafe.cli_enroll
import icafe.cli_ledger
import icafe.cli_reports
import icafe.cli_security
import icafe.load
import provisioning.cli


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # The MQTT client logs every packet at INFO; keep warnings only.
    logging.getLogger("aiomqtt").setLevel(logging.WARNING)


def _hub(args: argparse.Namespace) -> int:
    from hub.app import run
    from hub.config import load_settings
    from hub.errors import ConfigError

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"icafe: {exc}", file=sys.stderr)
        return 2
    run(settings)
    return 0


def _agent(args: argparse.Namespace) -> int:
    from edge_agent.config import AgentConfigError
    from edge_agent.runner import run_agent

    try:
        return run_agent(Path(args.config), simulated=args.simulated, ui=args.ui)
    except AgentConfigError as exc:
        print(f"icafe: {exc}", file=sys.stderr)
        return 2


def _agent_launcher(args: argparse.Namespace) -> int:
    from edge_agent.config import AgentConfigError
    from edge_agent.launcher import run_launcher

    try:
        return run_launcher(Path(args.config), simulated=args.simulated, ui=args.ui)
    except AgentConfigError as exc:
        print(f"icafe: {exc}", file=sys.stderr)
        return 2


def _agent_ui(args: argparse.Namespace) -> int:
    try:
        from agent_ui.app import main
    except ImportError as exc:
        print(f"icafe: the lock screen needs PySide6 ({exc}): pip install 'icafe[agent-ui]'", file=sys.stderr)
        return 2
    return main(args.link)


def _simulate(args: argparse.Namespace) -> int:
    from edge_agent.config import AgentConfigError
    from edge_agent.runner import run_simulation

    try:
        run_simulation(Path(args.agents_dir), args.pcs)
    except AgentConfigError as exc:
        print(f"icafe: {exc}", file=sys.stderr)
        return 2
    return 0


def _front_desk(args: argparse.Namespace) -> int:
    from icafe.front_desk import run_front_desk

    password = os.environ.get("ICAFE_ADMIN_PASSWORD")
    if not password:
        print("icafe front-desk: set ICAFE_ADMIN_PASSWORD to the owner's password", file=sys.stderr)
        return 2
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_front_desk(args.api, password, args.pace))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from icafe.demo import run_demo

    return run_demo(args.hubs)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a count: give 1 or more")
    return value


def _agent_package(args: argparse.Namespace) -> int:
    from icafe.agent_package import build_package

    data = build_package(args.version)
    Path(args.out).write_bytes(data)
    print(f"{args.out}: agent {args.version}, {len(data)} bytes")
    return 0


def _openapi(args: argparse.Namespace) -> int:
    import json

    from hub.api_document import openapi_document

    print(json.dumps(openapi_document(), indent=2, sort_keys=True))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="icafe", description="internet cafe management")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    hub = commands.add_parser("hub", help="run the central service (settings from ICAFE_* variables)")
    hub.set_defaults(func=_hub)

    agent = commands.add_parser("agent", help="run the agent of one PC")
    agent.add_argument("--config", required=True, help="agent.toml written by `icafe enroll`")
    agent.add_argument("--simulated", action="store_true", help="record commands instead of acting on the PC")
    agent.add_argument(
        "--ui", action="store_true", help="start and guard the lock screen (icafe agent-ui, icafe[agent-ui])"
    )
    agent.set_defaults(func=_agent)

    launcher = commands.add_parser(
        "agent-launcher", help="run the agent from its installed release; roll back a failed update"
    )
    launcher.add_argument("--config", required=True, help="agent.toml written by `icafe enroll`")
    launcher.add_argument(
        "--simulated", action="store_true", help="record commands instead of acting on the PC"
    )
    launcher.add_argument("--ui", action="store_true", help="start and guard the lock screen")
    launcher.set_defaults(func=_agent_launcher)

    package = commands.add_parser("agent-package", help="build an agent release to upload to the hub")
    package.add_argument("version", help="the version the release reports, e.g. 0.2.0")
    package.add_argument("--out", required=True, help="the .tar.gz to write")
    package.set_defaults(func=_agent_package)

    agent_ui = commands.add_parser("agent-ui", help="the lock screen; the agent starts it (icafe agent --ui)")
    agent_ui.add_argument("--link", required=True, help="the agent's local link (its socket)")
    agent_ui.set_defaults(func=_agent_ui)

    simulate = commands.add_parser("simulate", help="run N simulated PCs in one process")
    simulate.add_argument("--pcs", type=int, default=10)
    simulate.add_argument(
        "--agents-dir",
        default=os.environ.get("ICAFE_AGENTS_DIR", "agents"),
        help="folder with one enrolled bundle per PC: pc-001/agent.toml, ...",
    )
    simulate.set_defaults(func=_simulate)

    demo = commands.add_parser("demo", help="run the whole system locally on embedded defaults")
    demo.add_argument(
        "--hubs",
        type=_positive,
        default=1,
        help="hub replicas, on consecutive HTTP ports (shared subscription)",
    )
    demo.set_defaults(func=_demo)

    desk = commands.add_parser(
        "front-desk", help="a simulated cashier for the demo (owner password in ICAFE_ADMIN_PASSWORD)"
    )
    desk.add_argument("--api", required=True, help="the hub's URL, e.g. http://127.0.0.1:8000")
    desk.add_argument("--pace", type=float, default=8.0, help="seconds between customers (jittered)")
    desk.set_defaults(func=_front_desk)

    oas = commands.add_parser("openapi", help="print the hub's OpenAPI document (JSON; no server needed)")
    oas.set_defaults(func=_openapi)

    provisioning.cli.register(commands)
    icafe.cli_security.register(commands)
    icafe.cli_ledger.register(commands)
    icafe.cli_reports.register(commands)
    icafe.cli_enroll.register(commands)
    icafe.backup.register(commands)
    icafe.broker_log.register(commands)
    icafe.load.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _logging(args.verbose)
    code: int = args.func(args)
    return code
