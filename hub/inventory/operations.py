"""The back office's stock operations: a delivery received, goods written off, a transfer between branches.

Each is stored first as a record, once per idempotency key (``hub.store.stock_operations``), then its
movements are posted under ids derived from the record's, so posting them again (a retried request, the
reconciler after a crash) finds the first and moves nothing twice. A transfer posts every line's goods out
of the first branch before any comes in at the second: when one line is short, the lines already out are
voided and the transfer is refused; once all are out, the goods in follow, exactly once each.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from billing.stock import Change, OutOfStock, StockKind
from hub.clock import now_ms
from hub.errors import Refused
from hub.inventory.keeper import Actor, StockKeeper
from hub.store import Store
from hub.store.stock import NewMovement
from hub.store.stock_items import StockItem
from hub.store.stock_operations import DONE, POSTING, REFUSED, OperationLine, StockOperation

RECEIVE = "receive"
WRITE_OFF = "write_off"
TRANSFER = "transfer"


@dataclass(frozen=True)
class OperationResult:
    operation: StockOperation
    created: bool  # False: the key was used before; this is the first operation again


def fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def line_movement_id(operation_id: str, product_id: str, leg: str = "") -> str:
    return f"{operation_id}:{product_id}" + (f":{leg}" if leg else "")


class StockOperations:
    def __init__(self, store: Store, keeper: StockKeeper) -> None:
        self._store = store
        self._keeper = keeper

    async def receive(
        self, branch: str, lines: Sequence[OperationLine], note: str | None, actor: Actor, key: str
    ) -> OperationResult:
        """Goods delivered to ``branch``; a line without a unit cost is valued at the product's. Receiving
        a product whose stock is not counted yet starts counting it."""
        await self._branch(branch)
        for line in lines:
            await self._product(line.product_id)
        return await self._run(RECEIVE, branch, lines, actor, key, note=note)

    async def write_off(
        self, branch: str, line: OperationLine, reason: str, actor: Actor, key: str
    ) -> OperationResult:
        await self._branch(branch)
        await self._tracked(line.product_id)
        return await self._run(WRITE_OFF, branch, [line], actor, key, reason=reason)

    async def transfer(
        self,
        branch: str,
        to_branch: str,
        lines: Sequence[OperationLine],
        note: str | None,
        actor: Actor,
        key: str,
    ) -> OperationResult:
        if branch == to_branch:
            raise Refused(400, "bad_request", "a transfer goes to another branch")
        await self._branch(branch)
        await self._branch(to_branch)
        for line in lines:
            await self._tracked(line.product_id)
        return await self._run(TRANSFER, branch, lines, actor, key, to_branch=to_branch, note=note)

    async def complete(self, operation: StockOperation) -> StockOperation:
        """Post whatever movements ``operation`` still lacks, and mark it done (or refused, with the goods
        it had taken out put back). Idempotent: the reconciler runs it on interrupted operations."""
        if operation.state != POSTING:
            return operation
        actor = Actor(operation.staff, operation.staff_id)
        try:
            if operation.kind == TRANSFER:
                await self._transfer(operation, actor)
            else:
                await self._single_leg(operation, actor)
        except OutOfStock as exc:
            return await self._refuse(operation, actor, exc)
        return await self._store.stock_operations.finish(operation, DONE)

    # ---- the legs -----------------------------------------------------------------------------------

    async def _single_leg(self, operation: StockOperation, actor: Actor) -> None:
        for line in operation.lines:
            item = await self._store.stock_items.get(line.product_id)
            if operation.kind == RECEIVE:
                if not item.track:
                    item = await self._keeper.start_tracking(item, actor)
                unit_cost = line.unit_cost if line.unit_cost is not None else item.unit_cost
                change = Change(StockKind.RECEIVED, line.quantity, value=line.quantity * unit_cost)
                details = replace(actor.details(operation.id), unit_cost=unit_cost)
            else:
                change = Change(StockKind.WRITTEN_OFF, -line.quantity)
                details = replace(actor.details(operation.id), reason=operation.reason)
            await self._keeper.post(
                NewMovement(
                    id=line_movement_id(operation.id, line.product_id),
                    branch=operation.branch,
                    product_id=line.product_id,
                    change=change,
                    details=details,
                    allow_negative=item.allow_negative,
                ),
                item,
            )

    async def _transfer(self, operation: StockOperation, actor: Actor) -> None:
        assert operation.to_branch is not None
        outs = []
        for line in operation.lines:
            item = await self._store.stock_items.get(line.product_id)
            details = replace(actor.details(operation.id), counterpart=operation.to_branch)
            result = await self._keeper.post(
                NewMovement(
                    id=line_movement_id(operation.id, line.product_id, "out"),
                    branch=operation.branch,
                    product_id=line.product_id,
                    change=Change(StockKind.TRANSFER_OUT, -line.quantity),
                    details=details,
                    allow_negative=item.allow_negative,
                ),
                item,
            )
            outs.append(result.movement)
        for out in outs:
            details = replace(actor.details(operation.id), counterpart=operation.branch)
            await self._keeper.post(
                NewMovement(
                    id=line_movement_id(operation.id, out.product_id, "in"),
                    branch=operation.to_branch,
                    product_id=out.product_id,
                    # At the value the goods left the other branch with.
                    change=Change(StockKind.TRANSFER_IN, -out.quantity, value=-out.value),
                    details=details,
                )
            )

    async def _refuse(self, operation: StockOperation, actor: Actor, exc: OutOfStock) -> StockOperation:
        """A line was short: put back what the operation took out, and say which."""
        short = None
        for line in operation.lines:
            out_id = line_movement_id(
                operation.id, line.product_id, "out" if operation.kind == TRANSFER else ""
            )
            taken = await self._store.stock.get(out_id)
            if taken is not None:
                await self._keeper.void(taken, actor)
            elif short is None:
                short = line
        product = await self._store.products.get(short.product_id) if short else None
        name = product.name if product else (short.product_id if short else "a product")
        asked = short.quantity if short else exc.needed
        message = f"only {max(exc.on_hand, 0)} of {name} left at {operation.branch}, {asked} asked"
        return await self._store.stock_operations.finish(operation, REFUSED, message)

    # ---- running an operation once per key ----------------------------------------------------------

    async def _run(
        self,
        kind: str,
        branch: str,
        lines: Sequence[OperationLine],
        actor: Actor,
        key: str,
        *,
        to_branch: str | None = None,
        reason: str | None = None,
        note: str | None = None,
    ) -> OperationResult:
        _one_line_each(lines)
        extra = {"to_branch": to_branch, "reason": reason, "note": note}
        body = {
            "kind": kind,
            "branch": branch,
            "lines": [line.to_document() for line in lines],
            **{name: value for name, value in extra.items() if value is not None},
        }
        operation = StockOperation(
            id=uuid.uuid4().hex,
            idem=f"{kind}:{branch}:{key}",
            kind=kind,
            branch=branch,
            lines=tuple(lines),
            at=now_ms(),
            staff=actor.username or "",
            staff_id=actor.user_id or "",
            fingerprint=fingerprint(body),
            to_branch=to_branch,
            reason=reason,
            note=note,
        )
        stored, created = await self._store.stock_operations.create(operation)
        if stored.fingerprint != operation.fingerprint:
            raise Refused(
                422, "idempotency_key_reused", "this Idempotency-Key was used for a different request"
            )
        finished = await self.complete(stored)
        if finished.state == REFUSED:
            raise Refused(409, "out_of_stock", f"{finished.refusal}: nothing was moved")
        return OperationResult(finished, created)

    async def _branch(self, branch: str) -> None:
        if await self._store.branches.get(branch) is None:
            raise Refused(404, "not_found", f"branch {branch!r} not found")

    async def _product(self, product_id: str) -> None:
        if await self._store.products.get(product_id) is None:
            raise Refused(404, "not_found", f"product {product_id!r} not found")

    async def _tracked(self, product_id: str) -> StockItem:
        await self._product(product_id)
        item = await self._store.stock_items.get(product_id)
        if not item.track:
            raise Refused(
                409,
                "not_tracked",
                f"product {product_id!r}'s stock is not counted: receive or count it first",
            )
        return item


def _one_line_each(lines: Sequence[OperationLine]) -> None:
    seen = [line.product_id for line in lines]
    if len(seen) != len(set(seen)):
        raise Refused(400, "bad_request", "list each product once")
    if not lines:
        raise Refused(400, "bad_request", "name at least one product")
