"""What each PC needs to run sessions on its own, published retained on its ``config`` topic: the hub's
time (its clock anchor), its group's tariff, the session policy, and the cafe's face for its lock screen
(the branch's name, language, currency and logo)."""

from __future__ import annotations

import logging

from hub.clock import now_ms
from hub.config import HubSettings
from hub.errors import Refused
from hub.mqtt.bridge import BrokerUnavailable, MqttBridge
from hub.sessions.service import SessionService
from hub.store import BranchRepository, PcRepository
from protocol import BranchFace, PcSettings, TopicKind, topic

log = logging.getLogger(__name__)


class PcSettingsPublisher:
    def __init__(
        self,
        settings: HubSettings,
        pcs: PcRepository,
        sessions: SessionService,
        bridge: MqttBridge,
        branches: BranchRepository | None = None,
    ) -> None:
        self._settings = settings
        self._pcs = pcs
        self._branches = branches
        self._sessions = sessions
        self._bridge = bridge

    async def push(self, pc_id: str) -> None:
        pc = await self._pcs.get(pc_id)
        if pc is None:
            return
        try:
            tariff = await self._sessions.tariff_for(pc)
        except Refused as exc:
            log.warning("no settings for %s: %s", pc_id, exc)
            return
        message = PcSettings(
            hub_time=now_ms(),
            tariff=tariff,
            warn_minutes=list(self._settings.session_warn_minutes),
            idle_timeout_s=self._settings.session_idle_timeout_s,
            checkpoint_s=self._settings.session_checkpoint_s,
            offline_credit=self._settings.session_offline_credit,
            branch=await self._face(pc.site),
        )
        try:
            await self._bridge.publish(
                topic(pc.site, pc.id, TopicKind.CONFIG), message, qos=1, kind=TopicKind.CONFIG, retain=True
            )
        except BrokerUnavailable as exc:
            log.warning("could not send settings to %s: %s", pc_id, exc)

    async def _face(self, site: str) -> BranchFace | None:
        branch = await self._branches.get(site) if self._branches is not None else None
        if branch is None:
            return None
        language = branch.language if branch.language in ("uz", "ru", "en") else "en"
        return BranchFace.model_validate(
            {
                "name": branch.name[:100],
                "language": language,
                "currency": branch.currency,
                "logo_png": branch.logo_png or None,
            }
        )

    async def push_all(self) -> None:
        for pc_id in await self._pcs.ids():
            await self.push(pc_id)
