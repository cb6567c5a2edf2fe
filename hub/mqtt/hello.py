"""``hello``: the agent's birth message. Records the PC, its hardware, versions and lock-hardening grade
(raising a ``lock_hardening`` alert when it is not strong), then sends it its settings (time anchor,
tariff, session policy, the cafe's face)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from redis.exceptions import RedisError

from hub.alerts import AlertKind, PcAlerts
from hub.clock import now_ms
from hub.store import PcRepository
from hub.tasks import BackgroundTasks
from protocol import HardeningGrade, Hello, Topic

# Every replica reads every hello (``protocol.topics.hub_subscriptions``): each records it, and the one
# that claims it first (kept this long) raises its alert and sends the settings.
CLAIM_KEEP_S = 30
Claim = Callable[[str, int], Awaitable[bool]]


class HelloHandler:
    def __init__(
        self,
        pcs: PcRepository,
        on_hello: Callable[[str], Coroutine[Any, Any, None]] | None = None,
        alerts: PcAlerts | None = None,
        claim: Claim | None = None,
    ) -> None:
        self._pcs = pcs
        self._on_hello = on_hello
        self._alerts = alerts
        self._claim = claim
        self._background = BackgroundTasks()

    async def __call__(self, topic: Topic, hello: Hello) -> None:
        details = {
            "hostname": hello.hostname,
            "agent_version": hello.agent_version,
            "os": hello.os,
            "boot_time": hello.boot_time,
            "hardware": hello.hardware.model_dump(),
            "hardening": hello.hardening.model_dump(mode="json") if hello.hardening else None,
            # An update rolled back (README "Fleet updates"): the rollout shows it for this PC.
            "update": hello.update.model_dump(mode="json") if hello.update else None,
        }
        await self._pcs.record_hello(topic.pc_id, topic.site, now_ms(), details)
        if self._claim is not None and not await _mine(self._claim, topic.pc_id, hello):
            return  # another replica acts on this hello
        hardening = hello.hardening
        if (
            self._alerts is not None
            and hardening is not None
            and hardening.grade is not HardeningGrade.STRONG
        ):
            failed = [check.name for check in hardening.checks if check.ok is not True]
            await self._alerts.raise_alert(
                topic.pc_id,
                AlertKind.LOCK_HARDENING,
                f"lock screen hardening is {hardening.grade.value}: not passed {', '.join(failed) or '-'}",
                {
                    "grade": hardening.grade.value,
                    "checks": [c.model_dump(mode="json") for c in hardening.checks],
                },
            )
        if self._on_hello is not None:
            # Outside the consumer loop: a branch of PCs booting at once must not queue every status
            # and telemetry message behind their settings being sent.
            self._background.spawn(self._on_hello(topic.pc_id), name=f"settings-{topic.pc_id}")


async def _mine(claim: Claim, pc_id: str, hello: Hello) -> bool:
    """True when this replica acts on the hello (it claimed it first, or Redis cannot say)."""
    digest = hashlib.sha256(hello.model_dump_json().encode()).hexdigest()[:32]
    try:
        return await claim(f"hello:{pc_id}:{digest}", CLAIM_KEEP_S)
    except (RedisError, OSError):
        return True  # better acted on twice than not at all
