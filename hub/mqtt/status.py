"""``status``: retained presence and the last will. Updates Redis and announces changes once."""

from __future__ import annotations

from hub.clock import now_ms
from hub.live import LiveState
from hub.store import PcRepository
from protocol import PcState, Status, Topic


class StatusHandler:
    def __init__(self, live: LiveState, pcs: PcRepository) -> None:
        self._live = live
        self._pcs = pcs

    async def __call__(self, topic: Topic, status: Status) -> None:
        at = now_ms()
        if not await self._live.set_presence(topic.pc_id, status.state.value, at):
            return  # another replica (or a retained replay) already applied it
        if status.state is PcState.ONLINE:
            await self._pcs.record_seen(topic.pc_id, topic.site, at)
        await self._live.publish(
            {"type": "pc.status", "pc_id": topic.pc_id, "status": status.state.value, "at": at}
        )
