"""Applying the PCs' journal events to the hub's session records.

Every handler is idempotent, and events of one session may arrive in any order (redelivery, several hub
replicas), so applying an event twice, or ``ended`` before ``started``, gives the same records. The charge
of a member's session is posted under the session's id as idempotency key: exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from hub.live import LiveState
from hub.metrics import HubMetrics
from hub.money.service import MoneyService
from hub.sessions.pricing import session_price
from hub.store import Store
from protocol import Event

log = logging.getLogger(__name__)

Data = dict[str, Any]
FLAG_OFFLINE = "offline"
FLAG_COST_MISMATCH = "cost_mismatch"
FLAG_CLOCK_JUMP = "clock_jump"
FLAG_NO_TARIFF = "tariff_missing"


class SessionProjection:
    def __init__(self, store: Store, live: LiveState, metrics: HubMetrics, money: MoneyService) -> None:
        self._store = store
        self._money = money
        self._live = live
        self._metrics = metrics
        self._handlers: dict[str, Callable[[str, Data, int], Awaitable[None]]] = {
            "session.started": self._started,
            "session.checkpoint": self._checkpoint,
            "session.extended": self._extended,
            "session.ended": self._ended,
            "clock.jump": self._clock_jump,
        }

    async def apply(self, pc_id: str, event: Event) -> None:
        handler = self._handlers.get(event.type)
        if handler is None:
            return  # other journal events are stored, not projected
        await handler(pc_id, dict(event.data), event.at)

    @staticmethod
    def _defaults(pc_id: str, data: Data, at: int) -> Data:
        """The fields of a session record first heard of from the PC (it began offline)."""
        return {
            "pc_id": pc_id,
            "kind": data.get("kind"),
            "member_id": data.get("member_id"),
            "tariff_id": data.get("tariff_id"),
            "created_at": at,
            "flags": [FLAG_OFFLINE] if data.get("offline") else [],
        }

    async def _started(self, pc_id: str, data: Data, at: int) -> None:
        session_id = str(data["session_id"])
        defaults = {**self._defaults(pc_id, data, at), "used_ms": 0}
        started = {"started_at": data.get("started_at", at), "ends_at": data.get("ends_at")}
        await self._store.sessions.record_started(session_id, defaults, started)
        await self._live.set_pc_session(pc_id, session_id)
        await self._live.publish({"type": "session.started", "session_id": session_id, "pc_id": pc_id})

    async def _checkpoint(self, pc_id: str, data: Data, at: int) -> None:
        await self._store.sessions.record_progress(
            str(data["session_id"]), int(data["used_ms"]), int(data["cost"])
        )
        await self._live.publish(
            {
                "type": "session.progress",
                "session_id": data["session_id"],
                "pc_id": pc_id,
                "used_ms": data["used_ms"],
                "cost": data["cost"],
            }
        )

    async def _extended(self, pc_id: str, data: Data, at: int) -> None:
        ends_at = data.get("ends_at")
        budget = data.get("budget")
        prepaid = data.get("prepaid_minutes")
        await self._store.sessions.record_extended(
            str(data["session_id"]),
            int(ends_at) if ends_at is not None else None,
            int(budget) if budget is not None else None,
            int(prepaid) if prepaid is not None else None,
        )

    async def _ended(self, pc_id: str, data: Data, at: int) -> None:
        store = self._store
        session_id = str(data["session_id"])
        started_at, used_ms = int(data["started_at"]), int(data["used_ms"])
        agent_cost = int(data["cost"])
        record = await store.sessions.get(session_id)
        tariff_id = str(data.get("tariff_id") or (record.tariff_id if record else ""))
        tariff = await store.tariffs.get(tariff_id)
        flags: list[str] = []
        if tariff is None:
            # Nothing to recompute with: the agent's figure stands, and a person must look.
            cost, flags = agent_cost, [FLAG_NO_TARIFF]
        else:
            cost = (await session_price(tariff, started_at, used_ms)).total
            if cost != agent_cost:
                flags.append(FLAG_COST_MISMATCH)
                log.warning("session %s: hub prices %d, agent %d", session_id, cost, agent_cost)
        ended = {
            "ended_at": int(data["ended_at"]),
            "end_reason": data.get("reason"),
            "used_ms": used_ms,
            "started_at": started_at,
            "agent_cost": agent_cost,
            "cost": cost,
        }
        member_id = data.get("member_id") or (record.member_id if record else None)
        if member_id:
            # The hub's price is charged through the ledger (it owns money); the session id makes it
            # exactly once, and a balance emptied meanwhile leaves the rest uncollected, never negative.
            # Charged before the session shows as ended, so "ended" always means "charged".
            pc = await store.pcs.get(pc_id)
            branch = pc.site if pc else self._money.default_branch
            await self._money.charge_session(session_id, str(member_id), cost, branch)
        elif data.get("kind", record.kind if record else None) == "prepaid":
            # Paid from a voucher at the PC: the minutes not used go back onto the voucher.
            await self._money.return_unused_voucher_value(session_id, cost)
        await store.sessions.record_ended(session_id, self._defaults(pc_id, data, at), ended)
        for flag in flags:
            await store.sessions.add_flag(session_id, flag)
        if member_id:
            await store.members.release_session(str(member_id), session_id)
        await self._live.clear_pc_session(pc_id, session_id)
        await self._live.publish(
            {
                "type": "session.ended",
                "session_id": session_id,
                "pc_id": pc_id,
                "cost": cost,
                "reason": data.get("reason"),
            }
        )

    async def _clock_jump(self, pc_id: str, data: Data, at: int) -> None:
        session_id = data.get("session_id")
        if session_id:
            await self._store.sessions.add_flag(str(session_id), FLAG_CLOCK_JUMP)
        log.warning("%s: the PC's clock jumped by %s ms", pc_id, data.get("delta_ms"))
