"""A restarted hub recovers its state from the store (and presence from Redis and retained status)."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from icafe.stack import LocalStack

from .conftest import ADMIN_PASSWORD, async_wait_until, login, start_online_agent


def test_restarted_hub_recovers_its_state(stack: LocalStack) -> None:
    token = login(stack)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=10) as api:
        agent = start_online_agent(stack, "pc-restart", api=api)
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


async def test_a_hub_killed_while_taking_payments_loses_none_and_counts_none_twice(stack: LocalStack) -> None:
    token = login(stack)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"{stack.api_url}/api/v1", headers=headers, timeout=30) as api:
        if (await api.get("/shifts/current")).status_code == 404:
            assert (await api.post("/shifts", json={"opening_float": 0})).status_code == 201
        member = (
            await api.post("/members", json={"login": f"k{uuid.uuid4().hex[:10]}", "secret": "1234"})
        ).json()
        keys = [uuid.uuid4().hex for _ in range(40)]
        body = {"purpose": "topup", "method": "cash", "amount": 1_000, "member_id": member["id"]}

        async def pay(key: str) -> int:
            try:
                response = await api.post("/payments", json=body, headers={"Idempotency-Key": key})
            except httpx.HTTPError:
                return 0  # the hub died under this request: did the money move? The retry will say.
            return response.status_code

        in_flight = [asyncio.create_task(pay(key)) for key in keys]
        # Once the first is answered the others are on their way: kill -9, mid-flight.
        await async_wait_until(lambda: any(task.done() for task in in_flight), 10, "a first payment answered")
        stack.supervisor.services["hub"].kill()
        first = await asyncio.gather(*in_flight)
        await asyncio.to_thread(stack.supervisor.restart, "hub")
        # The cashier's console retries whatever did not answer 201, with the same keys.
        retried = [await pay(key) for key, status in zip(keys, first, strict=True) if status != 201]
        assert set(retried) <= {200, 201}, retried
        history = (await api.get("/payments", params={"member_id": member["id"], "limit": 100})).json()
        balance = (await api.get(f"/members/{member['id']}")).json()["balance"]
    assert history["total"] == len(keys)  # every payment once: none lost, none twice
    assert balance == 1_000 * len(keys)
    assert any(status != 201 for status in first), "the kill should have caught some requests in flight"
