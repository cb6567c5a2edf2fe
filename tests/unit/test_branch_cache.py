"""``hub.money.branch_cache``: a payment reads its branch from memory, and a change of settings is seen at
once by the replica that saved it, by the others when told, and by every replica within the time bound."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, cast

from hub.live import LiveState
from hub.money.branch_cache import TTL_S, UPDATED, BranchCache
from hub.store.branches import BranchRecord, BranchRepository

MAIN = BranchRecord(id="main", name="Main", payment_methods=("cash", "card"))


class Branches:
    """The repository's port: one dict, every read counted."""

    def __init__(self, *branches: BranchRecord) -> None:
        self.saved = {branch.id: branch for branch in branches}
        self.reads = 0

    async def get(self, branch_id: str) -> BranchRecord | None:
        self.reads += 1
        return self.saved.get(branch_id)

    async def save(self, branch: BranchRecord) -> None:
        self.saved[branch.id] = branch


class Channel:
    """The live channel's port: what one replica publishes reaches every replica's listeners."""

    def __init__(self) -> None:
        self.listeners: list[Callable[[dict[str, Any]], Awaitable[None]]] = []
        self.published: list[dict[str, Any]] = []

    def add_listener(self, listener: Callable[[dict[str, Any]], Awaitable[None]]) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    async def publish(self, event: dict[str, Any]) -> None:
        self.published.append(event)
        for listener in self.listeners:
            await listener(event)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def cache(branches: Branches, channel: Channel, clock: Clock) -> BranchCache:
    return BranchCache(cast(BranchRepository, branches), cast(LiveState, channel), clock=clock)


async def test_settings_are_read_once_within_the_bound_and_again_after_it() -> None:
    branches, clock = Branches(MAIN), Clock()
    kept = cache(branches, Channel(), clock)
    assert await kept.get("main") == MAIN
    clock.now += TTL_S - 0.1
    assert await kept.get("main") == MAIN
    assert branches.reads == 1
    branches.saved["main"] = replace(MAIN, currency="USD")  # changed outside the API (a restore)
    clock.now += 0.2
    assert (await kept.get("main") or MAIN).currency == "USD"
    assert branches.reads == 2


async def test_a_missing_branch_is_not_kept() -> None:
    branches, clock = Branches(), Clock()
    kept = cache(branches, Channel(), clock)
    assert await kept.get("north") is None
    branches.saved["north"] = replace(MAIN, id="north")
    assert await kept.get("north") == branches.saved["north"]


async def test_a_save_is_seen_at_once_by_this_replica_and_the_others() -> None:
    branches, channel, clock = Branches(MAIN), Channel(), Clock()
    here, there = cache(branches, channel, clock), cache(branches, channel, clock)
    assert await here.get("main") == MAIN
    assert await there.get("main") == MAIN
    cash_only = replace(MAIN, payment_methods=("cash",))
    await here.save(cash_only)
    assert channel.published == [{"type": UPDATED, "branch": "main"}]
    assert await here.get("main") == cash_only
    assert await there.get("main") == cash_only  # no time passed: told, not expired


async def test_other_events_leave_the_copy_alone() -> None:
    branches, channel, clock = Branches(MAIN), Channel(), Clock()
    kept = cache(branches, channel, clock)
    await kept.get("main")
    await channel.publish({"type": "payment.created", "branch": "main"})
    await channel.publish({"type": UPDATED, "branch": "north"})
    await kept.get("main")
    assert branches.reads == 1
