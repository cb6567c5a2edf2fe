"""The agent's link to the hub: an explicit reconnection loop around one MQTT session.

On every connect it resubscribes to its own command topics, publishes its birth message (hello) and a
retained ``online`` status; the broker publishes the retained ``offline`` last will if the link dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from dataclasses import dataclass

import aiomqtt

from edge_agent import __version__
from edge_agent.commands import CommandExecutor, now_ms
from edge_agent.config import AgentConfig
from edge_agent.control import PcControl, platform_name
from edge_agent.telemetry import TelemetrySource, boot_time_ms, hostname, read_hardware
from protocol import (
    Command,
    Hardware,
    Hello,
    PcState,
    ProtocolError,
    Status,
    Telemetry,
    TopicKind,
    agent_subscriptions,
    decode,
    encode,
    parse_topic,
    topic,
)
from protocol.transport import mqtt_client, tls_context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Capped exponential back-off with full jitter, so a branch's PCs do not reconnect in lockstep."""

    initial_s: float = 0.5
    cap_s: float = 30.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.cap_s, self.initial_s * 2 ** min(attempt, 16)))


class Agent:
    def __init__(
        self,
        config: AgentConfig,
        control: PcControl,
        telemetry: TelemetrySource,
        *,
        hardware: Hardware | None = None,
        backoff: Backoff | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.config = config
        self.control = control
        self.telemetry = telemetry
        self.executor = CommandExecutor(control)
        self.hardware = hardware
        self.backoff = backoff or Backoff()
        self._tls = tls
        self.connected = asyncio.Event()
        self.connects = 0
        self._client: aiomqtt.Client | None = None

    def _topic(self, kind: TopicKind) -> str:
        return topic(self.config.site, self.config.pc_id, kind)

    def _status(self, state: PcState) -> bytes:
        return encode(Status(state=state, sent_at=now_ms()))

    async def run(self) -> None:
        config = self.config
        tls = self._tls or tls_context(config.ca_file, config.cert_file, config.key_file)
        if self.hardware is None:
            self.hardware = await asyncio.to_thread(read_hardware)
        attempt = 0
        while True:
            will = aiomqtt.Will(
                self._topic(TopicKind.STATUS), self._status(PcState.OFFLINE), qos=1, retain=True
            )
            client = mqtt_client(
                host=config.broker_host, port=config.broker_port, client_id=config.pc_id, tls=tls, will=will
            )
            try:
                async with client:
                    self._client = client
                    attempt = 0
                    await self._on_connect(client)
                    async with asyncio.TaskGroup() as tasks:
                        tasks.create_task(self._telemetry_loop(client))
                        tasks.create_task(self._consume(client))
            except* aiomqtt.MqttError as group:
                log.warning("%s: broker link lost: %s", config.pc_id, group.exceptions[0])
            finally:
                self._client = None
                self.connected.clear()
            delay = self.backoff.delay(attempt)
            attempt += 1
            await asyncio.sleep(delay)

    async def _on_connect(self, client: aiomqtt.Client) -> None:
        for command_topic in agent_subscriptions(self.config.site, self.config.pc_id):
            await client.subscribe(command_topic, qos=1)
        assert self.hardware is not None
        hello = Hello(
            agent_version=__version__,
            hostname=hostname(),
            os=platform_name(),
            hardware=self.hardware,
            boot_time=boot_time_ms(),
            sent_at=now_ms(),
        )
        await client.publish(self._topic(TopicKind.HELLO), encode(hello), qos=1)
        await client.publish(self._topic(TopicKind.STATUS), self._status(PcState.ONLINE), qos=1, retain=True)
        self.connects += 1
        self.connected.set()
        log.info("%s: online", self.config.pc_id)

    async def _telemetry_loop(self, client: aiomqtt.Client) -> None:
        # Spread the first sample so many PCs connecting at once do not report in one burst.
        await asyncio.sleep(random.uniform(0, self.config.telemetry_s))
        while True:
            sample = await self.telemetry.sample()
            message = Telemetry(
                cpu_percent=sample.cpu_percent,
                memory_percent=sample.memory_percent,
                disk_percent=sample.disk_percent,
                uptime_s=sample.uptime_s,
                user=sample.user,
                locked=self.control.locked,
                sent_at=now_ms(),
            )
            await client.publish(self._topic(TopicKind.TELEMETRY), encode(message), qos=0)
            await asyncio.sleep(self.config.telemetry_s)

    async def _consume(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            parsed = parse_topic(str(message.topic))
            if parsed is None or parsed.pc_id != self.config.pc_id or parsed.kind is not TopicKind.CMD:
                continue
            payload = message.payload if isinstance(message.payload, bytes | bytearray) else b""
            try:
                command = decode(payload, Command)
            except ProtocolError as exc:
                log.warning("%s: dropped a malformed command: %s", self.config.pc_id, exc)
                continue
            ack = await self.executor.execute(command)
            await client.publish(self._topic(TopicKind.CMD_ACK), encode(ack), qos=1)

    async def go_offline(self) -> None:
        """A clean shutdown: say so, rather than leave the broker to fire the last will later."""
        client = self._client
        if client is not None and self.connected.is_set():
            with contextlib.suppress(aiomqtt.MqttError):
                await client.publish(
                    self._topic(TopicKind.STATUS), self._status(PcState.OFFLINE), qos=1, retain=True
                )
