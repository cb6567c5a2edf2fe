"""The hub's typed application context: every connection and service, opened before the server starts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import Redis

from hub.auth.tokens import TokenIssuer
from hub.commands import CommandService
from hub.config import HubSettings
from hub.live import LiveState
from hub.metrics import HubMetrics
from hub.mqtt.bridge import MqttBridge
from hub.mqtt.telemetry import TelemetryIngest
from hub.store import Store


@dataclass
class HubContext:
    settings: HubSettings
    metrics: HubMetrics
    tokens: TokenIssuer
    # Opened in before_server_start; the app never serves a request before they are set.
    store: Store = field(init=False)
    redis: Redis = field(init=False)
    live: LiveState = field(init=False)
    bridge: MqttBridge = field(init=False)
    telemetry: TelemetryIngest = field(init=False)
    commands: CommandService = field(init=False)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
