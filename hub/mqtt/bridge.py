"""The hub's connection to the broker: reconnects forever, validates every message, dispatches by topic.

Telemetry comes on a connection of its own (``TELEMETRY_CLIENT``, QoS 0, a clean session), read a chunk at
a time by ``hub.mqtt.telemetry_link`` rather than packet by packet by aiomqtt: readings can never queue in
front of events, acknowledgements, logins or presence, which the main connection reads at once. Delivered
messages go through the intake's two lanes (``hub.mqtt.intake``): telemetry is handled apart from the rest,
and when the hub cannot keep up, the oldest readings are shed there (counted), not left on the socket.

A malformed or unexpected message is dropped, counted and logged; it never stops the consumer. A PC is
hostile, so before decoding, a payload larger than its kind allows (``protocol.codec.MAX_BYTES``) and a
message under another site than the one on record for that PC are dropped too; those, and malformed
payloads, also raise an alert against the PC.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiomqtt

from hub.alerts import AlertKind, PcAlerts
from hub.config import HubSettings
from hub.errors import HubError
from hub.metrics import HubMetrics
from hub.mqtt.intake import Intake
from hub.mqtt.sites import PcSites
from hub.mqtt.telemetry_link import LinkError, LinkSettings, follow
from protocol import (
    MAX_BYTES,
    Message,
    ProtocolError,
    Topic,
    TopicKind,
    decode,
    encode,
    oversized,
    parse_topic,
)
from protocol.codec import MODEL_BY_KIND
from protocol.topics import (
    AGENT_PUBLISHES,
    BROKER_DENIALS,
    BROKER_DROPPED,
    hub_shared_subscriptions,
    hub_subscriptions,
)
from protocol.transport import mqtt_client

log = logging.getLogger(__name__)

# While a replica is away, Mosquitto keeps handing its session a share of the shared subscription's
# messages, to wait there until it returns or the session expires. Long enough for a restart; short,
# because what waits there is late anyway: a login's answer is awaited 10 s, and an agent sends its
# journal events again until one replica acknowledges them (command acknowledgements are not shared:
# every replica reads them, ``hub_subscriptions``). A replica
# that stops cleanly leaves the group first (``_leave_shared_group``) and costs nothing.
HUB_SESSION_EXPIRY_S = 30
# How long a stopping replica spends leaving the group before it disconnects anyway.
LEAVE_TIMEOUT_S = 2.0
# The telemetry connection's client id suffix, and its one subscription (a reading is replaced by the next:
# nothing to keep for a connection that is gone).
TELEMETRY_CLIENT = "telemetry"
TELEMETRY_SUBSCRIPTION = next(t for t in hub_shared_subscriptions() if t.endswith(f"/{TopicKind.TELEMETRY}"))
# Telemetry waiting to be handled, at most (about two seconds of 10,000 messages a second).
TELEMETRY_BACKLOG = 20_000
# PCs whose control messages are handled at once (each PC's in order).
PARALLEL_PCS = 32

Handler = Callable[[Topic, Any], Awaitable[None]]
# The broker's own reports (protocol.broker), raw: the handler validates them itself.
ReportHandler = Callable[[bytes], Awaitable[None]]


def broker_count(payload: Any) -> int | None:
    """A count the broker publishes in ``$SYS`` (ASCII digits), or None when it is not one."""
    text = bytes(payload).strip() if isinstance(payload, bytes | bytearray) else b""
    return int(text) if text.isdigit() and len(text) <= 20 else None


async def _follow_broker_drops(client: aiomqtt.Client) -> None:
    """Subscribe to the broker's count of dropped messages; a broker whose access list predates it refuses
    (its SUBACK says so), which costs the gauge only."""
    granted = await client.subscribe(BROKER_DROPPED, qos=0)
    codes = granted if isinstance(granted, tuple | list) else ()
    if any(getattr(code, "is_failure", False) or code == 0x80 for code in codes):
        log.warning("the broker refused %s: icafe_broker_messages_dropped stays unset", BROKER_DROPPED)


class BrokerUnavailable(HubError):
    """The hub is not connected to the broker right now."""


class MqttBridge:
    def __init__(self, settings: HubSettings, metrics: HubMetrics, tls: ssl.SSLContext) -> None:
        self._settings = settings
        self._tls = tls
        self._metrics = metrics
        self._handlers: dict[TopicKind, Handler] = {}
        self._client: aiomqtt.Client | None = None
        self._sites: PcSites | None = None
        self._alerts: PcAlerts | None = None
        self._broker_reports: ReportHandler | None = None
        self.connected = asyncio.Event()
        self._intake = Intake(self.dispatch, metrics, telemetry_cap=TELEMETRY_BACKLOG, parallel=PARALLEL_PCS)

    def guard(self, sites: PcSites, alerts: PcAlerts) -> None:
        """Check every PC's site against its record, and alert on what a PC sends that is refused."""
        self._sites = sites
        self._alerts = alerts

    def route_broker_reports(self, handler: ReportHandler) -> None:
        """Read what the broker reports it refused (``BROKER_DENIALS``, outside the PCs' topics)."""
        self._broker_reports = handler

    def route(self, handlers: Mapping[TopicKind, Handler]) -> None:
        unknown = set(handlers) - AGENT_PUBLISHES
        if unknown:
            raise ValueError(f"agents never publish {sorted(unknown)}")
        self._handlers.update(handlers)

    async def publish(
        self, topic: str, message: Message, *, qos: int = 1, kind: TopicKind, retain: bool = False
    ) -> None:
        client = self._client
        if client is None or not self.connected.is_set():
            raise BrokerUnavailable("the hub is not connected to the MQTT broker")
        try:
            await client.publish(topic, encode(message), qos=qos, retain=retain)
        except aiomqtt.MqttError as exc:
            raise BrokerUnavailable(f"publish failed: {exc}") from None
        self._metrics.messages_out.labels(kind.value).inc()

    async def run(self) -> None:
        """The visible reconnection loop: connect, subscribe, consume; back off on failure."""
        self._intake.start()
        telemetry = asyncio.create_task(self._telemetry_forever(), name="mqtt-telemetry-connection")
        try:
            await self._connect_forever()
        finally:
            telemetry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await telemetry
            await self._intake.stop()

    async def _telemetry_forever(self) -> None:
        """The telemetry connection (``hub.mqtt.telemetry_link``): reconnects forever; readings go from
        the socket straight into the intake's lane, which sheds the oldest beyond its cap (counted)."""
        settings = self._settings
        link = LinkSettings(
            host=settings.mqtt_host,
            port=settings.mqtt_port,
            client_id=f"icafe-hub-{settings.hub_id}-{TELEMETRY_CLIENT}",
            tls=self._tls,
            topic_filter=TELEMETRY_SUBSCRIPTION,
        )
        backoff = 0.5

        def subscribed() -> None:
            nonlocal backoff
            backoff = 0.5

        while True:
            try:
                await follow(link, self._intake.put, subscribed)
            except LinkError as exc:
                log.warning("telemetry connection lost (%s); retrying in %.1fs", exc, backoff)
            except Exception:  # whatever ended it, the readings must come back: connect again
                log.exception("telemetry connection failed; retrying in %.1fs", backoff)
            await asyncio.sleep(backoff * random.uniform(0.5, 1.5))
            backoff = min(backoff * 2, 30.0)

    async def _connect_forever(self) -> None:
        settings = self._settings
        backoff = 0.5
        while True:
            client = mqtt_client(
                host=settings.mqtt_host,
                port=settings.mqtt_port,
                client_id=f"icafe-hub-{settings.hub_id}",
                tls=self._tls,
                session_expiry_s=HUB_SESSION_EXPIRY_S,
            )
            shared = [topic for topic in hub_shared_subscriptions() if topic != TELEMETRY_SUBSCRIPTION]
            try:
                async with client:
                    for topic in [*shared, *hub_subscriptions()]:
                        await client.subscribe(topic, qos=1)
                    await _follow_broker_drops(client)
                    self._client = client
                    self.connected.set()
                    backoff = 0.5
                    log.info("connected to the broker at %s:%s", settings.mqtt_host, settings.mqtt_port)
                    intake = self._intake
                    try:
                        async for message in client.messages:
                            intake.put(message.topic.value, message.payload)
                    except asyncio.CancelledError:
                        await _leave_shared_group(client, shared)
                        raise
            except aiomqtt.MqttError as exc:
                log.warning("broker connection lost (%s); retrying in %.1fs", exc, backoff)
            finally:
                self.connected.clear()
                self._client = None
            await asyncio.sleep(backoff * random.uniform(0.5, 1.5))
            backoff = min(backoff * 2, 30.0)

    def _broker_dropped(self, payload: Any) -> None:
        count = broker_count(payload)
        if count is None:
            self._drop("malformed", BROKER_DROPPED, "not a count")
        else:
            self._metrics.broker_dropped.set(count)

    async def dispatch(self, raw_topic: str, payload: Any) -> None:
        if raw_topic == BROKER_DROPPED:
            self._broker_dropped(payload)
            return
        if raw_topic == BROKER_DENIALS and self._broker_reports is not None:
            try:
                await self._broker_reports(bytes(payload) if isinstance(payload, bytes | bytearray) else b"")
            except Exception:
                log.exception("handler for %s failed", raw_topic)
            return
        topic = parse_topic(raw_topic)
        if topic is None or topic.kind not in self._handlers:
            self._drop("unexpected_topic", raw_topic, "not an agent topic the hub reads")
            return
        if not isinstance(payload, bytes | bytearray):
            self._drop("malformed", raw_topic, "payload is not bytes")
            return
        if oversized(topic.kind, payload):
            why = f"{len(payload)} bytes, more than the {MAX_BYTES[topic.kind]} a {topic.kind.value} may have"
            await self._refuse(topic, "oversized", AlertKind.OVERSIZED_MESSAGE, why)
            return
        if self._sites is not None:
            site = await self._sites.site_of(topic.pc_id)
            if site is not None and site != topic.site:
                why = f"published under site {topic.site!r}; the PC is on record under {site!r}"
                await self._refuse(topic, "foreign_site", AlertKind.FOREIGN_SITE, why)
                return
        try:
            message = decode(payload, MODEL_BY_KIND[topic.kind])
        except ProtocolError as exc:
            await self._refuse(topic, "malformed", AlertKind.MALFORMED_MESSAGE, str(exc))
            return
        self._metrics.messages_in.labels(topic.kind.value).inc()
        try:
            await self._handlers[topic.kind](topic, message)
        except HubError as exc:
            log.warning("could not apply %s from %s: %s", topic.kind.value, topic.pc_id, exc)
        except Exception:
            # A store or handler failure must not end the consumer; it is logged with its trace.
            log.exception("handler for %s failed", raw_topic)

    def _drop(self, reason: str, topic: str, why: str) -> None:
        self._metrics.dropped.labels(reason).inc()
        log.info("dropped a message on %s: %s", topic[:200], why[:300])

    async def _refuse(self, topic: Topic, reason: str, kind: AlertKind, why: str) -> None:
        """Drop and count a PC's message, and alert against that PC."""
        self._drop(reason, str(topic), why)
        if self._alerts is not None:
            await self._alerts.raise_alert(
                topic.pc_id,
                kind,
                f"a {topic.kind.value} message was dropped: {why[:300]}",
                {"topic": str(topic)},
            )


async def _leave_shared_group(client: aiomqtt.Client, shared: list[str]) -> None:
    """A stopping replica unsubscribes from the shared group before it disconnects, so the broker hands
    the agents' acknowledgements, events and logins to the replicas that remain instead of keeping a share
    for this one until its session expires."""
    with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
        async with asyncio.timeout(LEAVE_TIMEOUT_S):
            for topic in shared:
                await client.unsubscribe(topic)
