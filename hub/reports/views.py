"""From folded facts to each report's answer. Pure: the service reads the facts and the few records a
report needs besides them (shifts, audit entries, PCs, new members) and hands them here."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import add
from typing import Any

from hub.reports.calendar import HOUR_MS, DateRange, Grouping, period_of
from hub.reports.facts import NO_ZONE, SECTIONS, Facts, Key, account_sum, add_daily, merge_all

TOP = 10
# Edges of the balance distribution, in minor units: 0, then each power of ten.
BALANCE_EDGES = (0, 1, *(10**n for n in range(3, 10)))
DAILY_WIDTH = len(SECTIONS["daily"])


@dataclass(frozen=True)
class Rollup:
    """What a report reads: the facts of ``days`` merged, each day's row of the "daily" section in them
    (``facts.add_daily``), so a period's totals need no day's facts of its own."""

    facts: Facts
    days: tuple[dt.date, ...]

    @classmethod
    def of(cls, days: Mapping[dt.date, Facts]) -> Rollup:
        """From each day's facts (their daily rows set here)."""
        return cls(merge_all(add_daily(facts, day) for day, facts in days.items()), tuple(sorted(days)))


def by_period(rollup: Rollup, group: Grouping) -> dict[dt.date, list[int]]:
    """The "daily" columns summed per period, for every period the days fall in."""
    daily = rollup.facts.rows("daily")
    periods: dict[dt.date, list[int]] = {}
    for day in rollup.days:
        row = periods.setdefault(period_of(day, group), [0] * DAILY_WIDTH)
        for i, value in enumerate(daily.get((day.isoformat(),), ())):
            row[i] += value
    return dict(sorted(periods.items()))


def _sum(rows: Mapping[Key, list[int]], index: int, where: Any = None) -> int:
    return sum(values[index] for key, values in rows.items() if where is None or where(key))


def _summed(rows: Iterable[tuple[Any, list[int]]]) -> dict[Any, list[int]]:
    """Rows of the same key summed."""
    out: dict[Any, list[int]] = {}
    for key, values in rows:
        row = out.get(key)
        out[key] = list(values) if row is None else list(map(add, row, values))
    return out


def _grouped(rows: Mapping[Key, list[int]], part: int) -> dict[str, list[int]]:
    """Rows summed by one part of their key."""
    return _summed((key[part], values) for key, values in rows.items())


# ---- takings ------------------------------------------------------------------------------------------


def _takings_row(values: list[int]) -> dict[str, int]:
    payments, paid, refunds, refunded = values
    return {
        "payments": payments,
        "paid": paid,
        "refunds": refunds,
        "refunded": refunded,
        "net": paid - refunded,
    }


def takings(days: Rollup, group: Grouping) -> dict[str, Any]:
    """Payments minus refunds, as the payment history lists them."""
    rows = days.facts.rows("desk")
    total = _takings_row([_sum(rows, i) for i in range(4)])
    return {
        "total": total["net"],
        **{name: total[name] for name in ("payments", "paid", "refunds", "refunded")},
        "by_method": [{"method": m or "-"} | _takings_row(v) for m, v in sorted(_grouped(rows, 0).items())],
        "by_purpose": [{"purpose": p} | _takings_row(v) for p, v in sorted(_grouped(rows, 1).items())],
        "by_staff": [{"staff": s or "-"} | _takings_row(v) for s, v in sorted(_grouped(rows, 2).items())],
        "by_shift": [
            {"shift_id": shift, "staff": staff or "-"} | _takings_row(v)
            for (shift, staff), v in sorted(days.facts.rows("shifts").items())
        ],
        "by_period": [
            {"period": period.isoformat()} | _takings_row(totals[:4])
            for period, totals in by_period(days, group).items()
        ],
    }


# ---- revenue ------------------------------------------------------------------------------------------


def _earned(time_sum: int, products_sum: int, refunds_sum: int) -> dict[str, int]:
    """From the line sums of the revenue:time, revenue:products and refunds accounts."""
    time, products, refunds = -time_sum, -products_sum, refunds_sum
    return {"time": time, "products": products, "refunds": refunds, "net": time + products - refunds}


def _earned_of(facts: Facts) -> dict[str, int]:
    return _earned(
        *(account_sum(facts, prefix) for prefix in ("revenue:time", "revenue:products", "refunds"))
    )


