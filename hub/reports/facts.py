"""The rollup: what a day's ledger transactions and sessions add up to, as counters that merge by addition.

Pure (no I/O). A day's :class:`Facts` is a fold of that day's records; the facts of a longer period are the
sum of its days' (``merge``), so a report over stored days equals a fold of all its records at once, which
``tests/unit/test_report_facts.py`` checks for any records. Every figure is an integer (money in minor
units, time in milliseconds), so sums are exact.

Each section maps a key (a tuple of strings) to a row of counters named in :data:`SECTIONS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from operator import add
from typing import Any
from zoneinfo import ZoneInfo

from billing.ledger import GUARDED, AccountKind, kind_of
from hub.reports.calendar import day_of, hour_slices
from hub.store.sessions import SessionRecord, SessionState
from hub.store.transactions import LedgerTransaction, TxKind

Key = tuple[str, ...]

SECTIONS: dict[str, tuple[str, ...]] = {
    # key (method, purpose, staff): payments and refunds at the desk, as the payment history lists them
    "desk": ("payments", "paid", "refunds", "refunded"),
    # key (shift_id, staff): the same per shift, kept apart since a year holds thousands of shifts and only
    # the takings report lists them
    "shifts": ("payments", "paid", "refunds", "refunded"),
    # key (account): each account's line sum (debits positive); every member's balance is one "member"
    # account here, every voucher's one "voucher"
    "accounts": ("sum",),
    # key (product_id, name): goods sold
    "products": ("quantity", "total"),
    # key (member_id): what a member spent on time and goods, topped up, their ended sessions, and how
    # their balance changed
    "members": ("spend", "topups", "sessions", "used_ms", "balance"),
    # key (pc_id): ended sessions, their time and hub-priced cost
    "pcs": ("sessions", "used_ms", "cost"),
    # key (zone, tariff_id): the same by the PC's group (its zone) and the session's tariff
    "zones": ("sessions", "used_ms", "cost"),
    # key (weekday, hour) (Monday 0): milliseconds of PC use in that local hour
    "hours": ("occupied_ms",),
    # key (session kind): ended sessions; "open" counts sessions not ended yet (their day is not final)
    "usage": ("sessions", "used_ms", "cost", "open"),
    # key (local day, YYYY-MM-DD): members who joined that day (any branch's: a member is not a branch's)
    "joined": ("members",),
    # key (local day, YYYY-MM-DD): the day's totals that reports group by day, week or month, so that a
    # month's rollup (the sum of its days) still answers per day: the takings columns summed, the line sums
    # of the accounts in DAILY_ACCOUNTS, ended sessions and their time (see ``add_daily``)
    "daily": (
        "payments",
        "paid",
        "refunds",
        "refunded",
        "time_account",
        "products_account",
        "refunds_account",
        "sessions",
        "used_ms",
    ),
}
DAILY_ACCOUNTS = ("revenue:time", "revenue:products", "refunds")
NO_ZONE = "-"
# What a balance at a moment sums over the whole history (every account's line sum, each member's row):
# stored per closed month as a running total (every day of the branch up to the month's end), so the
# balances at the end of a range read one month's total and the days after it.
RUNNING_SECTIONS = ("accounts", "members")


@dataclass
class Facts:
    sections: dict[str, dict[Key, list[int]]] = field(default_factory=dict)

    def add(self, section: str, key: Key, *values: int) -> None:
        width = len(SECTIONS[section])
        if len(values) != width:
            raise ValueError(f"{section} rows have {width} values, got {len(values)}")
        row = self.sections.setdefault(section, {}).setdefault(key, [0] * width)
        for i, value in enumerate(values):
            row[i] += value

    def rows(self, section: str) -> dict[Key, list[int]]:
        return self.sections.get(section, {})

    def merge(self, other: Facts) -> Facts:
        """A new Facts holding both."""
        return merge_all((self, other))

    def __eq__(self, other: object) -> bool:
        """Equal when every counter is (a row of zeros is the same as no row)."""
        if not isinstance(other, Facts):
            return NotImplemented
        return _nonzero(self) == _nonzero(other)

    __hash__ = None  # type: ignore[assignment]

    # ---- stored form: lists, since keys may hold characters a document's field names cannot --------------

    def to_document(self, sections: Iterable[str] | None = None) -> dict[str, Any]:
        return {
            section: [[*key, *values] for key, values in sorted(self.rows(section).items())]
            for section in (sections or SECTIONS)
        }

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> Facts:
        return cls().add_documents([doc])

    def add_documents(self, docs: Iterable[Mapping[str, Any]]) -> Facts:
        """Add the rows of stored documents (the hot loop of a report: one pass, no Facts per document;
        keys are strings and values integers as written)."""
        for doc in docs:
            for section, columns in SECTIONS.items():
                stored = doc.get(section)
                if not stored:
                    continue
                width = len(columns)
                into = self.sections.setdefault(section, {})
                for row in stored:
                    key, values = tuple(row[:-width]), row[-width:]
                    known = into.get(key)
                    into[key] = values if known is None else list(map(add, known, values))
        return self


def _nonzero(facts: Facts) -> dict[str, dict[Key, list[int]]]:
    return {
        section: {key: values for key, values in rows.items() if any(values)}
        for section, rows in facts.sections.items()
        if any(any(values) for values in rows.values())
    }


def merge_all(facts: Iterable[Facts], into: Facts | None = None) -> Facts:
    """The sum of ``facts``, added to ``into`` when given (no checks, rows copied)."""
    total = Facts() if into is None else into
    for one in facts:
        for section, rows in one.sections.items():
            summed = total.sections.setdefault(section, {})
            for key, values in rows.items():
                row = summed.get(key)
                summed[key] = list(values) if row is None else list(map(add, row, values))
    return total


def only(facts: Facts, sections: Iterable[str]) -> Facts:
    """The rows of ``sections`` in ``facts`` (shared, not copied)."""
    return Facts({section: facts.sections[section] for section in sections if section in facts.sections})


def running_totals(start: Facts, blocks: Iterable[Facts]) -> Iterator[Facts]:
    """The running total of :data:`RUNNING_SECTIONS` after each of ``blocks`` (the facts of consecutive
    stretches of days, e.g. months) added to ``start``'s: a new Facts each."""
    total = only(start, RUNNING_SECTIONS)
    for block in blocks:
        total = merge_all((total, only(block, RUNNING_SECTIONS)))
        yield total


