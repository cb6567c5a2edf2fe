"""The hub's typed application context: every connection and service, opened before the server starts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import Redis

from hub.alerts import PcAlerts
from hub.auth.accounts import AccountService
from hub.auth.logins import StaffLogins
from hub.auth.state import AuthState
from hub.auth.tokens import TokenIssuer
from hub.commands import CommandService
from hub.config import HubSettings
from hub.enrollment import EnrollmentService
from hub.exports.jobs import ExportJobs
from hub.fleet import FleetUpdates
from hub.inventory.service import Inventory
from hub.live import LiveState
from hub.metrics import HubMetrics
from hub.money.service import MoneyService
from hub.money.shifts import ShiftService
from hub.mqtt.bridge import MqttBridge
from hub.mqtt.telemetry import TelemetryIngest
from hub.security.audit import AuditLog
from hub.security.crypto import FieldCipher
from hub.security.limits import LoginLimiter, RateLimiter
from hub.security.network import NetworkAllowList
from hub.sessions.pc_settings import PcSettingsPublisher
from hub.sessions.service import SessionService
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
    sessions: SessionService = field(init=False)
    pc_settings: PcSettingsPublisher = field(init=False)
    money: MoneyService = field(init=False)
    shifts: ShiftService = field(init=False)
    alerts: PcAlerts = field(init=False)
    enrollment: EnrollmentService = field(init=False)
    exports: ExportJobs = field(init=False)
    inventory: Inventory = field(init=False)
    fleet: FleetUpdates = field(init=False)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # Staff security (hub.security.setup): the first two from settings at app creation, the rest opened
    # with Redis and the store.
    cipher: FieldCipher = field(init=False)
    staff_networks: NetworkAllowList = field(init=False)
    audit: AuditLog = field(init=False)
    auth_state: AuthState = field(init=False)
    accounts: AccountService = field(init=False)
    logins: StaffLogins = field(init=False)
    login_limiter: LoginLimiter = field(init=False)
    rate_limiter: RateLimiter = field(init=False)
