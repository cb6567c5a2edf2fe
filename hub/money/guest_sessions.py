"""What a guest's session costs and what has been paid for it.

A prepaid guest owes the price of the minutes bought (more after an extension), a postpaid guest the
cost once the session has ended. What a session's payments may total is a capped sequence in the ledger
(its key :func:`session_key`), so a session is never paid twice.
"""

from __future__ import annotations

from billing import MINUTE_MS
from hub.errors import Refused
from hub.receipts.model import UnpaidSession
from hub.sessions.pricing import session_price
from hub.store import HistoryFilter, Store
from hub.store.sessions import SessionRecord, SessionState
from hub.store.transactions import TxKind
from protocol import SessionKind


def session_key(session_id: str) -> str:
    """The capped sequence of a guest session's payments."""
    return f"session:{session_id}"


class GuestSessions:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def price(self, session: SessionRecord) -> int:
        """What the guest owes for ``session`` in all (Refused while it cannot be priced)."""
        if session.kind is SessionKind.POSTPAID:
            if session.state is not SessionState.ENDED or session.cost is None:
                raise Refused(409, "session_running", "a postpaid session is paid once it has ended")
            return session.cost
        tariff = await self._store.tariffs.get(session.tariff_id)
        if tariff is None or not session.prepaid_minutes:
            raise Refused(409, "no_price", "the session has no tariff or prepaid minutes to price")
        start = session.started_at or session.created_at
        return (await session_price(tariff, start, session.prepaid_minutes * MINUTE_MS)).total

    async def left_to_pay(self, session_id: str, price: int) -> int:
        """What payments may still take for a session of ``price``: the price less what its payments
        hold (the cap counts what was taken; a refund does not reopen it)."""
        return price - await self._store.ledger.capped_sum(session_key(session_id))

    async def owed(self, session: SessionRecord) -> int | None:
        """What the guest still owes for ``session`` (0 once paid), what the desk is asked to take; None
        while it cannot be priced (a postpaid session still running, a tariff gone)."""
        try:
            price = await self.price(session)
        except Refused:
            return None
        return max(0, await self.left_to_pay(session.id, price))

    async def paid(self, session_id: str) -> int:
        """What a guest has paid for a session and kept: payments less their refunds."""
        refunds = await self._store.ledger.find(HistoryFilter(kind=TxKind.REFUND, session_id=session_id))
        paid = await self._store.ledger.capped_sum(session_key(session_id))
        return paid - sum(refund.amount for refund in refunds)

    async def unpaid_started_by(self, staff: str, since: int, until: int | None) -> list[UnpaidSession]:
        """Guest sessions ``staff`` started in a time window that are owed more than was paid: what a
        shift report shows, so time sold off the books stands out. A postpaid session still running
        owes nothing yet."""
        unpaid = []
        for session in await self._store.sessions.guests_started_by(staff, since, until):
            if session.kind is SessionKind.POSTPAID and session.state is not SessionState.ENDED:
                continue
            try:
                owed = await self.price(session)
            except Refused:
                continue  # no tariff left to price it with; the session's own flags say so
            paid = await self.paid(session.id)
            if paid < owed:
                unpaid.append(UnpaidSession(session.pc_id, owed, paid, session.id))
        return unpaid
