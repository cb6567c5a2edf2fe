"""The broker's mutual TLS and ACLs: a PC reaches only its own topics; foreign and revoked
certificates are refused."""

from __future__ import annotations

import asyncio
import contextlib

import aiomqtt
import httpx
import pytest

from icafe.stack import LocalStack
from protocol import Command, CommandType, PcState, Status, TopicKind, encode, topic
from protocol.transport import mqtt_client, tls_context
from provisioning import CertificateAuthority

from .conftest import async_wait_until, client_for

QUIET_S = 1.5


def on_topic(received: list[tuple[str, bytes]], raw_topic: str) -> list[bytes]:
    return [payload for t, payload in received if t == raw_topic]


async def test_a_pc_cannot_publish_on_another_pcs_topics(
    stack: LocalStack, hub_listener: list[tuple[str, bytes]]
) -> None:
    own = topic("main", "pc-a", TopicKind.STATUS)
    victim = topic("main", "pc-b", TopicKind.STATUS)
    forged = encode(Status(state=PcState.ONLINE, sent_at=1))
    async with client_for(stack, "pc-a") as pc_a:
        for target in (
            victim,
            topic("main", "pc-b", TopicKind.TELEMETRY),
            topic("main", "pc-b", TopicKind.CMD_ACK),
        ):
            # Refused outright is as good as silently dropped.
            with contextlib.suppress(aiomqtt.MqttCodeError):
                await pc_a.publish(target, forged, qos=1)
        await pc_a.publish(own, forged, qos=1)  # control: its own topic goes through
        await async_wait_until(lambda: on_topic(hub_listener, own), 5, "PC A's own message")
    await asyncio.sleep(QUIET_S)
    assert not [t for t, _ in hub_listener if "/pc/pc-b/" in t]


async def test_a_pc_cannot_read_another_pcs_commands(stack: LocalStack) -> None:
    command = encode(Command(id="c-1", type=CommandType.SHUTDOWN, issued_at=1, expires_at=2))
    received: list[str] = []
    async with client_for(stack, "pc-a") as pc_a, client_for(stack, "icafe-hub") as hub:
        for pattern in ("icafe/v1/main/pc/pc-b/cmd", "icafe/v1/+/pc/+/cmd", "icafe/#"):
            with contextlib.suppress(aiomqtt.MqttCodeError):
                await pc_a.subscribe(pattern, qos=1)
        await pc_a.subscribe(topic("main", "pc-a", TopicKind.CMD), qos=1)

        async def collect() -> None:
            async for message in pc_a.messages:
                received.append(str(message.topic))

        task = asyncio.create_task(collect())
        await hub.publish(topic("main", "pc-b", TopicKind.CMD), command, qos=1)
        await hub.publish(topic("main", "pc-a", TopicKind.CMD), command, qos=1)  # control
        await async_wait_until(lambda: received, 5, "PC A's own command")
        await asyncio.sleep(QUIET_S)
        task.cancel()
    # Overlapping subscriptions may deliver A's own command more than once; B's never arrives.
    assert set(received) == {topic("main", "pc-a", TopicKind.CMD)}


async def test_a_certificate_from_another_ca_is_refused(
    stack: LocalStack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    rogue = CertificateAuthority.init(tmp_path_factory.mktemp("rogue-ca"))
    for name, kind in (("pc-001", "pc"), ("icafe-hub", "hub")):
        identity = rogue.issue(name, kind=kind)  # type: ignore[arg-type]
        # Trust the real CA for the server, present the rogue client certificate.
        tls = tls_context(stack.require_ca().ca_cert_path, identity.cert_path, identity.key_path)
        client = mqtt_client(
            host="localhost", port=stack.ports.broker, client_id=f"rogue-{name}", tls=tls, timeout_s=3
        )
        with pytest.raises(aiomqtt.MqttError):
            async with client:
                await client.publish(
                    topic("main", name if kind == "pc" else "pc-001", TopicKind.STATUS), b"x", qos=1
                )


async def test_a_revoked_certificate_is_refused_at_its_next_connect(stack: LocalStack) -> None:
    async with client_for(stack, "pc-revoked", client_id="pc-revoked") as client:
        await client.publish(topic("main", "pc-revoked", TopicKind.STATUS), b"{}", qos=1)

    stack.require_ca().revoke("pc-revoked")
    # Mosquitto 2.0 reads its CRL only at start (SIGHUP does not reload it): restart the broker.
    # Persistent sessions carry every other client across the restart.
    await asyncio.to_thread(stack.reload_broker)

    with pytest.raises(aiomqtt.MqttError):
        async with client_for(
            stack, "pc-revoked", client_id="pc-revoked", issue=False, timeout_s=3
        ) as client:
            await client.publish(topic("main", "pc-revoked", TopicKind.STATUS), b"{}", qos=1)
    # Everyone else still connects.
    async with client_for(stack, "pc-still-fine") as client:
        await client.publish(topic("main", "pc-still-fine", TopicKind.STATUS), b"{}", qos=1)
    # And the hub has reconnected by itself.
    await async_wait_until(lambda: hub_broker_up(stack), 30, "hub reconnected to the broker")


def hub_broker_up(stack: LocalStack) -> bool:
    return bool(httpx.get(f"{stack.api_url}/healthz").json()["checks"]["broker"] == "up")
