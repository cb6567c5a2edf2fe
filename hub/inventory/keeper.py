"""Stock that follows the money: a sale's goods, a refund's returns, and the low-stock watch on every
movement.

A sale and its stock cannot be written together (no multi-document transactions), so the goods are
*held* first: the sale's movements are posted, each checked against the product's stock by its sequence
claim (``hub.store.stock``), before its ledger transaction, under ids derived from that transaction's
id. Two racing sales of the last item cannot both hold it, so nothing is oversold. If the payment is then
refused, the holds are voided at once; if the hub dies in between, the reconciler voids a hold whose
transaction never appeared (``hub.inventory.reconcile``). The transaction lists the goods it took
(``LedgerTransaction.stock``), so the reconciler can also post a sale's movements that are missing
(after a void that raced a late payment): exactly once, because each movement's id is unique.

A refund posts its money first, then its returned goods, capped by what the sale took; the reconciler
posts any return a crash left out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from billing.stock import Change, OutOfStock, ReturnExceedsSale, StockKind, void_of
from hub.alerts import StockAlerts
from hub.clock import now_ms
from hub.errors import Refused
from hub.store import Store
from hub.store.stock import Details, NewMovement, ReturnCap, StockMovement, StockPost, return_key
from hub.store.stock_items import StockItem
from hub.store.transactions import LedgerTransaction, StockLine, TxItem, TxKind

log = logging.getLogger(__name__)


def sale_movement_id(tx_id: str, product_id: str) -> str:
    return f"sold:{tx_id}:{product_id}"


def resale_movement_id(tx_id: str, product_id: str) -> str:
    """A sale's movement posted again by the reconciler, after its hold was voided and the payment
    still came."""
    return f"resold:{tx_id}:{product_id}"


def void_movement_id(movement_id: str) -> str:
    return f"void:{movement_id}"


def return_movement_id(refund_id: str, product_id: str) -> str:
    return f"returned:{refund_id}:{product_id}"


@dataclass(frozen=True)
class Actor:
    """Who moves the goods (a movement's staff fields)."""

    username: str | None = None
    user_id: str | None = None

    def details(self, ref: str | None = None, *, voided: str | None = None) -> Details:
        return Details(ref=ref, staff=self.username, staff_id=self.user_id, voided=voided)


SYSTEM = Actor("system")


@dataclass(frozen=True)
class _Wanted:
    product_id: str
    name: str
    quantity: int
    revenue: int


class StockKeeper:
    def __init__(self, store: Store, alerts: StockAlerts) -> None:
        self._store = store
        self._alerts = alerts

    @property
    def alerts(self) -> StockAlerts:
        return self._alerts

    # ---- any movement -------------------------------------------------------------------------------

    async def post(self, new: NewMovement, item: StockItem | None = None) -> StockPost:
        """Post a movement, then look at the product's low-stock level."""
        result = await self._store.stock.post(new)
        if result.created:
            await self.watch(result.movement, item or await self._store.stock_items.get(new.product_id))
        return result

    async def watch(self, movement: StockMovement, item: StockItem) -> None:
        """Raise the low-stock alert when a movement takes the stock down to the product's level, resolve
        it when one takes it back above."""
        if item.low_stock is None:
            return
        after = movement.level.on_hand
        before = after - movement.quantity
        if after <= item.low_stock < before:
            await self.alert_low(movement.branch, item, after)
        elif before <= item.low_stock < after:
            await self._alerts.restocked(movement.branch, item.product_id, movement.details.staff or "system")

    async def alert_low(self, branch: str, item: StockItem, on_hand: int) -> None:
        product = await self._store.products.get(item.product_id)
        name = product.name if product else item.product_id
        await self._alerts.low_stock(
            branch,
            item.product_id,
            f"{name}: {max(on_hand, 0)} left at {branch} (low-stock level {item.low_stock})",
            {"on_hand": on_hand, "low_stock": item.low_stock, "name": name},
        )

    async def look_again(self, branch: str, item: StockItem) -> None:
        """Bring the product's alert in line with its stock (after its level changed, or a crash)."""
        on_hand = (await self._store.stock.level(branch, item.product_id)).on_hand
        if item.is_low(on_hand):
            open_alerts = await self._alerts.unresolved(branch)
            if not any(alert.product_id == item.product_id for alert in open_alerts):
                await self.alert_low(branch, item, on_hand)
        else:
            await self._alerts.restocked(branch, item.product_id, "system")

    async def start_tracking(self, item: StockItem, actor: Actor) -> StockItem:
        """Count a product's stock from now on (its first receipt or stocktake)."""
        tracked = replace(item, track=True, updated_at=now_ms(), updated_by=actor.username or "")
        await self._store.stock_items.save(tracked)
        return tracked

    # ---- sales --------------------------------------------------------------------------------------

    async def hold_sale(
        self, tx_id: str, branch: str, items: Sequence[TxItem], actor: Actor
    ) -> tuple[StockLine, ...]:
        """Take a sale's tracked goods out of stock before its payment is posted; the lines to keep on
        its transaction. Refused (409 ``out_of_stock``, naming the product and what is left) when one is
        short and its product does not allow negative stock; nothing stays held then."""
        held: list[StockLine] = []
        for wanted in _merged(items):
            item = await self._store.stock_items.get(wanted.product_id)
            if not item.track:
                continue
            new = NewMovement(
                id=sale_movement_id(tx_id, wanted.product_id),
                branch=branch,
                product_id=wanted.product_id,
                change=Change(StockKind.SOLD, -wanted.quantity, revenue=wanted.revenue),
                details=actor.details(tx_id),
                allow_negative=item.allow_negative,
            )
            try:
                await self.post(new, item)
            except OutOfStock as exc:
                await self.void_sale(tx_id, held, actor)
                left = max(exc.on_hand, 0)
                raise Refused(
                    409,
                    "out_of_stock",
                    f"only {left} of {wanted.name} left at {branch}, {wanted.quantity} asked: "
                    "sell fewer, or receive stock first",
                ) from None
            held.append(StockLine(wanted.product_id, -wanted.quantity))
        return tuple(held)

    async def void_sale(self, tx_id: str, lines: Iterable[StockLine], actor: Actor) -> None:
        """Put a sale's held goods back: its payment was refused, or never came."""
        for line in lines:
            hold = await self._store.stock.get(sale_movement_id(tx_id, line.product_id))
            if hold is not None:
                await self.void(hold, actor)

    async def void(self, movement: StockMovement, actor: Actor) -> StockPost:
        """Undo ``movement`` (a sale's hold, a transfer's goods out), once."""
        change = void_of(movement.kind, movement.quantity, movement.value, movement.revenue)
        return await self.post(
            NewMovement(
                id=void_movement_id(movement.id),
                branch=movement.branch,
                product_id=movement.product_id,
                change=change,
                details=actor.details(movement.details.ref, voided=movement.id),
            )
        )

    # ---- refunds ------------------------------------------------------------------------------------

    async def returnable(self, payment: LedgerTransaction) -> dict[str, int]:
        """Per product, the goods of a sale that refunds may still return to stock."""
        left: dict[str, int] = {}
        for line in payment.stock:
            sold = -line.quantity
            left[line.product_id] = sold - await self._store.stock.returned(payment.id, line.product_id)
        return left

    async def return_goods(self, refund: LedgerTransaction, payment: LedgerTransaction, actor: Actor) -> None:
        """Post the goods a refund returns (``refund.stock``), each once, never more than the sale took
        (a return that raced another is cut to what is left)."""
        sold = {line.product_id: -line.quantity for line in payment.stock}
        for line in refund.stock:
            quantity = line.quantity
            while quantity > 0:
                try:
                    await self.post(
                        NewMovement(
                            id=return_movement_id(refund.id, line.product_id),
                            branch=payment.branch,
                            product_id=line.product_id,
                            change=Change(
                                StockKind.RETURNED,
                                quantity,
                                value=await self._sale_cost(payment.id, line.product_id, quantity),
                            ),
                            details=actor.details(refund.id),
                            return_cap=ReturnCap(
                                return_key(payment.id, line.product_id), sold.get(line.product_id, 0)
                            ),
                        )
                    )
                    break
                except ReturnExceedsSale as exc:
                    log.warning("refund %s returns %d of %s, %d left", refund.id, quantity, line, exc.left)
                    quantity = exc.left

    async def _sale_cost(self, payment_id: str, product_id: str, quantity: int) -> int | None:
        """What ``quantity`` of the sale's goods cost when they went out (None: at the average)."""
        for movement_id in (
            sale_movement_id(payment_id, product_id),
            resale_movement_id(payment_id, product_id),
        ):
            sale = await self._store.stock.get(movement_id)
            if sale is not None and sale.quantity < 0:
                return -sale.value * quantity // -sale.quantity
        return None

    # ---- reconciling --------------------------------------------------------------------------------

    async def settle(self, tx: LedgerTransaction) -> int:
        """Post the movements ``tx``'s goods are missing (a crash, or a void that raced a late payment);
        how many were posted. Idempotent."""
        if not tx.stock:
            return 0
        if tx.kind is TxKind.REFUND and tx.refund_of:
            payment = await self._store.ledger.get(tx.refund_of)
            if payment is None:
                return 0
            unreturned = [
                line
                for line in tx.stock
                if not await self._posted(return_movement_id(tx.id, line.product_id))
            ]
            if unreturned:
                await self.return_goods(tx, payment, SYSTEM)
            return len(unreturned)
        if tx.kind is not TxKind.PAYMENT:
            return 0
        moved = await self._store.stock.by_ref(tx.id)
        posted = 0
        for line in tx.stock:
            net = sum(m.quantity for m in moved if m.product_id == line.product_id)
            missing = line.quantity - net  # negative: goods the sale took that no movement took
            if missing >= 0:
                if missing:
                    log.error("sale %s moved %d of %s, more than it sold", tx.id, -net, line.product_id)
                continue
            revenue = sum(i.total for i in tx.items if i.product_id == line.product_id)
            first = not any(m.id == sale_movement_id(tx.id, line.product_id) for m in moved)
            movement_id = (sale_movement_id if first else resale_movement_id)(tx.id, line.product_id)
            result = await self.post(
                NewMovement(
                    id=movement_id,
                    branch=tx.branch,
                    product_id=line.product_id,
                    change=Change(StockKind.SOLD, missing, revenue=revenue * missing // line.quantity),
                    details=Details(ref=tx.id, staff=tx.staff, staff_id=tx.staff_id),
                    allow_negative=True,  # paid for and gone: the record follows what happened
                )
            )
            posted += result.created
        return posted

    async def _posted(self, movement_id: str) -> bool:
        return await self._store.stock.get(movement_id) is not None


def _merged(items: Sequence[TxItem]) -> list[_Wanted]:
    """A sale's product lines, one per product (in a stable order, so racing sales lock alike)."""
    merged: dict[str, _Wanted] = {}
    for item in items:
        if item.kind != "product" or item.product_id is None:
            continue
        seen = merged.get(item.product_id)
        merged[item.product_id] = _Wanted(
            item.product_id,
            item.name or item.product_id,
            item.quantity + (seen.quantity if seen else 0),
            item.total + (seen.revenue if seen else 0),
        )
    return [merged[key] for key in sorted(merged)]
