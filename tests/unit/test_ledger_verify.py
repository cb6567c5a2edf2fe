"""``icafe ledger verify``'s checks over hand-made transactions: a consistent ledger passes; each kind of
damage is named."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.money.verify import verify_ledger

Doc = dict[str, Any]


def stored(tx_id: str, kind: str) -> Doc:
    """What every stored transaction carries (``hub.store.transactions``)."""
    return {
        "_id": tx_id,
        "idem": f"test:{tx_id}",
        "kind": kind,
        "purpose": "topup",
        "branch": "main",
        "at": 0,
    }


def top_up(tx_id: str, seq: int, amount: int, after: int, receipt: int) -> Doc:
    return {
        **stored(tx_id, "payment"),
        "amount": amount,
        "currency": "UZS",
        "lines": [{"account": "cash:main", "amount": amount}, {"account": "member:a", "amount": -amount}],
        "member_account": "member:a",
        "member_seq": seq,
        "member_after": after,
        "receipt_branch": "main",
        "receipt_no": receipt,
    }


def refund(tx_id: str, of: str, seq: int, amount: int, after: int, receipt: int) -> Doc:
    return {
        **stored(tx_id, "refund"),
        "refund_of": of,
        "amount": amount,
        "currency": "UZS",
        "lines": [{"account": "member:a", "amount": amount}, {"account": "cash:main", "amount": -amount}],
        "member_account": "member:a",
        "member_seq": seq,
        "member_after": after,
        "receipt_branch": "main",
        "receipt_no": receipt,
    }


def good() -> list[Doc]:
    return [top_up("t1", 1, 500, 500, 1), top_up("t2", 2, 300, 800, 2), refund("r1", "t1", 3, 200, 600, 3)]


async def docs(items: list[Doc]) -> AsyncIterator[Doc]:
    for item in items:
        yield item


async def test_a_consistent_ledger_verifies() -> None:
    report = await verify_ledger(docs(good()))
    assert report.ok, report.problems
    assert report.transactions == 3
    assert report.balances == {"cash:main": 600, "member:a": 600}
    assert report.receipts == {"main": 3}


def unbalanced(items: list[Doc]) -> None:
    items[1]["lines"][0]["amount"] += 1


def wrong_recorded_balance(items: list[Doc]) -> None:
    items[1]["member_after"] = 900


def sequence_gap(items: list[Doc]) -> None:
    items[2]["member_seq"] = 4


def receipt_repeated(items: list[Doc]) -> None:
    items[2]["receipt_no"] = 2


def over_refunded(items: list[Doc]) -> None:
    items.append(refund("r2", "t1", 4, 400, 200, 4))


def no_currency(items: list[Doc]) -> None:
    del items[0]["currency"]


def unreadable(items: list[Doc]) -> None:
    del items[1]["amount"]


def below_zero(items: list[Doc]) -> None:
    items.append(refund("r3", "t2", 4, 300, 300, 4))
    items.append(refund("r4", "t1", 5, 300, 0, 5))
    items.append(refund("r5", "t2", 6, 1, -1, 6))


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        (unbalanced, "t2"),
        (wrong_recorded_balance, "member:a #2"),
        (sequence_gap, "member:a"),
        (receipt_repeated, "branch main"),
        (over_refunded, "payment t1"),
        (no_currency, "t1"),
        (unreadable, "transaction t2: unreadable"),
        (below_zero, "below zero"),
    ],
)
async def test_each_kind_of_damage_is_found_and_named(damage: Any, named: str) -> None:
    items = good()
    damage(items)
    report = await verify_ledger(docs(items))
    assert not report.ok
    assert any(named in problem for problem in report.problems), report.problems