def account_sum(facts: Facts, prefix: str) -> int:
    """The line sum of the accounts whose id is ``prefix`` or starts with ``prefix:`` (debits positive)."""
    return sum(
        values[0]
        for key, values in facts.rows("accounts").items()
        if key[0] == prefix or key[0].startswith(prefix + ":")
    )


def daily_row(facts: Facts) -> list[int]:
    """A day's row of the "daily" section, from the day's other sections."""
    takings, usage = facts.rows("desk").values(), facts.rows("usage").values()
    return [
        *(sum(values[i] for values in takings) for i in range(4)),
        *(account_sum(facts, prefix) for prefix in DAILY_ACCOUNTS),
        sum(values[0] for values in usage),
        sum(values[1] for values in usage),
    ]


def add_daily(facts: Facts, day: dt.date) -> Facts:
    """Set ``day``'s "daily" row from every record of the day folded into ``facts`` (call it last)."""
    facts.sections.setdefault("daily", {})[(day.isoformat(),)] = daily_row(facts)
    return facts


# ---- folding records ----------------------------------------------------------------------------------


def account_key(account: str) -> str:
    kind = kind_of(account)
    return kind.value if kind in GUARDED else account


def fold_transaction(facts: Facts, tx: LedgerTransaction) -> None:
    for line in tx.posting.lines:
        account = account_key(line.account)
        facts.add("accounts", (account,), line.amount)
        if account == AccountKind.MEMBER.value:  # credit-normal: a credit raises the balance
            facts.add("members", (line.account.split(":", 1)[1],), 0, 0, 0, 0, -line.amount)
    if tx.kind in (TxKind.PAYMENT, TxKind.REFUND):
        values = (1, tx.amount, 0, 0) if tx.kind is TxKind.PAYMENT else (0, 0, 1, tx.amount)
        facts.add("desk", (tx.method or "", tx.purpose, tx.staff or ""), *values)
        if tx.shift_id:
            facts.add("shifts", (tx.shift_id, tx.staff or ""), *values)
    if tx.kind is TxKind.PAYMENT and tx.purpose == "sale":
        for item in tx.items:
            if item.kind == "product" and item.product_id:
                facts.add("products", (item.product_id, item.name or ""), item.quantity, item.total)
    member = tx.member_id or tx.payer
    if member:
        sign = -1 if tx.kind is TxKind.REFUND else 1
        if tx.kind is TxKind.CHARGE:
            facts.add("members", (member,), tx.amount, 0, 0, 0, 0)
        elif tx.kind in (TxKind.PAYMENT, TxKind.REFUND) and tx.purpose == "topup":
            facts.add("members", (member,), 0, sign * tx.amount, 0, 0, 0)
        elif tx.kind in (TxKind.PAYMENT, TxKind.REFUND) and tx.purpose in ("session", "sale"):
            facts.add("members", (member,), sign * tx.amount, 0, 0, 0, 0)


def fold_session(facts: Facts, session: SessionRecord, zone_of: Mapping[str, str], tz: ZoneInfo) -> None:
    """An ended session counts; one still pending or running counts as open (its day is not final)."""
    kind = str(session.kind.value)
    if session.state in (SessionState.PENDING, SessionState.ACTIVE):
        facts.add("usage", (kind,), 0, 0, 0, 1)
        return
    if session.state is not SessionState.ENDED or session.started_at is None:
        return  # never reached a PC: nothing was used
    cost = session.cost if session.cost is not None else (session.agent_cost or 0)
    used = max(0, session.used_ms)
    facts.add("usage", (kind,), 1, used, cost, 0)
    facts.add("pcs", (session.pc_id,), 1, used, cost)
    facts.add("zones", (zone_of.get(session.pc_id) or NO_ZONE, session.tariff_id), 1, used, cost)
    if session.member_id:
        facts.add("members", (session.member_id,), 0, 0, 1, used, 0)
    end = session.ended_at if session.ended_at is not None else session.started_at + used
    for weekday, hour, ms in hour_slices(session.started_at, max(session.started_at, end), tz):
        facts.add("hours", (str(weekday), str(hour)), ms)


def fold_days(
    transactions: Iterable[LedgerTransaction],
    sessions: Iterable[SessionRecord],
    zone_of: Mapping[str, str],
    tz: ZoneInfo,
) -> dict[dt.date, Facts]:
    """Each local day's facts: a transaction by when it was posted, a session by when it was created."""
    days: dict[dt.date, Facts] = {}
    for tx in transactions:
        fold_transaction(days.setdefault(day_of(tx.at, tz), Facts()), tx)
    for session in sessions:
        fold_session(days.setdefault(day_of(session.created_at, tz), Facts()), session, zone_of, tz)
    return days