@dataclass(frozen=True)
class Outstanding:
    """Balances held for customers at a moment: what members and vouchers may still spend."""

    at: int
    members: int
    vouchers: int


def outstanding(facts: Facts, at: int) -> Outstanding:
    """From the facts of every day up to ``at``, merged (every branch: a member's balance is not a
    branch's)."""
    return Outstanding(at, -account_sum(facts, "member"), -account_sum(facts, "voucher"))


def revenue(days: Rollup, group: Grouping, held: Outstanding) -> dict[str, Any]:
    facts = days.facts
    earned = _earned_of(facts)
    by_method = _grouped(facts.rows("desk"), 0)
    by_purpose = _grouped(facts.rows("desk"), 1)

    def net(rows: Mapping[str, list[int]], name: str) -> int:
        """Paid - refunded."""
        return rows[name][1] - rows[name][3] if name in rows else 0

    return {
        "earned": {
            "time": earned["time"],
            "products": earned["products"],
            "total": earned["time"] + earned["products"],
        },
        "refunds": earned["refunds"],
        "net": earned["net"],
        "uncollected": account_sum(facts, "uncollected"),
        "adjustments": -account_sum(facts, "adjustments"),
        "topups": net(by_purpose, "topup"),
        "vouchers": {
            "sold": net(by_purpose, "voucher"),
            "redeemed": net(by_method, "voucher"),
        },
        "by_product": sorted(
            (
                {"product_id": key[0], "name": key[1], "quantity": v[0], "total": v[1]}
                for key, v in facts.rows("products").items()
            ),
            key=lambda row: (-row["total"], row["product_id"]),
        ),
        "by_zone": sorted(
            (
                {"zone": zone, "tariff_id": tariff, "sessions": v[0], "used_ms": v[1], "priced": v[2]}
                for (zone, tariff), v in facts.rows("zones").items()
            ),
            key=lambda row: (-row["priced"], row["zone"], row["tariff_id"]),
        ),
        "by_period": [
            {"period": period.isoformat()} | _earned(*totals[4:7])
            for period, totals in by_period(days, group).items()
        ],
        "outstanding": {"at": held.at, "members": held.members, "vouchers": held.vouchers},
    }


# ---- usage --------------------------------------------------------------------------------------------


def _weekdays(span: DateRange) -> list[int]:
    """How many times each weekday occurs in the range (Monday first)."""
    counts = [0] * 7
    for day in span.each():
        counts[day.weekday()] += 1
    return counts


def usage(days: Rollup, group: Grouping, span: DateRange, pcs: Mapping[str, str]) -> dict[str, Any]:
    """``pcs``: every PC of the branch and its zone (its group), for idle PCs and the occupancy share."""
    facts = days.facts
    kinds = facts.rows("usage")
    sessions, used, priced = (_sum(kinds, i) for i in range(3))
    per_pc = facts.rows("pcs")
    ranked = [
        {
            "pc_id": key[0],
            "zone": pcs.get(key[0]) or NO_ZONE,
            "sessions": v[0],
            "used_ms": v[1],
            "priced": v[2],
        }
        for key, v in per_pc.items()
    ]
    zones: dict[str, list[int]] = {}
    for (zone, _), v in facts.rows("zones").items():
        row = zones.setdefault(zone, [0, 0, 0])
        for i in range(3):
            row[i] += v[i]
    weekdays = _weekdays(span)
    capacity = max(1, len(pcs)) * HOUR_MS
    hours = facts.rows("hours")
    heatmap = []
    for weekday in range(7):
        for hour in range(24):
            occupied = hours.get((str(weekday), str(hour)), [0])[0]
            possible = capacity * weekdays[weekday]
            heatmap.append(
                {
                    "weekday": weekday,
                    "hour": hour,
                    "occupied_ms": occupied,
                    "share": round(occupied / possible, 4) if possible else 0.0,
                }
            )
    return {
        "sessions": sessions,
        "used_ms": used,
        "average_ms": used // sessions if sessions else 0,
        "priced": priced,
        "open": _sum(kinds, 3),
        "by_kind": [
            {"kind": key[0], "sessions": v[0], "used_ms": v[1], "priced": v[2]}
            for key, v in sorted(kinds.items())
        ],
        "by_zone": [
            {"zone": zone, "sessions": v[0], "used_ms": v[1], "priced": v[2]}
            for zone, v in sorted(zones.items())
        ],
        "pcs_by_hours": sorted(ranked, key=lambda row: (-row["used_ms"], row["pc_id"])),
        "pcs_by_revenue": sorted(ranked, key=lambda row: (-row["priced"], row["pc_id"])),
        "idle_pcs": sorted(pc for pc in pcs if not any(per_pc.get((pc,), [0])[:1])),
        "heatmap": heatmap,
        "by_period": [
            {"period": period.isoformat(), "sessions": totals[7], "used_ms": totals[8]}
            for period, totals in by_period(days, group).items()
        ],
    }


