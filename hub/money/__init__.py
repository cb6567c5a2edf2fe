"""Money at the front desk: payments by several methods, refunds, vouchers, session charges and
cashier shifts, all posted through the append-only ledger (``hub.store.ledger``)."""
