"""Alerts: something staff should look at. Most concern a PC (a quarantined event, a burst of failed
logins...); a stock alert concerns a product at a branch (``branch`` and ``product_id`` instead of
``pc_id``: its stock fell to the low-stock level); a system alert concerns the hub's site as a whole
(``system`` is the site: its broker down, a store outage, backups overdue).

One alert per (PC, kind), or per (branch, product, kind), is open at a time: a repeat of the same kind
adds to its count and moves its ``last_at`` rather than adding a row, so a PC that keeps misbehaving
cannot flood the console. An alert goes from ``open`` to ``acknowledged`` (someone is on it; repeats
still add to it) to ``resolved`` (closed; the next repeat opens a new alert). Its ``slot`` is
``<pc>:<kind>`` (a stock alert's ``stock:<branch>/<product>:<kind>``, a system alert's
``system:<site>:<kind>``) while it is not resolved, and
unique: that is what makes concurrent repeats, on any hub replica, land on the one alert.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from hub.store.counting import count_matching

Document = dict[str, Any]

OPEN = "open"
ACKNOWLEDGED = "acknowledged"
RESOLVED = "resolved"
UNRESOLVED = (OPEN, ACKNOWLEDGED)


@dataclass(frozen=True)
class AlertRecord:
    id: str
    pc_id: str | None  # None: a stock alert, about ``product_id`` at ``branch``
    kind: str
    state: str
    message: str
    first_at: int
    last_at: int
    count: int
    details: dict[str, Any] = field(default_factory=dict)
    updated_by: str | None = None
    updated_at: int | None = None
    branch: str | None = None
    product_id: str | None = None
    system: str | None = None  # a system alert's site (``pc_id``, ``branch`` and ``product_id`` are None)

    @classmethod
    def from_document(cls, doc: Document) -> AlertRecord:
        return cls(
            id=doc["_id"],
            pc_id=doc.get("pc_id"),
            kind=doc["kind"],
            state=doc["state"],
            message=doc.get("message", ""),
            first_at=int(doc["first_at"]),
            last_at=int(doc["last_at"]),
            count=int(doc.get("count", 1)),
            details=doc.get("details") or {},
            updated_by=doc.get("updated_by"),
            updated_at=doc.get("updated_at"),
            branch=doc.get("branch"),
            product_id=doc.get("product_id"),
            system=doc.get("system"),
        )


def _slot(pc_id: str, kind: str) -> str:
    return f"{pc_id}:{kind}"


def _stock_slot(branch: str, product_id: str, kind: str) -> str:
    return f"stock:{branch}/{product_id}:{kind}"


def _system_slot(site: str, kind: str) -> str:
    return f"system:{site}:{kind}"


class AlertRepository:
    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._alerts = collection

    async def create_indexes(self) -> None:
        await self._alerts.create_index("slot", unique=True)
        await self._alerts.create_index([("pc_id", ASCENDING), ("state", ASCENDING)])
        for name in ("pc_id", "state", "branch"):  # of their own (hub.store)
            await self._alerts.create_index([(name, ASCENDING)])
        await self._alerts.create_index([("last_at", DESCENDING)])

    async def raise_alert(
        self, pc_id: str, kind: str, message: str, details: Document, at: int
    ) -> AlertRecord:
        """Open an alert of ``kind`` for ``pc_id``, or add this occurrence to the one not yet resolved."""
        return await self._raise(_slot(pc_id, kind), {"pc_id": pc_id}, kind, message, details, at)

    async def raise_stock_alert(
        self, branch: str, product_id: str, kind: str, message: str, details: Document, at: int
    ) -> AlertRecord:
        """Open an alert of ``kind`` about a product at a branch, or add to the one not yet resolved."""
        subject = {"branch": branch, "product_id": product_id}
        return await self._raise(_stock_slot(branch, product_id, kind), subject, kind, message, details, at)

    async def raise_system_alert(
        self, site: str, kind: str, message: str, details: Document, at: int
    ) -> AlertRecord:
        """Open an alert of ``kind`` about the site as a whole, or add to the one not yet resolved: every
        replica of the site's hub lands on the same one (the slot names the site, not the replica)."""
        return await self._raise(_system_slot(site, kind), {"system": site}, kind, message, details, at)

    async def resolve_system_alert(self, site: str, kind: str, *, by: str, at: int) -> AlertRecord | None:
        """Resolve the site's unresolved system alert of ``kind``; None when there is none."""
        doc = await self._alerts.find_one({"slot": _system_slot(site, kind)}, {"_id": 1})
        if doc is None:
            return None
        return await self.set_state(str(doc["_id"]), RESOLVED, by=by, at=at)

    async def resolve_pc_alert(self, pc_id: str, kind: str, *, by: str, at: int) -> AlertRecord | None:
        """Resolve the PC's unresolved alert of ``kind`` (its cause is over); None when there is none."""
        doc = await self._alerts.find_one({"slot": _slot(pc_id, kind)}, {"_id": 1})
        if doc is None:
            return None
        return await self.set_state(str(doc["_id"]), RESOLVED, by=by, at=at)

    async def resolve_stock_alert(
        self, branch: str, product_id: str, kind: str, *, by: str, at: int
    ) -> AlertRecord | None:
        """Resolve the product's unresolved alert of ``kind`` at the branch; None when there is none."""
        doc = await self._alerts.find_one({"slot": _stock_slot(branch, product_id, kind)}, {"_id": 1})
        if doc is None:
            return None
        return await self.set_state(str(doc["_id"]), RESOLVED, by=by, at=at)

    async def _raise(
        self, slot: str, subject: Document, kind: str, message: str, details: Document, at: int
    ) -> AlertRecord:
        update: Document = {
            "$inc": {"count": 1},
            "$set": {"last_at": at, "message": message, "details": details},
            "$setOnInsert": {
                "_id": uuid.uuid4().hex,
                **subject,
                "kind": kind,
                "state": OPEN,
                "first_at": at,
            },
        }
        try:
            await self._alerts.update_one({"slot": slot}, update, upsert=True)
        except DuplicateKeyError:
            # Another replica opened it in the same instant: add to theirs.
            await self._alerts.update_one({"slot": slot}, update)
        doc = await self._alerts.find_one({"slot": slot})
        assert doc is not None
        return AlertRecord.from_document(doc)

    async def set_state(self, alert_id: str, state: str, *, by: str, at: int) -> AlertRecord | None:
        """Acknowledge or resolve (for the operations work to come); a resolved alert frees its slot."""
        doc = await self._alerts.find_one({"_id": alert_id})
        if doc is None:
            return None
        fields: Document = {"state": state, "updated_by": by, "updated_at": at}
        if state == RESOLVED:
            fields["slot"] = f"{doc['slot']}:{alert_id}"
        await self._alerts.update_one({"_id": alert_id, "state": {"$ne": RESOLVED}}, {"$set": fields})
        found = await self._alerts.find_one({"_id": alert_id})
        return AlertRecord.from_document(found) if found else None

    async def unresolved_for_pc(self, pc_id: str, *, limit: int = 50) -> list[AlertRecord]:
        cursor = self._alerts.find({"pc_id": pc_id, "state": {"$in": list(UNRESOLVED)}})
        return [
            AlertRecord.from_document(doc) async for doc in cursor.sort("last_at", DESCENDING).limit(limit)
        ]

    async def unresolved_for_branch(self, branch: str, *, limit: int = 200) -> list[AlertRecord]:
        """A branch's unresolved stock alerts, newest first."""
        cursor = self._alerts.find({"branch": branch, "state": {"$in": list(UNRESOLVED)}})
        return [
            AlertRecord.from_document(doc) async for doc in cursor.sort("last_at", DESCENDING).limit(limit)
        ]

    async def get(self, alert_id: str) -> AlertRecord | None:
        doc = await self._alerts.find_one({"_id": alert_id})
        return AlertRecord.from_document(doc) if doc else None

    async def page(
        self, states: tuple[str, ...], filters: Document, *, skip: int = 0, limit: int = 100
    ) -> tuple[list[AlertRecord], int]:
        """Alerts in any of ``states`` matching ``filters`` (kind, pc_id, branch), newest first. One query
        per state, each an equality on it (the embedded store answers "$in" with no index), merged."""
        found: list[AlertRecord] = []
        total = 0
        for state in states:
            query = {"state": state, **filters}
            total += await count_matching(self._alerts, query)
            cursor = self._alerts.find(query).sort("last_at", DESCENDING).limit(skip + limit)
            found += [AlertRecord.from_document(doc) async for doc in cursor]
        found.sort(key=lambda alert: (-alert.last_at, alert.id))
        return found[skip : skip + limit], total

    async def unresolved_by_kind(self) -> dict[str, int]:
        """How many alerts of each kind are open or acknowledged (PCs' and stock's alike)."""
        counts: dict[str, int] = {}
        for state in UNRESOLVED:  # an equality each, on the state's own index
            async for doc in self._alerts.find({"state": state}, {"kind": 1}):
                counts[doc["kind"]] = counts.get(doc["kind"], 0) + 1
        return counts

    async def unresolved_counts(self, pc_ids: list[str]) -> dict[str, int]:
        if not pc_ids:
            return {}
        counts: dict[str, int] = {}
        for state in UNRESOLVED:  # an equality each: the embedded store answers "$in" with no index
            cursor = self._alerts.find({"state": state, "pc_id": {"$in": pc_ids}}, {"pc_id": 1})
            async for doc in cursor:
                counts[doc["pc_id"]] = counts.get(doc["pc_id"], 0) + 1
        return counts
