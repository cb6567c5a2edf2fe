"""The stock reconciler: what a crash between two writes left undone, done exactly once.

Every minute (and at start) each hub looks at what was written since its last run, less a lease:

- a ledger transaction listing goods (a sale, a refund returning some) whose movements are missing gets
  them (``StockKeeper.settle``);
- a sale's hold older than the lease whose payment never reached the ledger is voided: the hub died
  between holding the goods and posting the payment, or the payment was refused and the void was lost;
- an operation (receipt, write-off, transfer) or a stocktake interrupted half way is finished;
- at a hub's first run, every tracked product's low-stock alert is brought in line with its stock.

Each of these posts movements under ids derived from what caused them, so two replicas reconciling at
once, or one run repeated, move nothing twice. The lease (10 minutes) is far longer than a payment takes
between holding its goods and posting; a payment that still came after its hold was voided gets its
goods back out by the next run (``resold``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from pymongo.errors import PyMongoError

from billing.stock import StockKind
from hub.clock import now_ms
from hub.inventory.keeper import SYSTEM, StockKeeper, sale_movement_id, void_movement_id
from hub.inventory.operations import StockOperations
from hub.inventory.stocktakes import Stocktakes
from hub.store import HistoryFilter, Store
from hub.store.stock import MovementFilter

log = logging.getLogger(__name__)

LEASE_MS = 10 * 60_000
EVERY_S = 60.0


@dataclass
class Reconciled:
    settled: int = 0  # movements posted for transactions that lacked them
    voided: int = 0  # holds whose payment never came
    operations: int = 0  # operations finished
    stocktakes: int = 0  # stocktakes finished

    @property
    def changed(self) -> bool:
        return bool(self.settled or self.voided or self.operations or self.stocktakes)


class StockReconciler:
    def __init__(
        self,
        store: Store,
        keeper: StockKeeper,
        operations: StockOperations,
        stocktakes: Stocktakes,
        *,
        lease_ms: int = LEASE_MS,
    ) -> None:
        self._store = store
        self._keeper = keeper
        self._operations = operations
        self._stocktakes = stocktakes
        self._lease_ms = lease_ms
        self._alerts_checked = False

    async def run(self, now: int | None = None) -> Reconciled:
        now = now_ms() if now is None else now
        settled_before = now - self._lease_ms
        since = await self._store.stock.watermark()
        if since is None:  # the first run ever: stock lines exist only from now on, nothing older
            since = now - 2 * self._lease_ms
        done = Reconciled()
        # Only what moves goods: the store skips the top-ups, which are most of a busy hub's minute.
        async for tx in self._store.ledger.iterate(HistoryFilter(since=since, moving_goods=True)):
            done.settled += await self._keeper.settle(tx)
        holds = MovementFilter(kind=StockKind.SOLD.value, since=since, until=settled_before)
        async for hold in self._store.stock.iterate(holds):
            ref = hold.details.ref
            if ref is None or hold.id != sale_movement_id(ref, hold.product_id):
                continue
            if await self._store.ledger.get(ref) is not None:
                continue
            if await self._store.stock.get(void_movement_id(hold.id)) is None:
                done.voided += (await self._keeper.void(hold, SYSTEM)).created
        for operation in await self._store.stock_operations.unfinished():
            if operation.at < settled_before:
                await self._operations.complete(operation)
                done.operations += 1
        for sheet in await self._store.stocktakes.posting():
            if (sheet.posted_at or 0) < settled_before:
                await self._stocktakes.finish(sheet)
                done.stocktakes += 1
        if not self._alerts_checked:
            await self._check_alerts()
            self._alerts_checked = True
        await self._store.stock.set_watermark(settled_before)
        if done.changed:
            log.warning("stock reconciled: %s", done)
        return done

    async def _check_alerts(self) -> None:
        items = [item for item in await self._store.stock_items.tracked() if item.low_stock is not None]
        for branch in await self._store.branches.all():
            for item in items:
                await self._keeper.look_again(branch.id, item)

    async def run_forever(self, every_s: float = EVERY_S) -> None:
        """The hub's background task: a run now, then one a minute; a store outage waits for the next."""
        while True:
            try:
                await self.run()
            except (PyMongoError, OSError) as exc:
                log.warning("stock reconciliation postponed: %s", str(exc)[:300])
            except Exception:  # a bug must not end the task: the next run may get past it
                log.exception("stock reconciliation failed; will retry")
            await asyncio.sleep(every_s)
