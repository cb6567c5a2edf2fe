"""``hub.system_alerts.decide``: when the hub raises and resolves its broker, store and backup alerts."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from hub.alerts import AlertKind
from hub.system_alerts import Change, Look, Watch, decide

WALL = 1_800_000_000_000


def look(at_s: float, *, broker: bool = True, store: bool = True, overdue: bool | None = None) -> Look:
    ms = int(at_s * 1000)
    return Look(mono_ms=ms, wall_ms=WALL + ms, broker_up=broker, store_up=store, backup_overdue=overdue)


def run(looks: list[Look], watch: Watch | None = None) -> tuple[Watch, list[Change]]:
    watch = watch or Watch(broker_raised=False, backup_raised=False)
    changes: list[Change] = []
    for seen in looks:
        watch, more = decide(watch, seen)
        changes += more
    return watch, changes


def kinds(changes: list[Change]) -> list[tuple[AlertKind, str]]:
    return [(c.kind, "resolve" if c.resolve else "raise") for c in changes]


def test_a_fresh_start_resolves_what_a_predecessor_may_have_left_open() -> None:
    _, changes = decide(Watch(), look(0, overdue=False))
    assert kinds(changes) == [(AlertKind.BROKER_DOWN, "resolve"), (AlertKind.BACKUP_OVERDUE, "resolve")]
    # Backups off (or unreadable): their alert is left as it is.
    _, changes = decide(Watch(), look(0))
    assert kinds(changes) == [(AlertKind.BROKER_DOWN, "resolve")]


def test_the_broker_down_past_the_grace_raises_once_and_its_return_resolves() -> None:
    _, changes = run([look(0, broker=False), look(29, broker=False)])
    assert changes == []  # a reconnect within the grace is no news
    watch, changes = run([look(0, broker=False), look(29, broker=False), look(30, broker=False)])
    assert kinds(changes) == [(AlertKind.BROKER_DOWN, "raise")]
    assert changes[0].details == {"since": WALL}
    watch, changes = run([look(45, broker=False), look(60, broker=False)], watch)
    assert changes == []  # raised once, not at every look
    _, changes = run([look(61)], watch)
    assert kinds(changes) == [(AlertKind.BROKER_DOWN, "resolve")]


def test_a_short_drop_does_not_count_towards_the_next() -> None:
    _, changes = run([look(0, broker=False), look(20), look(25, broker=False), look(50, broker=False)])
    assert changes == []


def test_a_store_outage_is_recorded_when_the_store_answers_again() -> None:
    watch, changes = run([look(0), look(10, store=False), look(15, store=False)])
    assert changes == []  # nothing can be stored meanwhile
    _, changes = run([look(42)], watch)
    assert kinds(changes) == [(AlertKind.STORE_OUTAGE, "raise")]
    assert changes[0].details == {"started_at": WALL + 10_000, "ended_at": WALL + 42_000, "down_s": 32}


def test_the_broker_down_while_the_store_is_down_is_raised_once_the_store_answers() -> None:
    _, changes = run([look(0, broker=False, store=False), look(40, broker=False, store=False)])
    assert changes == []
    _, changes = run([look(0, broker=False, store=False), look(40, broker=False)])
    assert kinds(changes) == [(AlertKind.STORE_OUTAGE, "raise"), (AlertKind.BROKER_DOWN, "raise")]


def test_overdue_backups_raise_once_and_a_good_backup_resolves() -> None:
    watch, changes = run([look(0, overdue=True), look(5, overdue=True), look(10, overdue=None)])
    assert kinds(changes) == [(AlertKind.BACKUP_OVERDUE, "raise")]
    _, changes = run([look(15, overdue=False), look(20, overdue=False)], watch)
    assert kinds(changes) == [(AlertKind.BACKUP_OVERDUE, "resolve")]


looks = st.lists(
    st.tuples(st.integers(0, 20_000), st.booleans(), st.booleans(), st.sampled_from([None, True, False])),
    max_size=40,
)


@given(looks)
def test_raises_and_resolves_alternate_and_match_the_last_look(
    steps: list[tuple[int, bool, bool, bool | None]],
) -> None:
    watch = Watch()
    at = 0
    history: dict[AlertKind, list[bool]] = {}
    last_overdue: bool | None = None
    for gap, broker, store, overdue in steps:
        at += gap
        watch, changes = decide(watch, look(at / 1000, broker=broker, store=store, overdue=overdue))
        if not store:
            assert changes == []
        for change in changes:
            history.setdefault(change.kind, []).append(change.resolve)
        last_overdue = overdue if overdue is not None and store else last_overdue
    for kind in (AlertKind.BROKER_DOWN, AlertKind.BACKUP_OVERDUE):
        seen = history.get(kind, [])
        # Never two raises (or two resolves) in a row: one alert per outage, however many looks.
        assert all(a != b for a, b in pairwise(seen))
    assert all(not resolve for resolve in history.get(AlertKind.STORE_OUTAGE, []))
    if last_overdue is not None:
        assert watch.backup_raised is last_overdue
    if steps and steps[-1][1] and steps[-1][2]:
        assert watch.broker_raised is False  # the broker and the store answer: nothing left raised
