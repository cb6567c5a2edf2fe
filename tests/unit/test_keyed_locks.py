"""In-process keyed locks: holders of the same name queue, different names do not, nothing leaks."""

from __future__ import annotations

import asyncio

from hub.store.locks import KeyedLocks


async def test_holders_of_one_name_queue_and_the_lock_is_dropped_after() -> None:
    locks = KeyedLocks()
    inside: list[str] = []
    peak = 0

    async def hold(name: str, tag: str) -> None:
        nonlocal peak
        async with locks.hold([name]):
            inside.append(tag)
            peak = max(peak, len(inside))
            await asyncio.sleep(0.01)
            inside.remove(tag)

    await asyncio.gather(*(hold("member:a", str(i)) for i in range(5)))
    assert peak == 1
    assert len(locks) == 0


async def test_different_names_run_together_and_overlapping_sets_never_deadlock() -> None:
    locks = KeyedLocks()
    together = asyncio.Event()
    entered = 0

    async def hold(names: list[str]) -> None:
        nonlocal entered
        async with locks.hold(names):
            entered += 1
            if entered == 2:
                together.set()
            await asyncio.wait_for(together.wait(), 1)

    await asyncio.gather(hold(["a"]), hold(["b"]))
    # Opposite orders of the same two names: sorted acquisition means no deadlock.
    await asyncio.wait_for(
        asyncio.gather(*(locks_pair(locks, names) for names in (["x", "y"], ["y", "x"]) * 5)), 2
    )
    assert len(locks) == 0


async def locks_pair(locks: KeyedLocks, names: list[str]) -> None:
    async with locks.hold(names):
        await asyncio.sleep(0.001)
