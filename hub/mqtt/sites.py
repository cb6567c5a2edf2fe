"""The site each PC is on record under, for the bridge's check that a PC speaks only under its own site.

The first message of a PC records its site (``hub.store.pcs``); from then on no MQTT message moves it, so a
PC's certificate cannot be used under another site's topics even if the broker's ACL let it through.
A site never changes once recorded, so it is cached for the life of the process.
"""

from __future__ import annotations

from hub.store import PcRepository


class PcSites:
    def __init__(self, pcs: PcRepository) -> None:
        self._pcs = pcs
        self._known: dict[str, str] = {}

    async def site_of(self, pc_id: str) -> str | None:
        """The PC's recorded site; None for a PC the hub has no record of (its first message makes one)."""
        site = self._known.get(pc_id)
        if site is None:
            site = await self._pcs.site_of(pc_id)
            if site is not None:
                self._known[pc_id] = site
        return site
