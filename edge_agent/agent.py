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
from collections.abc import Callable
from dataclasses import dataclass

import aiomqtt

from edge_agent import __version__
from edge_agent.commands import CommandExecutor, now_ms
from edge_agent.config import AgentConfig
from edge_agent.control import PcControl, platform_name
from edge_agent.guard import UiGuard
from edge_agent.login import REPLY_TIMEOUT_S, LoginResult, MemberLogins
from edge_agent.outbox import Outbox
from edge_agent.sessions import SessionRuntime
from edge_agent.telemetry import TelemetrySource, boot_time_ms, hostname, read_hardware
from edge_agent.updater import Updater
from protocol import (
    Command,
    EventsAck,
    Hardening,
    Hardware,
    Hello,
    MemberLogin,
    MemberLoginReply,
    PcSettings,
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
from protocol.transport import expires_after, mqtt_client, tls_context

log = logging.getLogger(__name__)

# The tick loop sleeps until the session's next due moment (its end, a warning, an idle logout, a
# checkpoint), at most this long while a session runs (a simulator's fast clock), and this long without one
# (only the wall clock is watched then).
SESSION_TICK_S = 1.0
IDLE_TICK_S = 5.0


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
        sessions: SessionRuntime,
        outbox: Outbox,
        *,
        hardware: Hardware | None = None,
        backoff: Backoff | None = None,
        tls: ssl.SSLContext | None = None,
        guard: UiGuard | None = None,
        hardening: Hardening | None = None,
        updater: Updater | None = None,
    ) -> None:
        self.config = config
        self.control = control
        self.telemetry = telemetry
        self.sessions = sessions
        self.outbox = outbox
        self.updater = updater
        self.executor = CommandExecutor(control, sessions, updater=updater)
        # Set once an update is installed and acknowledged: the process exits for its launcher to start
        # the new version (edge_agent.launcher).
        self.restart = asyncio.Event()
        self.logins = MemberLogins(sessions, self._send_login, config.pc_id)
        self.hardware = hardware
        # The lock screen, when this PC has one (icafe agent --ui), and the self-test sent in the hello.
        self.guard = guard
        self.hardening = hardening
        self.backoff = backoff or Backoff()
        self._tls = tls
        self.connected = asyncio.Event()
        self.connects = 0
        self._client: aiomqtt.Client | None = None
        # Told when the link to the hub goes up or down and when new settings arrive (the lock screen
        # shows both).
        self.on_change: Callable[[], None] = lambda: None

    def _topic(self, kind: TopicKind) -> str:
        return topic(self.config.site, self.config.pc_id, kind)

    def _status(self, state: PcState) -> bytes:
        return encode(Status(state=state, sent_at=now_ms()))

    async def run(self) -> None:
        config = self.config
        tls = self._tls or tls_context(config.ca_file, config.cert_file, config.key_file)
        if self.hardware is None:
            self.hardware = await asyncio.to_thread(read_hardware)
        background = [asyncio.create_task(self._tick_loop(), name=f"{config.pc_id}-ticks")]
        if self.guard is not None:
            background.append(asyncio.create_task(self.guard.run(), name=f"{config.pc_id}-ui"))
        try:
            await self._link(tls)
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)

    async def _tick_loop(self) -> None:
        """Sessions are timed here, connected or not: the PC locks on time with the hub unreachable."""
        sessions = self.sessions
        while True:
            sessions.rescheduled.clear()
            try:
                await sessions.tick()
                wait = self._until_due()
            except Exception:
                log.exception("%s: session tick failed", self.config.pc_id)
                wait = SESSION_TICK_S
            with contextlib.suppress(TimeoutError):  # not wait_for: see UiGuard._push_loop
                async with asyncio.timeout(wait):
                    await sessions.rescheduled.wait()

    def _until_due(self) -> float:
        """Real seconds until the next tick: a few ms past the session's next due moment (so the tick
        lands on or after it), at most ``SESSION_TICK_S``; ``IDLE_TICK_S`` without a session."""
        due = self.sessions.due_in_ms()
        if due is None:
            return IDLE_TICK_S
        return min(SESSION_TICK_S, self.sessions.clock.real_s(due) + 0.005)

    async def _link(self, tls: ssl.SSLContext) -> None:
        config = self.config
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
                        tasks.create_task(self.outbox.run(client, self._topic(TopicKind.EVENTS)))
            except* aiomqtt.MqttError as group:
                log.warning("%s: broker link lost: %s", config.pc_id, group.exceptions[0])
            finally:
                self._client = None
                if self.connected.is_set():
                    self.connected.clear()
                    self.on_change()
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
            hardening=self.hardening,
            update=self.updater.report() if self.updater else None,
        )
        await client.publish(self._topic(TopicKind.HELLO), encode(hello), qos=1)
        if self.updater is not None:
            # Connected and reported: a new version on trial has proved itself (else its launcher
            # restores the previous one).
            await asyncio.to_thread(self.updater.online)
        await client.publish(self._topic(TopicKind.STATUS), self._status(PcState.ONLINE), qos=1, retain=True)
        self.connects += 1
        self.connected.set()
        self.on_change()
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
            if parsed is None or parsed.pc_id != self.config.pc_id:
                continue
            payload = message.payload if isinstance(message.payload, bytes | bytearray) else b""
            try:
                match parsed.kind:
                    case TopicKind.CMD:
                        command = decode(payload, Command)
                        ack = await self.executor.execute(command)
                        await client.publish(self._topic(TopicKind.CMD_ACK), encode(ack), qos=1)
                        log.info(
                            "%s: command %s (%s) %s, %d ms after it was issued",
                            self.config.pc_id,
                            command.id,
                            command.type.value,
                            ack.outcome.value,
                            now_ms() - command.issued_at,
                        )
                        if self.updater is not None and self.updater.restart_requested:
                            self.restart.set()
                    case TopicKind.EVENTS_ACK:
                        events_ack = decode(payload, EventsAck)
                        await self.outbox.acknowledged(events_ack)
                        await self.sessions.anchor(events_ack.hub_time)
                    case TopicKind.LOGIN_REPLY:
                        self.logins.replied(decode(payload, MemberLoginReply))
                    case TopicKind.CONFIG:
                        # A retained copy may be old: its time is no anchor.
                        settings = decode(payload, PcSettings)
                        await self.sessions.apply_settings(settings, fresh=not message.retain)
                        self.on_change()
            except ProtocolError as exc:
                log.warning("%s: dropped a malformed %s: %s", self.config.pc_id, parsed.kind.value, exc)

    async def member_login(self, login: str, secret: str) -> LoginResult:
        """The lock screen's member login (the simulator calls it too)."""
        return await self.logins.login(login, secret)

    async def code_login(self, code: str) -> LoginResult:
        """The lock screen's login with a prepaid voucher code."""
        return await self.logins.code_login(code)

    async def _send_login(self, request: MemberLogin) -> bool:
        client = self._client
        if client is None or not self.connected.is_set():
            return False
        try:
            expiry = expires_after(REPLY_TIMEOUT_S)
            await client.publish(self._topic(TopicKind.LOGIN), encode(request), qos=1, properties=expiry)
        except aiomqtt.MqttError:
            return False
        return True

    async def go_offline(self) -> None:
        """A clean shutdown: say so, rather than leave the broker to fire the last will later."""
        client = self._client
        if client is not None and self.connected.is_set():
            with contextlib.suppress(aiomqtt.MqttError):
                await client.publish(
                    self._topic(TopicKind.STATUS), self._status(PcState.OFFLINE), qos=1, retain=True
                )
