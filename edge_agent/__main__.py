"""``python -m edge_agent --config agent.toml``: one agent, as its launcher starts it from a release
(edge_agent.launcher); a release carries the agent and what it imports, not the ``icafe`` command."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from edge_agent.config import AgentConfigError
from edge_agent.runner import run_agent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_agent")
    parser.add_argument("--config", required=True, help="agent.toml written by `icafe enroll`")
    parser.add_argument(
        "--simulated", action="store_true", help="record commands instead of acting on the PC"
    )
    parser.add_argument("--ui", action="store_true", help="start and guard the lock screen")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("aiomqtt").setLevel(logging.WARNING)
    try:
        return run_agent(Path(args.config), simulated=args.simulated, ui=args.ui)
    except AgentConfigError as exc:
        print(f"edge_agent: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
