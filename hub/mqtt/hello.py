"""``hello``: the agent's birth message. Records the PC, its hardware and versions, then sends it its
settings (time anchor, tariff, session policy)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from hub.clock import now_ms
from hub.store import PcRepository
from hub.tasks import BackgroundTasks
from protocol import Hello, Topic


class HelloHandler:
    def __init__(
        self, pcs: PcRepository, on_hello: Callable[[str], Coroutine[Any, Any, None]] | None = None
    ) -> None:
        self._pcs = pcs
        self._on_hello = on_hello
        self._background = BackgroundTasks()

    async def __call__(self, topic: Topic, hello: Hello) -> None:
        details = {
            "hostname": hello.hostname,
            "agent_version": hello.agent_version,
            "os": hello.os,
            "boot_time": hello.boot_time,
            "hardware": hello.hardware.model_dump(),
        }
        await self._pcs.record_hello(topic.pc_id, topic.site, now_ms(), details)
        if self._on_hello is not None:
            # Outside the consumer loop: a branch of PCs booting at once must not queue every status
            # and telemetry message behind their settings being sent.
            self._background.spawn(self._on_hello(topic.pc_id), name=f"settings-{topic.pc_id}")
