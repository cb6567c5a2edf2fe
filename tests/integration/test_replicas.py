"""Hub replicas split the agents' topics through the broker's shared subscription: a replica that stops
must leave the group, or the broker keeps handing its session a share of the acknowledgements."""

from __future__ import annotations

import sys

import httpx

from icafe.stack import LocalStack, http_ready
from icafe.supervisor import ServiceSpec, free_port

from .conftest import start_online_agent

PC = "pc-replica"
COMMANDS = 8


def test_a_replica_that_stops_leaves_no_share_of_the_acknowledgements(
    stack: LocalStack, api: httpx.Client
) -> None:
    port = free_port()
    stack.supervisor.start(
        ServiceSpec(
            name="hub-replica",
            argv=[sys.executable, "-m", "icafe", "hub"],
            env={**stack.hub_environment(), "ICAFE_HTTP_PORT": str(port), "ICAFE_HUB_ID": "replica-leaving"},
            log_path=stack.log("hub-replica"),
            # Healthy only once its broker connection is up: subscribed to the shared group.
            ready=http_ready(f"http://127.0.0.1:{port}/healthz"),
            ready_timeout_s=120,
        )
    )
    stack.supervisor.stop("hub-replica")  # SIGTERM: a clean stop, as in a rolling update
    agent = start_online_agent(stack, PC, api=api)
    try:
        # Had the stopped replica kept its share, about every other acknowledgement would wait in its
        # session on the broker and the command would answer 504 after the hub's timeout.
        for n in range(COMMANDS):
            message = {"type": "message", "text": f"message {n}"}
            sent = api.post(f"/pcs/{PC}/commands", json=message, timeout=30)
            assert sent.status_code == 200, sent.text
            assert sent.json()["state"] == "done", sent.json()
    finally:
        agent.stop()
