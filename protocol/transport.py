"""How both ends connect: MQTT v5 over TLS 1.2+ with a client certificate, persistent sessions."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

# How long the broker keeps a disconnected client's session (subscriptions and queued QoS 1).
SESSION_EXPIRY_S = 7 * 24 * 3600


def tls_context(ca_file: Path, cert_file: Path, key_file: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(ca_file))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert_file), str(key_file))
    return context


def mqtt_client(
    *,
    host: str,
    port: int,
    client_id: str,
    tls: ssl.SSLContext,
    will: aiomqtt.Will | None = None,
    keepalive_s: int = 30,
    session_expiry_s: int = SESSION_EXPIRY_S,
    timeout_s: float = 10.0,
) -> aiomqtt.Client:
    """A client with a persistent session: clean_start=False and a session expiry interval."""
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = session_expiry_s
    return aiomqtt.Client(
        host,
        port,
        identifier=client_id,
        protocol=aiomqtt.ProtocolVersion.V5,
        tls_context=tls,
        will=will,
        keepalive=keepalive_s,
        clean_start=False,
        properties=properties,
        timeout=timeout_s,
        # Small messages both ways (commands and their acks): Nagle's delay would add tens of ms.
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
    )


def expires_after(seconds: float) -> Properties:
    """A publish's properties for a message worthless after ``seconds`` (a request its sender stops waiting
    for): the broker drops it rather than deliver it late from a queue."""
    properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
    properties.MessageExpiryInterval = max(1, round(seconds))
    return properties
