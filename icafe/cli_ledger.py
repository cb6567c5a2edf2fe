"""`icafe ledger verify`: recompute every balance from the ledger and check its invariants (exit 1 if
any is broken). Reads the same configuration as the hub (ICAFE_* or ICAFE_DATA_DIR/hub.toml)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from icafe.cli_security import guarded, run_with_services

_EXIT_BROKEN = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ledger = subparsers.add_parser("ledger", help="the append-only money ledger")
    commands = ledger.add_subparsers(dest="ledger_command", required=True, metavar="COMMAND")
    verify = commands.add_parser("verify", help="recompute balances and check the ledger (exit 1 if broken)")
    verify.add_argument("--json", action="store_true")
    verify.add_argument("--balances", action="store_true", help="print every account's balance")
    verify.set_defaults(func=guarded(_verify))


def _verify(args: argparse.Namespace) -> int:
    from hub.money.verify import verify_ledger

    async def work(services: Any) -> int:
        report = await verify_ledger(services.store.ledger.scan())
        if args.json:
            print(json.dumps({"ok": report.ok, "transactions": report.transactions, **vars(report)}))
            return 0 if report.ok else _EXIT_BROKEN
        if args.balances:
            for account, balance in report.balances.items():
                print(f"{account:<48} {balance:>16}")
        if report.ok:
            receipts = ", ".join(f"{branch} 1..{last}" for branch, last in report.receipts.items()) or "none"
            print(
                f"ledger balanced: {report.transactions} transactions, {len(report.balances)} accounts "
                f"sum to 0; no balance below zero; receipts without gaps ({receipts})"
            )
            return 0
        print(f"ledger BROKEN after {report.transactions} transactions:", file=sys.stderr)
        for problem in report.problems:
            print(f"  {problem}", file=sys.stderr)
        return _EXIT_BROKEN

    return run_with_services(work)
