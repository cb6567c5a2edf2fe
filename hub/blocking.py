"""Development guard: fail any call that blocks the hub's event loop (``ICAFE_DETECT_BLOCKING=1``).

The integration tests run the hub with it on, from the end of start-up (whose one-off file reads are fine).
"""

from __future__ import annotations

from blockbuster import BlockBuster


def activate() -> BlockBuster:
    guard = BlockBuster()
    guard.activate()
    return guard
