"""Applying the PCs' journal events to the hub's session records, after checking them.

A PC is believed only about its own sessions and only within the hub's bounds (``hub.sessions.checks``):
:meth:`SessionProjection.judge` reads what the hub knows and returns a :class:`Verdict`, either a
quarantine (the event changes nothing) or the effect to apply, computed from the hub's records: the member,
tariff, limits and price are the hub's; the agent's figures are only compared.

Every effect is idempotent, and events of one session may arrive in any order (redelivery, several hub
replicas), so applying one twice, or ``ended`` before ``started``, gives the same records. The charge of a
member's session is posted under the session's id as idempotency key: exactly once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from billing import MINUTE_MS, ends_at_for
from billing.wire import tariff_from_spec
from hub.alerts import AlertKind
from hub.live import LiveState
from hub.money.service import MoneyService
from hub.sessions.checks import (
    Bounded,
    Clock,
    Quarantine,
    QuarantineReason,
    bound_started_at,
    bound_used_ms,
    compared,
    may_extend,
    may_start,
    ordered_limits,
    owned,
)
from hub.sessions.pricing import session_price
from hub.store import PcRecord, Store
from hub.store.sessions import SessionRecord, SessionState
from protocol import (
    ClockJump,
    Event,
    SessionCheckpoint,
    SessionEnded,
    SessionExtended,
    SessionKind,
    SessionResumed,
    SessionStarted,
    TamperEvent,
    TariffSpec,
)

log = logging.getLogger(__name__)

FLAG_OFFLINE = "offline"
FLAG_UNVERIFIED = "unverified"
FLAG_BOUNDED = "bounded"
FLAG_COST_MISMATCH = "cost_mismatch"
FLAG_CLOCK_JUMP = "clock_jump"
FLAG_NO_TARIFF = "tariff_missing"
REVIEW_PENDING = "pending"

Effect = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Verdict:
    """What the hub makes of one event: quarantined (``quarantine`` set, no effect), or accepted with the
    ``effect`` to apply; either way the ``alerts`` to raise against the PC."""

    effect: Effect = _nothing
    quarantine: Quarantine | None = None
    alerts: tuple[Alert, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.quarantine is None


@dataclass(frozen=True)
class ProofCheck:
    """The hub's check of an offline session's proof (``hub.sessions.offline``): ``valid``, and when the
    member's verifier was given to the PC (no offline session of it can have started earlier)."""

    valid: bool
    why: str = ""
    issued_at: int | None = None


ProofChecker = Callable[[str, str, str, int, str | None], Awaitable[ProofCheck]]
TariffOf = Callable[[PcRecord], Awaitable[TariffSpec]]


async def no_offline_proofs(
    pc_id: str, session_id: str, member_id: str, started_at: int, proof: str | None
) -> ProofCheck:
    return ProofCheck(False, "this hub verifies no offline sessions")


@dataclass(frozen=True)
class ProjectionPolicy:
    """``clock_scale``: how much faster than real time a PC's clock may run (1 for real PCs; tests run
    simulated PCs faster). ``offline_credit``: what a member's offline session may cost at most."""

    clock_scale: float = 1.0
    offline_credit: int = 0


def _bounded_alert(session_id: str, notes: list[Bounded]) -> tuple[Alert, ...]:
    if not notes:
        return ()
    figures = {note.field: {"claimed": note.claimed, "used": note.used} for note in notes}
    message = f"session {session_id}: the PC claimed " + ", ".join(
        f"{note.field}={note.claimed} (the hub used {note.used})" for note in notes
    )
    return (Alert(AlertKind.SESSION_BOUNDED, message, {"session_id": session_id, "figures": figures}),)


