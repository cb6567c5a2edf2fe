"""Branch settings as the money path reads them: kept in memory, so a payment does not read its branch.

Settings change rarely (an owner edits them) and every payment needs them (currency, payment methods,
receipt heading). A replica that saves them forgets its copy at once and tells the others on the live
channel (``branch.updated``); a copy is also never older than ``ttl_s``, which bounds what a lost
announcement (Redis reconnecting, an edit made outside the API such as a restore) can leave stale.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from hub.live import LiveState
from hub.store.branches import BranchRecord, BranchRepository

log = logging.getLogger(__name__)

UPDATED = "branch.updated"
TTL_S = 5.0


class BranchCache:
    def __init__(
        self,
        branches: BranchRepository,
        live: LiveState,
        *,
        ttl_s: float = TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._branches = branches
        self._live = live
        self._ttl_s = ttl_s
        self._clock = clock
        self._kept: dict[str, tuple[float, BranchRecord]] = {}
        live.add_listener(self._on_event)

    async def get(self, branch_id: str) -> BranchRecord | None:
        kept = self._kept.get(branch_id)
        now = self._clock()
        if kept is not None and now - kept[0] < self._ttl_s:
            return kept[1]
        branch = await self._branches.get(branch_id)
        if branch is None:  # not kept: a branch created next must be seen at once
            self._kept.pop(branch_id, None)
        else:
            self._kept[branch_id] = (now, branch)
        return branch

    async def save(self, branch: BranchRecord) -> None:
        """Saves the settings; this replica reads them at once, the others once told (or ``ttl_s``)."""
        await self._branches.save(branch)
        self._kept.pop(branch.id, None)
        try:
            await self._live.publish({"type": UPDATED, "branch": branch.id})
        except (RedisError, OSError) as exc:  # saved: the others' copies expire within ttl_s
            log.warning("could not announce branch %s's new settings (%s)", branch.id, exc)

    async def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") == UPDATED:
            self._kept.pop(str(event.get("branch")), None)
