"""Inventory: stock per product and branch, moved by sales, refunds, receipts, write-offs, transfers and
stocktakes, reconciled after a crash, and reported on. The rules are pure (``billing.stock``); the record
is the store's (``hub.store.stock``)."""
