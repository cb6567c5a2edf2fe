"""The heads a ledger writer remembers: bounded, least recently used forgotten first."""

from __future__ import annotations

from hub.store.ledger import HeadCache
from hub.store.transactions import Position, Slot


def test_remembers_the_heads_it_was_given_and_forgets_on_demand() -> None:
    heads = HeadCache(size=10)
    heads.keep({Slot.MEMBER: Position("member:a", 3, 500), Slot.RECEIPT: Position("main", 7)})
    assert heads.get(Slot.MEMBER, "member:a") == Position("member:a", 3, 500)
    assert heads.get(Slot.RECEIPT, "main") == Position("main", 7)
    assert heads.get(Slot.VOUCHER, "member:a") is None  # a slot and key together name a sequence
    assert heads.knows([(Slot.RECEIPT, "main")])
    heads.forget([(Slot.MEMBER, "member:a"), (Slot.CAP, "never-seen")])
    assert heads.get(Slot.MEMBER, "member:a") is None
    assert not heads.knows([(Slot.MEMBER, "member:a")])
    assert len(heads) == 1


def test_a_newer_head_replaces_the_older() -> None:
    heads = HeadCache(size=10)
    heads.keep({Slot.RECEIPT: Position("main", 7)})
    heads.keep({Slot.RECEIPT: Position("main", 8)})
    assert heads.get(Slot.RECEIPT, "main") == Position("main", 8)
    assert len(heads) == 1


def test_beyond_its_size_the_least_recently_used_head_goes() -> None:
    heads = HeadCache(size=3)
    for n in range(3):
        heads.keep({Slot.CAP: Position(f"refund:{n}", 1, 10)})
    assert heads.get(Slot.CAP, "refund:0") is not None  # now the most recently used
    heads.keep({Slot.CAP: Position("refund:3", 1, 10)})
    assert len(heads) == 3
    assert heads.get(Slot.CAP, "refund:1") is None
    assert [heads.get(Slot.CAP, f"refund:{n}") is not None for n in (0, 2, 3)] == [True, True, True]
