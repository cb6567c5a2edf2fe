"""Ordering sessions on PCs from the API: start, extend, stop.

The PC runs the session by itself (it owns time); the hub sends it an order with everything it needs —
who pays, the limit, the tariff — and waits for the agent to acknowledge, like any command.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass

from billing.ledger import member_account
from hub.clock import now_ms
from hub.commands import CommandService
from hub.errors import Refused
from hub.live import LiveState, LiveWaits
from hub.sessions.pricing import minutes_bought
from hub.store import PcRecord, Store
from hub.store.commands import CommandRecord, CommandState
from hub.store.sessions import SessionRecord, SessionState
from hub.store.tariffs import DEFAULT_GROUP
from protocol import CommandType, SessionKind, SessionOrder, TariffSpec

# How long stop() waits for the PC's "ended" journal event after the PC acknowledged the stop.
END_EVENT_WAIT_S = 3.0


@dataclass(frozen=True)
class GuestOrder:
    prepaid_minutes: int | None = None  # None: postpaid


class SessionService:
    def __init__(self, store: Store, commands: CommandService, live: LiveState) -> None:
        self._store = store
        self._commands = commands
        self._live = live
        self._ends = LiveWaits(live, "session.ended", "session_id")

    async def tariff_for(self, pc: PcRecord) -> TariffSpec:
        tariffs = self._store.tariffs
        group = await tariffs.group(pc.group or DEFAULT_GROUP) or await tariffs.group(DEFAULT_GROUP)
        tariff = await tariffs.get(group.tariff_id) if group else None
        if tariff is None:
            raise Refused(409, "no_tariff", f"no tariff for PC {pc.id}'s group; create one first")
        return tariff

    async def minutes_for_amount(self, pc_id: str, amount: int) -> int:
        """What ``amount`` buys now at ``pc_id``'s tariff; Refused if the PC cannot take a session."""
        pc = await self._pc_ready(pc_id)
        return await minutes_bought(await self.tariff_for(pc), now_ms(), amount)

    async def ready(self, pc_id: str) -> None:
        """Refused unless ``pc_id`` could take a session now (known, online, free, with a tariff)."""
        await self.tariff_for(await self._pc_ready(pc_id))

    async def _pc_ready(self, pc_id: str) -> PcRecord:
        pc = await self._store.pcs.get(pc_id)
        if pc is None:
            raise Refused(404, "not_found", f"PC {pc_id!r} not found")
        presence = (await self._live.presence([pc_id])).get(pc_id)
        if not presence or presence.get("status") != "online":
            raise Refused(409, "pc_offline", f"{pc_id} is offline; start the session when it is online")
        if await self._store.sessions.open_for_pc(pc_id):
            raise Refused(409, "pc_busy", f"{pc_id} already has a session; stop it first")
        return pc

    async def start(
        self, pc_id: str, *, member_id: str | None, guest: GuestOrder | None, staff: str
    ) -> SessionRecord:
        pc = await self._pc_ready(pc_id)
        tariff = await self.tariff_for(pc)
        session_id = uuid.uuid4().hex
        budget: int | None = None
        if member_id is not None:
            budget = await self._claim_member(member_id, session_id)
            kind = SessionKind.MEMBER
        elif guest is not None and guest.prepaid_minutes is not None:
            kind = SessionKind.PREPAID
        else:
            kind = SessionKind.POSTPAID
        order = SessionOrder(
            session_id=session_id,
            kind=kind,
            member_id=member_id,
            prepaid_minutes=guest.prepaid_minutes if guest else None,
            budget=budget,
            tariff=tariff,
        )
        record = SessionRecord(
            id=session_id,
            pc_id=pc.id,
            kind=kind,
            state=SessionState.PENDING,
            created_at=now_ms(),
            tariff_id=tariff.id,
            member_id=member_id,
            prepaid_minutes=order.prepaid_minutes,
            budget=budget,
            started_by=staff,
        )
        await self._store.sessions.insert(record)
        command = self._commands.new_command(CommandType.SESSION_START, session=order)
        try:
            outcome = await self._commands.deliver(pc, command, staff)
        except BaseException:
            await self._abandon(record, SessionState.EXPIRED)
            raise
        await self._settle_order(record, outcome)
        return await self.get(session_id)

    async def _claim_member(self, member_id: str, session_id: str) -> int:
        store = self._store
        if await store.members.get(member_id) is None:
            raise Refused(404, "not_found", f"member {member_id!r} not found")
        balance = await store.ledger.balance(member_account(member_id))
        if balance <= 0:
            raise Refused(402, "insufficient_balance", "the member's balance is empty; top it up first")
        if not await store.members.claim_session(member_id, session_id):
            raise Refused(409, "member_busy", "the member already has a session running")
        return balance

    async def _settle_order(self, record: SessionRecord, outcome: CommandRecord) -> None:
        if outcome.state is CommandState.DONE:
            # The live feed hears of the start from the PC's own "started" event (hub.sessions.projection).
            await self._store.sessions.set_state(
                record.id, SessionState.ACTIVE, only_from=[SessionState.PENDING]
            )
            return
        if outcome.state is CommandState.TIMEOUT:
            # The order may still be delivered before it expires; the sweeper settles it after that.
            raise Refused(504, "agent_timeout", f"{record.pc_id} did not acknowledge the session in time")
        await self._abandon(record, SessionState.REJECTED)
        raise Refused(409, "pc_refused", f"{record.pc_id} refused the session: {outcome.detail}")

    async def _abandon(self, record: SessionRecord, state: SessionState) -> None:
        await self._store.sessions.set_state(record.id, state, only_from=[SessionState.PENDING])
        if record.member_id:
            await self._store.members.release_session(record.member_id, record.id)

    async def get(self, session_id: str) -> SessionRecord:
        record = await self._store.sessions.get(session_id)
        if record is None:
            raise Refused(404, "not_found", f"session {session_id!r} not found")
        return record

    async def _active(self, session_id: str) -> tuple[SessionRecord, PcRecord]:
        record = await self.get(session_id)
        if record.state is not SessionState.ACTIVE:
            raise Refused(409, "not_active", f"session {session_id} is {record.state}")
        pc = await self._store.pcs.get(record.pc_id)
        assert pc is not None
        return record, pc

    async def stop(self, session_id: str, *, staff: str, reason: str) -> SessionRecord:
        _, pc = await self._active(session_id)
        command = self._commands.new_command(
            CommandType.SESSION_STOP, session_id=session_id, text=reason[:200]
        )
        with self._ends.expect(session_id) as ended:
            outcome = await self._commands.deliver(pc, command, staff)
            if outcome.state is CommandState.TIMEOUT:
                raise Refused(504, "agent_timeout", f"{pc.id} did not acknowledge the stop in time")
            if outcome.state is not CommandState.DONE:
                raise Refused(409, "pc_refused", f"{pc.id} refused to stop: {outcome.detail}")
            # The PC's "ended" event follows its acknowledgement; answer with the ended session if it
            # comes soon, else with the session as it stands (it ends when the event arrives).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ended, END_EVENT_WAIT_S)
        return await self.get(session_id)

    async def extend(self, session_id: str, *, minutes: int, staff: str) -> SessionRecord:
        """Prepaid guests buy more minutes; a member's limit follows their current balance."""
        record, pc = await self._active(session_id)
        tariff = await self._store.tariffs.get(record.tariff_id)
        if tariff is None:
            raise Refused(409, "no_tariff", f"tariff {record.tariff_id!r} no longer exists")
        prepaid, budget = record.prepaid_minutes, record.budget
        if record.kind is SessionKind.PREPAID:
            if minutes < 1:
                raise Refused(400, "bad_request", "minutes must be at least 1")
            prepaid = (prepaid or 0) + minutes
        elif record.kind is SessionKind.MEMBER and record.member_id:
            budget = await self._store.ledger.balance(member_account(record.member_id))
        else:
            raise Refused(409, "not_extendable", "a postpaid session has no limit to extend")
        order = SessionOrder(
            session_id=record.id,
            kind=record.kind,
            member_id=record.member_id,
            prepaid_minutes=prepaid,
            budget=budget,
            tariff=tariff,
        )
        command = self._commands.new_command(CommandType.SESSION_EXTEND, session=order)
        # Recorded before it is sent: the PC's "extended" event may arrive before its acknowledgement, and
        # the hub accepts only extensions it ordered (hub.sessions.checks.may_extend).
        await self._store.sessions.order_extension(record.id, budget, prepaid)
        outcome = await self._commands.deliver(pc, command, staff)
        if outcome.state is not CommandState.DONE:
            status = 504 if outcome.state is CommandState.TIMEOUT else 409
            raise Refused(status, "not_extended", outcome.detail)
        await self._store.sessions.record_extended(record.id, budget, prepaid)
        return await self.get(session_id)

    async def expire_stale_orders(self, older_than_ms: int) -> int:
        """Orders the PC never started (it was away until they expired) are closed and release the member."""
        stale = await self._store.sessions.pending_older_than(now_ms() - older_than_ms)
        for record in stale:
            await self._abandon(record, SessionState.EXPIRED)
        return len(stale)
