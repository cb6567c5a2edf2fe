"""`icafe reports rebuild`: drop every branch's stored day and month rollups and build them again from the
ledger, the sessions and the members (``hub.reports``). Reads the same configuration as the hub."""

from __future__ import annotations

import argparse
import json
from typing import Any

from icafe.cli_security import guarded, run_with_services


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reports = subparsers.add_parser("reports", help="the reports' rollups of days and months")
    commands = reports.add_subparsers(dest="reports_command", required=True, metavar="COMMAND")
    rebuild = commands.add_parser("rebuild", help="rebuild every closed day's and month's rollup")
    rebuild.add_argument("--branch", help="only this branch (default: every branch)")
    rebuild.add_argument("--json", action="store_true")
    rebuild.set_defaults(func=guarded(_rebuild))


def _rebuild(args: argparse.Namespace) -> int:
    import time

    from hub.reports.service import Reports

    async def work(services: Any) -> int:
        store = services.store
        reports = Reports(store, store.reports, args.branch or "main")
        branches = [await reports.branch(args.branch)] if args.branch else await store.branches.all()
        built: dict[str, int] = {}
        began = time.perf_counter()
        for branch in branches:
            built[branch.id] = await reports.rebuild(branch)
        seconds = round(time.perf_counter() - began, 2)
        if args.json:
            print(json.dumps({"days": built, "seconds": seconds}))
        else:
            for branch_id, days in built.items():
                print(f"branch {branch_id}: {days} closed days rebuilt")
            print(f"done in {seconds} s")
        return 0

    return run_with_services(work)
