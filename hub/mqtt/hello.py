"""``hello``: the agent's birth message. Records the PC, its hardware and versions."""

from __future__ import annotations

from hub.clock import now_ms
from hub.store import PcRepository
from protocol import Hello, Topic


class HelloHandler:
    def __init__(self, pcs: PcRepository) -> None:
        self._pcs = pcs

    async def __call__(self, topic: Topic, hello: Hello) -> None:
        details = {
            "hostname": hello.hostname,
            "agent_version": hello.agent_version,
            "os": hello.os,
            "boot_time": hello.boot_time,
            "hardware": hello.hardware.model_dump(),
        }
        await self._pcs.record_hello(topic.pc_id, topic.site, now_ms(), details)
