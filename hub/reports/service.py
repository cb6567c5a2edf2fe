"""Reports over any range of days: closed months and days read from their stored rollups, the days still
open (today, or a day with a session still running) folded from their records on each read.

A closed day's rollup is built once, from the day's indexed range reads, the first time a report needs it
(or by ``icafe reports rebuild``), and stored whole; a calendar month whose days are all closed is stored
too, as the sum of its days. A report over a year then reads about twelve month documents and the days
of the months it cuts (``hub.store.reports``: a query each) instead of hundreds of thousands of
transactions. Balances at the end of a range add the range's own rollup to what came before it: the
running total stored for the last closed month before it (every day of the branch up to that month's
end) and the days after that month (``balances``). Why not counters incremented as the ledger is
written: the store has no multi-document transactions, so an increment and the transaction it counts
could not be written together, and a crash or retry between them would count money twice or not at
all. A day folded whole from its records is exact by construction and harmless to build twice, and so
is a month summed from closed days, and a running total summed from closed months.

A day is closed once it ended :data:`CLOSED_AFTER_MS` ago (the ledger stamps a transaction with the time
it is posted, so nothing lands in a closed day) and none of its sessions is still pending or running.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterable
from itertools import takewhile
from typing import Any
from zoneinfo import ZoneInfo

from hub.clock import now_ms
from hub.errors import Refused
from hub.reports import views
from hub.reports.calendar import (
    DateRange,
    Grouping,
    day_end,
    day_of,
    day_start,
    last_month_end,
    month_days,
    month_pieces,
    split_months,
    zone,
)
from hub.reports.facts import (
    RUNNING_SECTIONS,
    SECTIONS,
    Facts,
    add_daily,
    fold_session,
    fold_transaction,
    merge_all,
    only,
    running_totals,
)
from hub.store import Store
from hub.store.branches import BranchRecord
from hub.store.reports import ReportRepository

CLOSED_AFTER_MS = 15 * 60_000
# The sections folded from the ledger alone ("daily" then counts no sessions: only takings read it so).
LEDGER_SECTIONS = frozenset({"desk", "shifts", "accounts", "products", "daily"})
UNLOCK, STOP = "pc.command", "session.stop"


class Reports:
    def __init__(
        self, store: Store, reports: ReportRepository, default_branch: str, clock: Callable[[], int] = now_ms
    ) -> None:
        self._store = store
        self._rollups = reports
        self.default_branch = default_branch
        self._clock = clock
        # Within one report (a Reports lives for a request): the days folded live and the PCs' zones, which
        # a report asking for the period and the whole history would otherwise read twice.
        self._folded: dict[tuple[str, dt.date, bool], Facts] = {}
        self._closed: set[tuple[str, dt.date]] = set()  # days read from or written to their rollups
        self._zones: dict[str, dict[str, str]] = {}

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
        if branch.id not in self._zones:
            names = {group.id: group.name for group in await self._store.tariffs.groups()}
            pcs, _ = await self._store.pcs.page(site=branch.id, limit=100_000)
            self._zones[branch.id] = {pc.id: names.get(pc.group or "", pc.group or "") for pc in pcs}
        return self._zones[branch.id]

    async def fold_day(self, branch: BranchRecord, day: dt.date, zones: dict[str, str] | None) -> Facts:
        """The day's facts, from its records (a full recomputation of one day); without ``zones``, from
        the ledger alone (no sessions, no new members)."""
        tz = zone(branch.timezone)
        start, end = day_start(day, tz), day_end(day, tz)
        facts = Facts()
        async for tx in self._rollups.transactions(branch.id, start, end):
            fold_transaction(facts, tx)
        if zones is not None:
            async for session in self._rollups.sessions(start, end):
                if session.pc_id in zones:
                    fold_session(facts, session, zones, tz)
            joined = len(await self._rollups.members_joined(start, end))
            if joined:
                facts.add("joined", (day.isoformat(),), joined)
        return add_daily(facts, day)

    def over(self, branch: BranchRecord, day: dt.date) -> bool:
        return day_end(day, zone(branch.timezone)) + CLOSED_AFTER_MS <= self._clock()

    def closed(self, branch: BranchRecord, day: dt.date, facts: Facts) -> bool:
        still_open = sum(values[3] for values in facts.rows("usage").values())
        return self.over(branch, day) and not still_open

    async def days(
        self, branch: BranchRecord, span: DateRange, sections: Iterable[str] = SECTIONS
    ) -> dict[dt.date, Facts]:
        """Each day's facts in ``span`` up to today: stored ones read, the rest folded (and stored once
        closed)."""
        wanted = list(sections)
        needs_sessions = not set(wanted) <= LEDGER_SECTIONS
        last = min(span.last, self.today(branch))
        if last < span.first:
            return {}
        stored = await self._rollups.days(branch.id, span.first, last, wanted)
        days = {day: Facts.from_document(doc) for day, doc in stored.items()}
        self._closed.update((branch.id, day) for day in days)
        for day in DateRange(span.first, last).each():
            if day in days:
                continue
            # A day still open is folded for what is asked only; one over is folded whole, to be kept.
            whole = needs_sessions or self.over(branch, day)
            facts = self._folded.get((branch.id, day, whole))
            if facts is None:
                facts = await self.fold_day(branch, day, await self.zones(branch) if whole else None)
                self._folded[(branch.id, day, whole)] = facts
                if whole and self.closed(branch, day, facts):
                    await self._rollups.save_day(branch.id, day, facts.to_document(), self._clock())
                    self._closed.add((branch.id, day))
            days[day] = facts
        return days

    async def month(self, branch: BranchRecord, month: dt.date, sections: list[str]) -> Facts:
        """A month's facts summed from its days, and stored once every day is closed."""
        days = month_days(month)
        facts = merge_all((await self.days(branch, days, sections)).values())
        if all((branch.id, day) in self._closed for day in days.each()):
            await self._rollups.save_month(branch.id, month, facts.to_document(sections), self._clock())
        return facts

    async def rollup(
        self, branch: BranchRecord, span: DateRange, sections: Iterable[str] = SECTIONS
    ) -> views.Rollup:
        """The facts of every day in ``span`` up to today, merged: the months it holds that are over read
        from their rollups (or summed from their days and stored), the days around them as in ``days``."""
        wanted = list(sections)
        last = min(span.last, self.today(branch))
        if last < span.first:
            return views.Rollup(Facts(), ())
        covered = DateRange(span.first, last)
        months, stretches = split_months(covered)
        over = [month for month in months if self.over(branch, month_days(month).last)]
        stretches += [month_days(month) for month in months if month not in over]
        total, parts = Facts(), []
        if over:
            stored = await self._rollups.months(branch.id, over[0], over[-1], wanted)
            total.add_documents(stored.values())
            parts += [await self.month(branch, month, wanted) for month in over if month not in stored]
        for stretch in stretches:
            parts += (await self.days(branch, stretch, wanted)).values()
        return views.Rollup(merge_all(parts, into=total), tuple(covered.each()))

    async def rebuild(self, branch: BranchRecord) -> int:
        """Drop the branch's rollups and build every closed day and month again from the records, and the
        running totals of the months up to the first day not closed; how many days."""
        await self._rollups.drop_days(branch.id)
        first = await self._rollups.first_activity(branch.id)
        starts = [at for at in (first, await self._rollups.first_session()) if at is not None]
        if not starts:
            return 0
        tz = zone(branch.timezone)
        since = day_of(first, tz) if first is not None else None
        span = DateRange(day_of(min(starts), tz).replace(day=1), self.today(branch))
        zones = await self.zones(branch)
        built = 0
        month: list[Facts] = []  # the days of the month so far, while every one is closed
        running, chained = Facts(), True  # every day since the first activity, while every one is closed
        for day in span.each():
            if day.day == 1:
                month = []
            facts = await self.fold_day(branch, day, zones)
            closed = self.closed(branch, day, facts)
            if closed:
                await self._rollups.save_day(branch.id, day, facts.to_document(), self._clock())
                built += 1
                if len(month) == day.day - 1:
                    month.append(facts)
            if len(month) == month_days(day).days:
                await self._rollups.save_month(
                    branch.id, day.replace(day=1), merge_all(month).to_document(), self._clock()
                )
            if since is None or day < since:
                continue
            chained = chained and closed
            if chained:
                merge_all([only(facts, RUNNING_SECTIONS)], into=running)
                if day == month_days(day).last:
                    await self._rollups.save_running(
                        branch.id, day, since, running.to_document(RUNNING_SECTIONS), self._clock()
                    )
        return built

    async def first_day(self, branch: BranchRecord) -> dt.date | None:
        """The day of the branch's first transaction: where its balances start."""
        first = await self._rollups.first_activity(branch.id)
        return day_of(first, zone(branch.timezone)) if first is not None else None

    async def balances(
        self, branch: BranchRecord, since: dt.date, last: dt.date, sections: list[str]
    ) -> Facts:
        """The branch's days from ``since`` (its first day) to ``last`` merged, for ``sections``. For those
        of :data:`RUNNING_SECTIONS`: the latest running total stored for a month ended by ``last``, and the
        days after it. Months over since that total (none stored yet, an upgrade, a month not closed until
        now) are added to it one by one, each new total stored while every day up to it is closed, so the
        next read starts from the latest."""
        if not set(sections) <= set(RUNNING_SECTIONS):
            return (await self.rollup(branch, DateRange(since, last), sections)).facts
        start, total = since, Facts()
        through = last_month_end(last)
        found = await self._rollups.running(branch.id, since, through, sections) if through >= since else None
        if found is not None:
            start, total = month_days(found[0]).last + dt.timedelta(days=1), Facts.from_document(found[1])
        if start > last:
            return total
        pieces = month_pieces(DateRange(start, last))
        ended = list(takewhile(lambda piece: self._ends_over_month(branch, piece), pieces))
        if ended and found is not None and not set(RUNNING_SECTIONS) <= set(sections):
            # A new total holds every running section: read the stored one whole (once a month at most).
            whole = await self._rollups.running(branch.id, since, found[0], RUNNING_SECTIONS)
            if whole is None or whole[0] != found[0]:  # dropped meanwhile (a rebuild): sum without storing
                ended = []
            else:
                total = Facts.from_document(whole[1])
        if ended:
            total = await self._extend(branch, since, total, ended)
        if len(ended) < len(pieces):
            rest = DateRange(pieces[len(ended)].first, last)
            total = merge_all((only(total, sections), (await self.rollup(branch, rest, sections)).facts))
        return only(total, sections)

    def _ends_over_month(self, branch: BranchRecord, piece: DateRange) -> bool:
        return piece.last == month_days(piece.first).last and self.over(branch, piece.last)

    async def _extend(
        self, branch: BranchRecord, since: dt.date, total: Facts, ended: list[DateRange]
    ) -> Facts:
        """``total`` (of every day from ``since`` to the day before ``ended``) plus each of ``ended`` (the
        rest of a month each, every month over), storing each new running total while every day is
        closed."""
        wanted = list(RUNNING_SECTIONS)
        months = [piece.first for piece in ended if piece.first.day == 1]
        stored = await self._rollups.months(branch.id, months[0], months[-1], wanted) if months else {}
        blocks: list[Facts] = []
        for piece in ended:
            if piece.first in stored:
                blocks.append(Facts.from_document(stored[piece.first]))
            elif piece.first.day == 1:
                blocks.append(await self.month(branch, piece.first, wanted))
            else:  # the branch's first month, from its first day
                blocks.append(merge_all((await self.days(branch, piece, wanted)).values()))
        keep = True
        for piece, running in zip(ended, running_totals(total, blocks), strict=True):
            keep = keep and (
                piece.first in stored or all((branch.id, day) in self._closed for day in piece.each())
            )
            if keep:
                document = running.to_document(wanted)
                await self._rollups.save_running(branch.id, piece.first, since, document, self._clock())
            total = running
        return total

    # ---- the reports --------------------------------------------------------------------------------

    async def takings(self, branch: BranchRecord, span: DateRange, group: Grouping) -> dict[str, Any]:
        return views.takings(await self.rollup(branch, span, ["desk", "shifts", "daily"]), group)

    async def history(
        self, last: dt.date, sections: list[str], known: tuple[str, views.Rollup] | None = None
    ) -> Facts:
        """Every day of every branch up to ``last``, merged: what a balance at the end of ``last`` sums (a
        member's balance is not a branch's), each branch's from its running totals (``balances``).
        ``known``: a branch's rollup of days up to ``last`` that the report has read already, so that only
        the days before it are read again."""
        history: list[Facts] = []
        for branch in await self._store.branches.all():
            await asyncio.to_thread(zone, branch.timezone)
            first_day = await self.first_day(branch)
            if first_day is None or first_day > last:
                continue
            read = known[1] if known and known[0] == branch.id else None
            if read and read.days and read.days[-1] == last and first_day <= read.days[0]:
                history.append(only(read.facts, sections))
                if first_day < read.days[0]:
                    before = read.days[0] - dt.timedelta(days=1)
                    history.append(await self.balances(branch, first_day, before, sections))
            else:
                history.append(await self.balances(branch, first_day, last, sections))
        return merge_all(history)

    async def outstanding(
        self, last: dt.date, tz: ZoneInfo, known: tuple[str, views.Rollup] | None = None
    ) -> views.Outstanding:
        """Members' and vouchers' balances at the end of ``last``."""
        return views.outstanding(await self.history(last, ["accounts"], known), day_end(last, tz))

    async def revenue(self, branch: BranchRecord, span: DateRange, group: Grouping) -> dict[str, Any]:
        days = await self.rollup(branch, span, ["accounts", "desk", "products", "zones", "daily"])
        last = min(span.last, self.today(branch))
        held = await self.outstanding(last, zone(branch.timezone), (branch.id, days))
        return views.revenue(days, group, held)

    async def usage(self, branch: BranchRecord, span: DateRange, group: Grouping) -> dict[str, Any]:
        days = await self.rollup(branch, span, ["usage", "pcs", "zones", "hours", "daily"])
        return views.usage(days, group, span, await self.zones(branch))

    async def members(self, branch: BranchRecord, span: DateRange, group: Grouping) -> dict[str, Any]:
        days = await self.rollup(branch, span, ["members", "joined"])
        joined = {dt.date.fromisoformat(key[0]): v[0] for key, v in days.facts.rows("joined").items()}
        last = min(span.last, self.today(branch))
        balances = views.member_balances(await self.history(last, ["members"], (branch.id, days)))
        report = views.members(days, group, joined, balances)
        listed = [row for name in ("top_by_spend", "top_by_hours") for row in report[name]]
        logins = (
            await self._rollups.member_logins(sorted({row["member_id"] for row in listed})) if listed else {}
        )
        for row in listed:
            row["login"] = logins.get(row["member_id"])
        return report

    async def staff(self, branch: BranchRecord, span: DateRange) -> dict[str, Any]:
        start, end = span.bounds(zone(branch.timezone))
        days = await self.rollup(branch, span, ["desk"])
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
