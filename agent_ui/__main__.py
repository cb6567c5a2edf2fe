"""``python -m agent_ui --link ADDRESS``: the lock screen as the agent's guard starts it. The same as
``icafe agent-ui``, without the ``icafe`` command's other imports, so a UI starts sooner."""

from __future__ import annotations

import argparse
import sys

from agent_ui.app import main

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m agent_ui", description=__doc__)
    parser.add_argument("--link", required=True, help="the agent's local link (a Unix socket's path)")
    sys.exit(main(parser.parse_args().link))
