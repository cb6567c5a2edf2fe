"""``make fuzz``: schemathesis over the hub's served OpenAPI document, against a local stack of its own.

Usage::

    python tests/fuzz.py [--max-examples N] [--seed S] [--data-dir DIR] [--checks C1,C2]

It starts Mosquitto, Redis, the embedded store, the hub (with a high API rate limit, and blocking calls on
the event loop made fatal) and two simulated PCs on loopback ports in a fresh temporary directory, logs in
as the owner and runs ``st run`` with that token over every operation of ``/docs/openapi.json`` — bodies,
path ids, query parameters and headers generated from the document — except the few that would end the
fuzzer's own session (logout, password and 2FA changes) and the WebSocket. Then it reads the hub's log for
what schemathesis cannot see, such as an error answered 500.

Prints the requests sent, the answers by status class and the failures; exits 1 on any failure or any
5xx answer. The stack is always stopped; the directory is kept only when given with ``--data-dir``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from icafe.stack import LocalStack, StackConfig
from icafe.supervisor import free_port

# Operations that would log the fuzzer out or lock its owner account; the WebSocket is not HTTP.
EXCLUDED = r"^/api/v1/(ws|auth/(logout|password|2fa/.*))$"
# No 5xx; every answer's status, media type and body as the document declares them for that operation;
# invalid input (by the document) refused with a 4xx; a method a path does not take answered 405 with Allow;
# a required header left out refused.
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "unsupported_method",
        "missing_required_header",
    )
)


def start(data_dir: Path) -> LocalStack:
    config = StackConfig(
        data_dir=data_dir,
        http_port=free_port(),
        admin_password=secrets.token_urlsafe(16),
        pcs=2,
        telemetry_s=1.0,
        hub_env={
            "ICAFE_API_RATE_LIMIT": "1000000",
            "ICAFE_COMMAND_TIMEOUT_S": "2",
            "ICAFE_DETECT_BLOCKING": "1",
            "ICAFE_DEMO_SEED": "1",
        },
    )
    stack = LocalStack(config)
    stack.start_infrastructure()
    stack.start_hub()
    stack.start_simulator()
    return stack


def owner_token(stack: LocalStack) -> str:
    response = httpx.post(
        f"{stack.api_url}/api/v1/auth/login",
        json={"username": "admin", "password": stack.secrets["admin_password"]},
        timeout=30,
    )
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


def schemathesis(stack: LocalStack, token: str, report: Path, args: argparse.Namespace) -> int:
    st = Path(sys.executable).with_name("st")
    if not st.exists():
        raise SystemExit("schemathesis is not installed in this venv: run `make fuzz`, which installs it")
    command = [
        str(st),
        "run",
        f"{stack.api_url}/docs/openapi.json",
        "--url",
        stack.api_url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        args.checks,
        "--exclude-path-regex",
        EXCLUDED,
        "--max-examples",
        str(args.max_examples),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(report),
        "--no-color",
    ]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    # In the stack's directory: schemathesis keeps a cache of its own where it runs.
    return subprocess.run(command, check=False, cwd=report.parent).returncode


def answers(report: Path) -> Counter[str]:
    """HTTP answers by status class ("2xx"...), from schemathesis's event stream."""
    seen: Counter[str] = Counter()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            response = node.get("response")
            if isinstance(response, dict) and isinstance(response.get("status_code"), int):
                seen[f"{response['status_code'] // 100}xx"] += 1
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for line in report.read_text().splitlines():
        walk(json.loads(line))
    return seen


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--max-examples", type=int, default=50, help="test cases per operation (default 50)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--checks", default=CHECKS, help=f"schemathesis checks (default {CHECKS})")
    parser.add_argument("--data-dir", type=Path, default=None, help="keep the stack's data here")
    args = parser.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="icafe-fuzz-"))
    stack = start(data_dir)
    try:
        report = data_dir / "schemathesis.ndjson"
        status = schemathesis(stack, owner_token(stack), report, args)
        counts = answers(report)
        hub_log = stack.log("hub").read_text(errors="replace")
    finally:
        stack.stop()
        if args.data_dir is None:
            shutil.rmtree(data_dir, ignore_errors=True)
    unhandled = hub_log.count("unhandled error on")
    print(f"requests sent: {sum(counts.values())}; answers: {dict(sorted(counts.items()))}")
    print(f"5xx answers: {counts['5xx']}; unhandled errors in the hub's log: {unhandled}")
    return 1 if status != 0 or counts["5xx"] or unhandled else 0


if __name__ == "__main__":
    sys.exit(main())
