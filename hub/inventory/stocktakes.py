"""Stocktakes: a count sheet for a branch, its counts entered product by product (by anyone counting), then
posted by a manager: each counted product's variance (counted minus what the record says at that moment)
becomes one ``counted`` movement bearing the counter's name, and the sheet becomes a record.

Posting claims the sheet first (open -> posting), and each movement's id is derived from the sheet's, so
a post interrupted half way is finished by posting again (or by the reconciler) without counting anything
twice. Counting a product whose stock is not tracked yet starts tracking it: a first count is how a cafe
starts.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hub.clock import now_ms
from hub.errors import Refused
from hub.inventory.keeper import Actor, StockKeeper
from hub.store import Store
from hub.store.stock import NewMovement, StockMovement
from hub.store.stocktakes import OPEN, POSTED, POSTING, CountLine, StocktakeRecord


def count_movement_id(sheet_id: str, product_id: str) -> str:
    return f"count:{sheet_id}:{product_id}"


@dataclass(frozen=True)
class SheetLine:
    """A counted product: what the record said (at posting, or now while the sheet is open), what was
    counted, and the difference."""

    product_id: str
    name: str
    counted: int
    expected: int
    variance: int
    entered_by: str


@dataclass(frozen=True)
class Sheet:
    record: StocktakeRecord
    lines: tuple[SheetLine, ...]


class Stocktakes:
    def __init__(self, store: Store, keeper: StockKeeper) -> None:
        self._store = store
        self._keeper = keeper

    async def open(self, branch: str, counted_by: str, note: str, actor: Actor) -> Sheet:
        if await self._store.branches.get(branch) is None:
            raise Refused(404, "not_found", f"branch {branch!r} not found")
        record = StocktakeRecord(
            id=uuid.uuid4().hex,
            branch=branch,
            counted_by=counted_by,
            created_by=actor.username or "",
            created_at=now_ms(),
            note=note,
        )
        await self._store.stocktakes.create(record)
        return Sheet(record, ())

    async def sheet(self, sheet_id: str) -> Sheet:
        record = await self._record(sheet_id)
        counts = await self._store.stocktakes.counts(sheet_id)
        if record.state == POSTED:
            posted = {m.product_id: m for m in await self._store.stock.by_ref(sheet_id)}
            return Sheet(
                record, tuple([await self._posted_line(line, posted.get(line.product_id)) for line in counts])
            )
        lines = []
        for line in counts:
            on_hand = (await self._store.stock.level(record.branch, line.product_id)).on_hand
            lines.append(
                SheetLine(
                    line.product_id,
                    await self._name(line.product_id),
                    line.counted,
                    on_hand,
                    line.counted - on_hand,
                    line.entered_by,
                )
            )
        return Sheet(record, tuple(lines))

    async def count(self, sheet_id: str, counts: Sequence[tuple[str, int]], actor: Actor) -> Sheet:
        """Enter (or correct) counts while the sheet is open."""
        record = await self._record(sheet_id)
        _must_be_open(record)
        for product_id, _ in counts:
            if await self._store.products.get(product_id) is None:
                raise Refused(404, "not_found", f"product {product_id!r} not found")
        at = now_ms()
        for product_id, counted in counts:
            line = CountLine(product_id, counted, actor.username or "", at)
            await self._store.stocktakes.set_count(sheet_id, line)
        _must_be_open(await self._record(sheet_id))  # posted meanwhile: these counts came too late
        return await self.sheet(sheet_id)

    async def post(self, sheet_id: str, actor: Actor) -> Sheet:
        """Post the variances (once; posting a posted sheet answers it as it is)."""
        record = await self._record(sheet_id)
        if record.state == OPEN:
            if not await self._store.stocktakes.counts(sheet_id):
                raise Refused(409, "nothing_counted", "enter at least one count before posting the sheet")
            claimed = await self._store.stocktakes.start_posting(
                sheet_id, by=actor.username or "", at=now_ms()
            )
            record = claimed or record
        if record.state == POSTING:
            await self.finish(record)
        return await self.sheet(sheet_id)

    async def finish(self, record: StocktakeRecord) -> None:
        """Post each count's movement not yet posted, then close the sheet (the reconciler's too)."""
        actor = Actor(record.posted_by or record.created_by)
        for line in await self._store.stocktakes.counts(record.id):
            item = await self._store.stock_items.get(line.product_id)
            if not item.track:
                item = await self._keeper.start_tracking(item, actor)
            details = replace(actor.details(record.id), counted_by=record.counted_by)
            await self._keeper.post(
                NewMovement(
                    id=count_movement_id(record.id, line.product_id),
                    branch=record.branch,
                    product_id=line.product_id,
                    counted=line.counted,
                    details=details,
                ),
                item,
            )
        await self._store.stocktakes.finish_posting(record.id)

    async def _posted_line(self, line: CountLine, movement: StockMovement | None) -> SheetLine:
        name = await self._name(line.product_id)
        if movement is None:  # not posted (cannot happen once the sheet is posted): shown as counted
            return SheetLine(line.product_id, name, line.counted, line.counted, 0, line.entered_by)
        counted = movement.level.on_hand
        return SheetLine(
            line.product_id, name, counted, counted - movement.quantity, movement.quantity, line.entered_by
        )

    async def _record(self, sheet_id: str) -> StocktakeRecord:
        record = await self._store.stocktakes.get(sheet_id)
        if record is None:
            raise Refused(404, "not_found", f"stocktake {sheet_id!r} not found")
        return record

    async def _name(self, product_id: str) -> str:
        product = await self._store.products.get(product_id)
        return product.name if product else product_id


def _must_be_open(record: StocktakeRecord) -> None:
    if record.state != OPEN:
        raise Refused(
            409, "stocktake_posted", "this stocktake is posted: its counts are final; open a new one"
        )
