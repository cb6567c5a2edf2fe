"""A restarted hub recovers its state from the store (and presence from Redis and retained status)."""

from __future__ import annotations

import httpx

from icafe.stack import LocalStack

from .conftest import ADMIN_PASSWORD, login, pc_status, start_agent_process, wait_until


def test_restarted_hub_recovers_its_state(stack: LocalStack) -> None:
    agent = start_agent_process(stack, "pc-restart")
    token = login(stack)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=10) as api:
        wait_until(lambda: pc_status(api, "pc-restart") == "online", 30, "agent online")
        assert api.post("/pcs/pc-restart/commands", json={"type": "lock"}).status_code == 200
        before = api.get("/pcs/pc-restart").json()
        history_before = api.get("/pcs/pc-restart/commands").json()

        stack.supervisor.services["hub"].kill()  # a crash, not a clean stop
        stack.supervisor.restart("hub")

        # Tokens survive a restart: they are signed, not stored in the process.
        after = api.get("/pcs/pc-restart").json()
        for field in ("first_seen", "hardware", "hostname", "agent_version", "site"):
            assert after[field] == before[field], field
        assert after["status"] == "online"
        assert api.get("/pcs/pc-restart/commands").json()["items"][0] == history_before["items"][0]
        # And it is fully back in business: the bridge reconnected and commands flow.
        unlock = {"type": "unlock", "confirmation": {"reason": "restart check", "password": ADMIN_PASSWORD}}
        assert api.post("/pcs/pc-restart/commands", json=unlock).status_code == 200
    agent.stop()