class SessionProjection:
    def __init__(
        self,
        store: Store,
        live: LiveState,
        money: MoneyService,
        tariff_of: TariffOf,
        *,
        policy: ProjectionPolicy | None = None,
        proofs: ProofChecker = no_offline_proofs,
        clock: Callable[[], int],
    ) -> None:
        self._store = store
        self._money = money
        self._live = live
        self._tariff_of = tariff_of
        self._policy = policy or ProjectionPolicy()
        self._proofs = proofs
        self._now = clock

    def _clock(self) -> Clock:
        return Clock(self._now(), self._policy.clock_scale)

    async def judge(self, pc_id: str, event: Event) -> Verdict:
        """Check ``event`` from ``pc_id`` against the hub's records; never raises for a refused event."""
        payload = event.payload
        try:
            match payload:
                case SessionStarted():
                    return await self._started(pc_id, payload)
                case SessionCheckpoint():
                    return await self._checkpoint(pc_id, payload)
                case SessionExtended():
                    return await self._extended(pc_id, payload)
                case SessionEnded():
                    return await self._ended(pc_id, payload)
                case SessionResumed():
                    owned(await self._store.sessions.get(payload.session_id), pc_id, payload.session_id)
                    return Verdict()
                case ClockJump():
                    return await self._clock_jump(pc_id, payload)
                case TamperEvent():
                    return self._tamper(payload)
                case _:
                    raise Quarantine(
                        QuarantineReason.UNKNOWN_TYPE, f"this hub knows no {event.type!r} events"
                    )
        except Quarantine as refused:
            return Verdict(quarantine=refused)

    # ---- the hub's limits ------------------------------------------------------------------------
    async def _tariff(self, record: SessionRecord) -> TariffSpec | None:
        return await self._store.tariffs.get(record.tariff_id)

    async def _limit_ms(
        self, record: SessionRecord, tariff: TariffSpec | None, started_at: int
    ) -> int | None:
        """The longest the session may run under every limit the hub ordered (None: postpaid, no limit)."""
        limits = ordered_limits(record)
        if record.kind is SessionKind.PREPAID:
            return max((prepaid or 0) for _, prepaid in limits) * MINUTE_MS
        if record.kind is SessionKind.MEMBER:
            budget = max((b or 0) for b, _ in limits)
            if tariff is None:
                return 0
            spec = tariff

            def bought() -> int:
                return ends_at_for(tariff_from_spec(spec), started_at, budget) - started_at

            return await asyncio.to_thread(bought)
        return None

    # ---- offline sessions ------------------------------------------------------------------------
    async def _offline_record(
        self, pc_id: str, data: SessionStarted | SessionEnded
    ) -> tuple[SessionRecord, tuple[Alert, ...]]:
        """A session the hub never ordered is the PC's only if it began offline, for an existing member;
        it is verified by the proof made from the member's secret, or else flagged and charges nothing."""
        session_id = data.session_id
        if not data.offline or data.kind is not SessionKind.MEMBER or data.member_id is None:
            raise Quarantine(QuarantineReason.UNKNOWN_SESSION, f"the hub has no session {session_id}")
        if await self._store.members.get(data.member_id) is None:
            raise Quarantine(QuarantineReason.UNKNOWN_MEMBER, f"no member {data.member_id}")
        pc = await self._store.pcs.get(pc_id)
        if pc is None:
            raise Quarantine(QuarantineReason.UNKNOWN_SESSION, f"the hub has no record of PC {pc_id}")
        tariff = await self._tariff_of(pc)
        check = await self._proofs(pc_id, session_id, data.member_id, data.started_at, data.proof)
        clock = self._clock()
        earliest = check.issued_at if check.valid and check.issued_at is not None else data.started_at
        started_at, notes = bound_started_at(data.started_at, earliest, clock)
        flags = [FLAG_OFFLINE] + ([] if check.valid else [FLAG_UNVERIFIED])
        record = SessionRecord(
            id=session_id,
            pc_id=pc_id,
            kind=SessionKind.MEMBER,
            state=SessionState.ACTIVE,
            created_at=started_at,
            tariff_id=tariff.id,
            member_id=data.member_id,
            budget=self._policy.offline_credit,
            started_by="offline",
            started_at=started_at,
            flags=flags,
            review=None if check.valid else REVIEW_PENDING,
        )
        alerts = _bounded_alert(session_id, notes)
        if not check.valid:
            alerts += (
                Alert(
                    AlertKind.OFFLINE_UNVERIFIED,
                    f"offline session {session_id} for member {data.member_id} has no valid proof "
                    f"({check.why}); it charges nothing until staff review it",
                    {"session_id": session_id, "member_id": data.member_id, "why": check.why},
                ),
            )
        return record, alerts

    # ---- events ----------------------------------------------------------------------------------
    async def _started(self, pc_id: str, data: SessionStarted) -> Verdict:
        store = self._store
        record = await store.sessions.get(data.session_id)
        alerts: tuple[Alert, ...] = ()
        created = None
        if record is None:
            created, alerts = await self._offline_record(pc_id, data)
            record = created
        record = owned(record, pc_id, data.session_id)
        may_start(record)
        notes = self._identity(data, record)
        started_at = record.started_at
        if started_at is None:
            started_at, more = bound_started_at(data.started_at, record.created_at, self._clock())
            notes += more
        elif created is None and started_at != data.started_at:
            notes.append(Bounded("started_at", data.started_at, started_at))
        tariff = await self._tariff(record)
        limit = await self._limit_ms(record, tariff, started_at)
        ends_at = started_at + limit if limit is not None else None

        async def effect() -> None:
            inserted = created is not None and await store.sessions.insert_if_absent(created)
            first = await store.sessions.record_started(
                data.session_id, {"started_at": started_at, "ends_at": ends_at}
            )
            await self._flag(data.session_id, [FLAG_BOUNDED] if notes else [])
            await self._live.set_pc_session(pc_id, data.session_id)
            if inserted or first:  # once per session, not again for a redelivered event
                await self._live.publish(
                    {"type": "session.started", "session_id": data.session_id, "pc_id": pc_id}
                )

        return Verdict(effect, alerts=alerts + _bounded_alert(data.session_id, notes))

    @staticmethod
    def _identity(data: SessionStarted | SessionEnded, record: SessionRecord) -> list[Bounded]:
        return [
            *compared("member_id", data.member_id, record.member_id),
            *compared("kind", data.kind.value, record.kind),
            *compared("tariff_id", data.tariff_id, record.tariff_id),
        ]

    async def _checkpoint(self, pc_id: str, data: SessionCheckpoint) -> Verdict:
        store = self._store
        record = owned(await store.sessions.get(data.session_id), pc_id, data.session_id)
        if record.state is SessionState.ENDED:
            return Verdict()  # a late checkpoint: the end has settled everything
        started_at = record.started_at if record.started_at is not None else record.created_at
        limit = await self._limit_ms(record, await self._tariff(record), started_at)
        used_ms, notes = bound_used_ms(data.used_ms, limit, record.created_at, self._clock())

        async def effect() -> None:
            await store.sessions.record_progress(data.session_id, used_ms, data.cost)
            await self._flag(data.session_id, [FLAG_BOUNDED] if notes else [])
            await self._live.publish(
                {
                    "type": "session.progress",
                    "session_id": data.session_id,
                    "pc_id": pc_id,
                    "used_ms": used_ms,
                    "cost": data.cost,
                }
            )

        return Verdict(effect, alerts=_bounded_alert(data.session_id, notes))

    async def _extended(self, pc_id: str, data: SessionExtended) -> Verdict:
        store = self._store
        record = owned(await store.sessions.get(data.session_id), pc_id, data.session_id)
        may_extend(record, data.budget, data.prepaid_minutes)
        # The hub's own end for the order the PC confirms (the limits themselves were recorded when ordered).
        confirmed = replace(
            record, budget=data.budget, prepaid_minutes=data.prepaid_minutes, ordered_limits=[]
        )
        started_at = record.started_at if record.started_at is not None else record.created_at
        limit = await self._limit_ms(confirmed, await self._tariff(record), started_at)
        ends_at = started_at + limit if limit is not None else None

        async def effect() -> None:
            await store.sessions.set_ends_at(data.session_id, ends_at)

        return Verdict(effect)

    async def _ended(self, pc_id: str, data: SessionEnded) -> Verdict:
        store = self._store
        record = await store.sessions.get(data.session_id)
        alerts: tuple[Alert, ...] = ()
        created = None
        if record is None:
            created, alerts = await self._offline_record(pc_id, data)
            record = created
        record = owned(record, pc_id, data.session_id)
        if record.state is SessionState.ENDED:
            return Verdict(lambda: self._settle(pc_id, record, record.cost or 0))
        notes = self._identity(data, record)
        clock = self._clock()
        started_at = record.started_at
        if started_at is None:
            started_at, more = bound_started_at(data.started_at, record.created_at, clock)
            notes += more
        tariff = await self._tariff(record)
        limit = await self._limit_ms(record, tariff, started_at)
        since = record.created_at if created is None and FLAG_OFFLINE not in record.flags else started_at
        used_ms, more = bound_used_ms(data.used_ms, limit, since, clock)
        notes += more
        flags = [FLAG_BOUNDED] if notes else []
        if tariff is None:
            cost = 0  # nothing to price with: a person must look (the agent's figure is never charged)
            flags.append(FLAG_NO_TARIFF)
        else:
            cost = (await session_price(tariff, started_at, used_ms)).total
            if cost != data.cost:
                flags.append(FLAG_COST_MISMATCH)
                log.warning("session %s: hub prices %d, agent %d", data.session_id, cost, data.cost)
        ended = {
            "ended_at": started_at + used_ms,
            "end_reason": data.reason,
            "used_ms": used_ms,
            "started_at": started_at,
            "agent_cost": data.cost,
            "cost": cost,
        }
        final = record

        async def effect() -> None:
            if created is not None:
                await store.sessions.insert_if_absent(created)
            # Charged before the session shows as ended, so "ended" always means "charged".
            await self._charge(pc_id, final, cost)
            first = await store.sessions.record_ended(data.session_id, ended)
            await self._flag(data.session_id, flags)
            # Announced once: a replica applying the same event again settles but says nothing.
            await self._settle(pc_id, final, cost, reason=data.reason if first else None)

        return Verdict(effect, alerts=alerts + _bounded_alert(data.session_id, notes))

    async def _charge(self, pc_id: str, record: SessionRecord, cost: int) -> None:
        if FLAG_UNVERIFIED in record.flags:
            return  # staff decide (POST /sessions/{id}/review)
        if record.kind is SessionKind.MEMBER and record.member_id:
            # The hub's price through the ledger, once (the session id is the key); a balance emptied
            # meanwhile leaves the rest uncollected, never negative.
            pc = await self._store.pcs.get(pc_id)
            branch = pc.site if pc else self._money.default_branch
            await self._money.charge_session(record.id, record.member_id, cost, branch)
        elif record.kind is SessionKind.PREPAID:
            # Paid from a voucher at the PC: the minutes not used go back onto the voucher.
            await self._money.return_unused_voucher_value(record.id, cost)

    async def _settle(
        self, pc_id: str, record: SessionRecord, cost: int, *, reason: str | None = None
    ) -> None:
        """What follows an end; idempotent, so a redelivered end heals a crash half-way through."""
        if record.member_id:
            await self._store.members.release_session(record.member_id, record.id)
        await self._live.clear_pc_session(pc_id, record.id)
        if reason is not None:
            await self._live.publish(
                {
                    "type": "session.ended",
                    "session_id": record.id,
                    "pc_id": pc_id,
                    "cost": cost,
                    "reason": reason,
                }
            )

    def _tamper(self, data: TamperEvent) -> Verdict:
        """Nothing to change in the records: an alert for staff, raised once per journal event (only
        when the event is first stored), pushed live as ``pc.alert``."""
        details = {"type": data.type, **data.to_data()}
        what = ", ".join(f"{key}={value}" for key, value in data.to_data().items() if value is not None)
        message = f"{data.type}: {what}" + (
            " (the PC stays locked until staff come)" if data.lockdown else ""
        )
        return Verdict(alerts=(Alert(AlertKind.TAMPER, message, details),))

    async def _clock_jump(self, pc_id: str, data: ClockJump) -> Verdict:
        session_id = data.session_id
        log.warning("%s: the PC's clock jumped by %s ms", pc_id, data.delta_ms)
        if session_id is None:
            return Verdict()
        owned(await self._store.sessions.get(session_id), pc_id, session_id)
        return Verdict(lambda: self._flag(session_id, [FLAG_CLOCK_JUMP]))

    async def _flag(self, session_id: str, flags: list[str]) -> None:
        for flag in flags:
            await self._store.sessions.add_flag(session_id, flag)
