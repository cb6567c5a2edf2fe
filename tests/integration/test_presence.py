"""Presence: an agent going online and offline (last will) shows in the API and on the WebSocket."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import websockets

from edge_agent.config import load_agent_config
from edge_agent.control import SimulatedPc
from edge_agent.runner import build_agent
from edge_agent.telemetry import SharedTelemetry
from icafe.stack import LocalStack

from .conftest import async_wait_until, pc_status, start_online_agent

PRESENCE_BOUND_S = 2.0


class LiveFeed:
    """The console's view: the hub's WebSocket, collected in the background."""

    def __init__(self, stack: LocalStack, token: str) -> None:
        self.url = f"ws://127.0.0.1:{stack.config.http_port}/api/v1/ws?token={token}"
        self.events: list[dict[str, object]] = []

    async def __aenter__(self) -> LiveFeed:
        self._ws = await websockets.connect(self.url)
        hello = json.loads(await asyncio.wait_for(self._ws.recv(), 5))
        assert hello["type"] == "hello"
        self._task = asyncio.create_task(self._collect())
        return self

    async def _collect(self) -> None:
        async for raw in self._ws:
            self.events.append(json.loads(raw))

    async def __aexit__(self, *exc: object) -> None:
        self._task.cancel()
        await self._ws.close()

    def status_of(self, pc_id: str) -> list[object]:
        return [e["status"] for e in self.events if e.get("type") == "pc.status" and e.get("pc_id") == pc_id]

    def telemetry_of(self, pc_id: str) -> list[dict[str, object]]:
        return [e for e in self.events if e.get("type") == "pc.telemetry" and e.get("pc_id") == pc_id]


async def test_agent_online_then_killed_goes_offline_by_last_will(
    stack: LocalStack, api: httpx.Client, token: str
) -> None:
    async with LiveFeed(stack, token) as feed:
        # Process start-up is not what is measured; presence is, once the agent is up.
        agent = await asyncio.to_thread(start_online_agent, stack, "pc-presence", api=api)
        await async_wait_until(
            lambda: "online" in feed.status_of("pc-presence"), PRESENCE_BOUND_S, "WS online"
        )
        await async_wait_until(lambda: feed.telemetry_of("pc-presence"), 5, "telemetry on the WS")

        killed_at = time.monotonic()
        agent.kill()  # SIGKILL: no goodbye, the broker must fire the last will
        await async_wait_until(
            lambda: pc_status(api, "pc-presence") == "offline", PRESENCE_BOUND_S, "API offline"
        )
        await async_wait_until(
            lambda: "offline" in feed.status_of("pc-presence"), PRESENCE_BOUND_S, "WS offline"
        )
        assert time.monotonic() - killed_at < PRESENCE_BOUND_S + 0.5


async def test_in_process_agent_shows_online_within_bound_and_offline_on_clean_stop(
    stack: LocalStack, api: httpx.Client, token: str
) -> None:
    config = load_agent_config(stack.enroll("pc-inproc"), {"ICAFE_TELEMETRY_S": "0.5"}, simulated=True)
    agent = await build_agent(config, SimulatedPc(), SharedTelemetry().for_pc())
    async with LiveFeed(stack, token) as feed:
        task = asyncio.create_task(agent.run())
        await asyncio.wait_for(agent.connected.wait(), 10)
        await async_wait_until(
            lambda: pc_status(api, "pc-inproc") == "online", PRESENCE_BOUND_S, "API online"
        )
        await async_wait_until(lambda: "online" in feed.status_of("pc-inproc"), PRESENCE_BOUND_S, "WS online")

        await agent.go_offline()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        agent.sessions.journal.close()
        await async_wait_until(
            lambda: pc_status(api, "pc-inproc") == "offline", PRESENCE_BOUND_S, "API offline"
        )

    detail = (await asyncio.to_thread(api.get, "/pcs/pc-inproc")).json()
    assert detail["hardware"]["cpu_count"] > 0
    assert detail["agent_version"]
    assert detail["telemetry"] is None or 0 <= detail["telemetry"]["cpu_percent"] <= 100


async def test_websocket_refuses_without_a_valid_token(stack: LocalStack) -> None:
    base = f"ws://127.0.0.1:{stack.config.http_port}/api/v1/ws"
    for url in (base, f"{base}?token=not-a-jwt"):
        with pytest.raises((websockets.ConnectionClosed, websockets.InvalidStatus)):
            async with websockets.connect(url) as ws:
                await asyncio.wait_for(ws.recv(), 5)
