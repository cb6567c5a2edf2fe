"""What each PC needs to run sessions on its own, published retained on its ``config`` topic: the hub's
time (its clock anchor), its group's tariff, and the session policy."""

from __future__ import annotations

import logging

from hub.clock import now_ms
from hub.config import HubSettings
from hub.mqtt.bridge import BrokerUnavailable, MqttBridge
from hub.sessions.errors import SessionRefused
from hub.sessions.service import SessionService
from hub.store import PcRepository
from protocol import PcSettings, TopicKind, topic

log = logging.getLogger(__name__)


class PcSettingsPublisher:
    def __init__(
        self, settings: HubSettings, pcs: PcRepository, sessions: SessionService, bridge: MqttBridge
    ) -> None:
        self._settings = settings
        self._pcs = pcs
        self._sessions = sessions
        self._bridge = bridge

    async def push(self, pc_id: str) -> None:
        pc = await self._pcs.get(pc_id)
        if pc is None:
            return
        try:
            tariff = await self._sessions.tariff_for(pc)
        except SessionRefused as exc:
            log.warning("no settings for %s: %s", pc_id, exc)
            return
        message = PcSettings(
            hub_time=now_ms(),
            tariff=tariff,
            warn_minutes=list(self._settings.session_warn_minutes),
            idle_timeout_s=self._settings.session_idle_timeout_s,
            checkpoint_s=self._settings.session_checkpoint_s,
            offline_credit=self._settings.session_offline_credit,
        )
        try:
            await self._bridge.publish(
                topic(pc.site, pc.id, TopicKind.CONFIG), message, qos=1, kind=TopicKind.CONFIG, retain=True
            )
        except BrokerUnavailable as exc:
            log.warning("could not send settings to %s: %s", pc_id, exc)

    async def push_all(self) -> None:
        for pc_id in await self._pcs.ids():
            await self.push(pc_id)
