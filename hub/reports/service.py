"""Reports over any range of days: closed days read from their stored rollups, the days still open (today,
or a day with a session still running) folded from their records on each read.

A closed day's rollup is built once, from the day's indexed range reads, the first time a report needs it
(or by ``icafe reports rebuild``), and stored whole; from then on a report over a year reads 365 small
documents instead of hundreds of thousands of transactions. Why not counters incremented as the ledger is
written: the store has no multi-document transactions, so an increment and the transaction it counts could
not be written together, and a crash or retry between them would count money twice or not at all. A day
folded whole from its records is exact by construction and harmless to build twice.

A day is closed once it ended :data:`CLOSED_AFTER_MS` ago (the ledger stamps a transaction with the time
it is posted, so nothing lands in a closed day) and none of its sessions is still pending or running.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from hub.clock import now_ms
from hub.errors import Refused
from hub.reports import views
from hub.reports.calendar import DateRange, Grouping, day_end, day_of, day_start, zone
from hub.reports.facts import SECTIONS, Facts, fold_session, fold_transaction
from hub.store import Store
from hub.store.branches import BranchRecord
from hub.store.reports import ReportRepository

CLOSED_AFTER_MS = 15 * 60_000
UNLOCK, STOP = "pc.command", "session.stop"


class Reports:
    def __init__(
        self, store: Store, reports: ReportRepository, default_branch: str, clock: Callable[[], int] = now_ms
    ) -> None:
        self._store = store
        self._rollups = reports
        self.default_branch = default_branch
        self._clock = clock

    async def branch(self, branch_id: str | None) -> BranchRecord:
        branch = await self._store.branches.get(branch_id or self.default_branch)
        if branch is None:
            raise Refused(404, "not_found", f"branch {branch_id!r} not found: see GET /api/v1/branches")
        # A zone's first use reads its file: off the loop (ZoneInfo keeps it for the calls after).
        await asyncio.to_thread(zone, branch.timezone)
        return branch

    def today(self, branch: BranchRecord) -> dt.date:
        return day_of(self._clock(), zone(branch.timezone))

    # ---- the days' facts ----------------------------------------------------------------------------

    async def zones(self, branch: BranchRecord) -> dict[str, str]:
        """Every PC of the branch and its zone (the name of its group; "" without one)."""
        names = {group.id: group.name for group in await self._store.tariffs.groups()}
        pcs, _ = await self._store.pcs.page(site=branch.id, limit=100_000)
        return {pc.id: names.get(pc.group or "", pc.group or "") for pc in pcs}

    async def fold_day(self, branch: BranchRecord, day: dt.date, zones: dict[str, str]) -> Facts:
        """The day's facts, from its records (a full recomputation of one day)."""
        tz = zone(branch.timezone)
        start, end = day_start(day, tz), day_end(day, tz)
        facts = Facts()
        async for tx in self._rollups.transactions(branch.id, start, end):
            fold_transaction(facts, tx)
        async for session in self._rollups.sessions(start, end):
            if session.pc_id in zones:
                fold_session(facts, session, zones, tz)
        return facts

    def closed(self, branch: BranchRecord, day: dt.date, facts: Facts) -> bool:
        ended = day_end(day, zone(branch.timezone)) + CLOSED_AFTER_MS <= self._clock()
        still_open = sum(values[3] for values in facts.rows("usage").values())
        return ended and not still_open

    async def days(
        self, branch: BranchRecord, span: DateRange, sections: Iterable[str] = SECTIONS
    ) -> dict[dt.date, Facts]:
        """Each day's facts in ``span`` up to today: stored ones read, the rest folded (and stored once
        closed)."""
        wanted = list(sections)
        last = min(span.last, self.today(branch))
        if last < span.first:
            return {}
        stored = await self._rollups.days(branch.id, span.first, last, wanted)
        days = {day: Facts.from_document(doc) for day, doc in stored.items()}
        zones: dict[str, str] | None = None
        for day in DateRange(span.first, last).each():
            if day in days:
                continue
            zones = zones if zones is not None else await self.zones(branch)
            facts = await self.fold_day(branch, day, zones)
            if self.closed(branch, day, facts):
                await self._rollups.save_day(branch.id, day, facts.to_document(), self._clock())
            days[day] = facts
        return days

    async def rebuild(self, branch: BranchRecord) -> int:
        """Drop the branch's rollups and build every closed day again from its records; how many."""
        await self._rollups.drop_days(branch.id)
        starts = [
            at
            for at in (await self._rollups.first_activity(branch.id), await self._rollups.first_session())
            if at is not None
        ]
        if not starts:
            return 0
        tz = zone(branch.timezone)
        span = DateRange(day_of(min(starts), tz), self.today(branch))
        zones = await self.zones(branch)
        built = 0
        for day in span.each():
            facts = await self.fold_day(branch, day, zones)
            if self.closed(branch, day, facts):
                await self._rollups.save_day(branch.id, day, facts.to_document(), self._clock())
                built += 1
        return built

    # ---- the reports --------------------------------------------------------------------------------

    async def takings(self, branch: BranchRecord, span: DateRange, group: Grouping) -> dict[str, Any]:
        return views.takings(await self.days(branch, span, ["takings"]), group)

    async def outstanding(self, last: dt.date, tz: ZoneInfo) -> views.Outstanding:
        """Members' and vouchers' balances at the end of ``last``, over every branch's days."""
        history: list[Facts] = []
        for branch in await self._store.branches.all():
            await asyncio.to_thread(zone, branch.timezone)
            first = await self._rollups.first_activity(branch.id)
            first_day = day_of(first, zone(branch.timezone)) if first is not None else None
            if first_day is not None and first_day <= last:
                history += (await self.days(branch, DateRange(first_day, last), ["accounts"])).values()
        return views.outstanding(history, day_end(last, tz))

    async def revenue(self, branch: BranchRecord, span: DateRange, group: Grouping) -> dict[str, Any]:
        days = await self.days(branch, span, ["accounts", "takings", "products", "zones"])
        held = await self.outstanding(min(span.last, self.today(branch)), zone(branch.timezone))
        return views.revenue(days, group, held)

    async def usage(self, branch: BranchRecord, span: DateRange, group: Grouping) -> dict[str, Any]:
        days = await self.days(branch, span, ["usage", "pcs", "zones", "hours"])
        return views.usage(days, group, span, await self.zones(branch))

    async def members(self, branch: BranchRecord, span: DateRange, group: Grouping) -> dict[str, Any]:
        tz = zone(branch.timezone)
        days = await self.days(branch, span, ["members"])
        start, end = span.bounds(tz)
        joined = [day_of(at, tz) for at in await self._rollups.members_joined(start, end)]
        active = list(views.active_members(days))
        logins = await self._rollups.member_logins(active) if active else {}
        balances = await self._store.ledger.balances([f"member:{member}" for member in active])
        return views.members(
            days,
            group,
            joined,
            logins,
            {account.split(":", 1)[1]: value for account, value in balances.items()},
        )

    async def staff(self, branch: BranchRecord, span: DateRange) -> dict[str, Any]:
        start, end = span.bounds(zone(branch.timezone))
        days = await self.days(branch, span, ["takings"])
        shifts = [
            views.ShiftFigures(
                shift.cashier,
                sum(
                    shift.counted.get(m, 0) - shift.expected.get(m, 0) for m in shift.expected | shift.counted
                )
                if shift.closed_at is not None
                else None,
            )
            for shift in await self._rollups.shifts(branch.id, start, end)
        ]
        pcs = await self.zones(branch)
        actions = [
            views.StaffAction(str(entry.get("actor")), "unlock")
            for entry in await self._rollups.audit_actions(UNLOCK, start, end)
            if (entry.get("details") or {}).get("type") == "unlock"
            and entry.get("outcome") == "success"
            and str(entry.get("target", "")).removeprefix("pc:") in pcs
        ]
        actions += [
            views.StaffAction(str(entry.get("actor")), "stop")
            for entry in await self._rollups.audit_actions(STOP, start, end)
            if (entry.get("details") or {}).get("pc_id") in pcs
        ]
        return views.staff(days, shifts, actions)
