"""The hub's telemetry link (hub.mqtt.telemetry_link) against the stack's real Mosquitto over mutual TLS:
what a PC publishes arrives whole and in order; an idle link is kept alive by its pings; a broker gone
silent (its traffic held by a proxy in between) or refusing the subscription ends the link, so the bridge
reconnects."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import pytest
import uvloop

from hub.mqtt.telemetry_link import LinkError, LinkSettings, follow
from icafe.stack import LocalStack
from protocol.transport import tls_context
from provisioning import HUB_IDENTITY

from .conftest import async_wait_until, client_for


def link_settings(stack: LocalStack, topic_filter: str, *, port: int | None = None) -> LinkSettings:
    ca = stack.require_ca()
    hub = ca.get(HUB_IDENTITY)
    return LinkSettings(
        host="localhost",
        port=port or stack.ports.broker_hub,
        client_id=f"link-test-{uuid.uuid4().hex[:6]}",
        tls=tls_context(ca.ca_cert_path, hub.cert_path, hub.key_path),
        topic_filter=topic_filter,
        keepalive_s=2,
        timeout_s=5,
    )


class Following:
    """``follow`` running in a task: what it received, and whether it is subscribed."""

    def __init__(self, settings: LinkSettings) -> None:
        self.received: list[tuple[str, bytes]] = []
        self.subscribed = asyncio.Event()
        self.task = asyncio.create_task(
            follow(
                settings, lambda topic, payload: self.received.append((topic, payload)), self.subscribed.set
            )
        )

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError, LinkError):
            await self.task


class HeldProxy:
    """A TCP proxy to the broker whose traffic stops while ``flowing`` is clear (a network gone quiet)."""

    def __init__(self, port: int) -> None:
        self._target = port
        self.flowing = asyncio.Event()
        self.flowing.set()
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def __aexit__(self, *_: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError):
                while data := await source.read(65536):
                    await self.flowing.wait()
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def subscribed(stack: LocalStack, topic_filter: str, port: int | None = None) -> Following:
    link = Following(link_settings(stack, topic_filter, port=port))
    await asyncio.wait_for(link.subscribed.wait(), 10)
    return link


# Each test runs on uvloop, the hub's loop, whose transports differ from asyncio's own.


def test_a_burst_arrives_whole_and_in_order_after_an_idle_spell(stack: LocalStack) -> None:
    async def run() -> None:
        following = await subscribed(stack, "icafe/v1/+/pc/pc-link/telemetry")
        try:
            await asyncio.sleep(5)  # two and a half keepalives with nothing to read: the pings keep it up
            assert not following.task.done()
            # Sizes across TLS records and the link's reads; QoS 0, as the agents send telemetry.
            topic = f"icafe/v1/{stack.config.site}/pc/pc-link/telemetry"
            sent = [(f"{n}:".encode() + bytes([n % 251]) * (n * 37 % 2000)) for n in range(300)]
            async with client_for(stack, "pc-link") as pc:
                for payload in sent:
                    await pc.publish(topic, payload, qos=0)
                await async_wait_until(lambda: len(following.received) >= len(sent), 10, "the burst")
            assert [payload for _, payload in following.received] == sent
            assert {topic for topic, _ in following.received} == {topic}
        finally:
            await following.stop()

    uvloop.run(run())


def test_a_broker_gone_silent_ends_the_link(stack: LocalStack) -> None:
    async def run() -> None:
        proxy = HeldProxy(stack.ports.broker_hub)
        async with proxy as port:
            link = await subscribed(stack, "icafe/v1/+/pc/pc-silent/telemetry", port)
            try:
                proxy.flowing.clear()
                started = time.monotonic()
                with pytest.raises(LinkError, match="nothing from the broker for 2 s"):
                    await asyncio.wait_for(link.task, 10)
                # Within two keepalive intervals: noticed at the end of the one after the ping.
                assert time.monotonic() - started < 4.5
            finally:
                proxy.flowing.set()
                await link.stop()

    uvloop.run(run())


def test_a_subscription_the_broker_refuses_ends_the_link(stack: LocalStack) -> None:
    async def run() -> None:
        link = Following(link_settings(stack, "not-icafe/#"))
        with pytest.raises(LinkError, match="the broker refused not-icafe/#"):
            await asyncio.wait_for(link.task, 10)
        assert not link.subscribed.is_set()

    uvloop.run(run())
