"""The hub's inventory: the stock keeper the money service moves goods with, the back office's operations
and stocktakes, and the reconciler that finishes what a crash left undone (run in the background)."""

from __future__ import annotations

from hub.inventory.keeper import StockKeeper
from hub.inventory.operations import StockOperations
from hub.inventory.reconcile import StockReconciler
from hub.inventory.stocktakes import Stocktakes
from hub.store import Store


class Inventory:
    def __init__(self, store: Store, keeper: StockKeeper) -> None:
        self.keeper = keeper
        self.operations = StockOperations(store, keeper)
        self.stocktakes = Stocktakes(store, keeper)
        self.reconciler = StockReconciler(store, keeper, self.operations, self.stocktakes)