# ---- members ------------------------------------------------------------------------------------------


def balance_buckets(balances: Iterable[int]) -> list[dict[str, Any]]:
    """How many balances fall in each [at_least, below) of :data:`BALANCE_EDGES` (the last has no end)."""
    counts = [0] * len(BALANCE_EDGES)
    for balance in balances:
        index = max(i for i, edge in enumerate(BALANCE_EDGES) if balance >= edge) if balance >= 0 else 0
        counts[index] += 1
    return [
        {
            "at_least": edge,
            "below": BALANCE_EDGES[i + 1] if i + 1 < len(BALANCE_EDGES) else None,
            "members": counts[i],
        }
        for i, edge in enumerate(BALANCE_EDGES)
    ]


def active_members(facts: Facts) -> dict[str, list[int]]:
    return {key[0]: values for key, values in facts.rows("members").items() if any(values)}


def member_balances(history: Facts) -> dict[str, int]:
    """Each member's balance after ``history`` (every day up to a moment, every branch, merged)."""
    return {key[0]: values[4] for key, values in history.rows("members").items()}


def members(
    days: Rollup,
    group: Grouping,
    new: Mapping[dt.date, int],
    balances: Mapping[str, int],
) -> dict[str, Any]:
    """``new``: how many members joined on each local day; ``balances``: every member's balance at the end
    (:func:`member_balances`)."""
    active = {member: v for member, v in active_members(days.facts).items() if any(v[:4])}
    joined: dict[dt.date, int] = defaultdict(int)
    for day, count in new.items():
        if count:
            joined[period_of(day, group)] += count
    rows: list[dict[str, Any]] = [
        {
            "member_id": member,
            "login": None,  # filled in for the members listed
            "spend": v[0],
            "topups": v[1],
            "sessions": v[2],
            "used_ms": v[3],
        }
        for member, v in active.items()
    ]
    return {
        "new": sum(joined.values()),
        "active": len(active),
        "new_by_period": [{"period": p.isoformat(), "members": n} for p, n in sorted(joined.items())],
        "top_by_spend": sorted(rows, key=lambda r: (-r["spend"], r["member_id"]))[:TOP],
        "top_by_hours": sorted(rows, key=lambda r: (-r["used_ms"], r["member_id"]))[:TOP],
        "balances": {
            "members": len(balances),
            "total": sum(balances.values()),
            "buckets": balance_buckets(balances.values()),
        },
    }


# ---- staff --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftFigures:
    cashier: str
    over_short: int | None  # counted - expected over every method; None while open


@dataclass(frozen=True)
class StaffAction:
    actor: str
    action: str  # "unlock" or "stop"


def staff(days: Rollup, shifts: Iterable[ShiftFigures], actions: Iterable[StaffAction]) -> dict[str, Any]:
    """Per cashier: shifts, takings, refunds given, cash over or short, manual unlocks and stops; so time
    or goods sold off the books stand out next to the money taken."""
    people: dict[str, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys(
            (
                "shifts",
                "open_shifts",
                "over_short",
                "payments",
                "paid",
                "refunds",
                "refunded",
                "unlocks",
                "stops",
            ),
            0,
        )
    )
    for name, values in _grouped(days.facts.rows("desk"), 2).items():
        if not name:
            continue
        row = people[name]
        row["payments"], row["paid"], row["refunds"], row["refunded"] = values
    for shift in shifts:
        row = people[shift.cashier]
        row["shifts"] += 1
        if shift.over_short is None:
            row["open_shifts"] += 1
        else:
            row["over_short"] += shift.over_short
    for action in actions:
        people[action.actor]["unlocks" if action.action == "unlock" else "stops"] += 1
    return {
        "staff": [
            {"staff": name, **row, "takings": row["paid"] - row["refunded"]}
            for name, row in sorted(people.items())
        ]
    }
