"""The rules a PC's journal event must pass (hub.sessions.checks): pure, so covered exhaustively here."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.sessions.checks import (
    ALLOWANCE_MS,
    SEQ_WINDOW,
    Clock,
    Quarantine,
    QuarantineReason,
    bound_started_at,
    bound_used_ms,
    compared,
    may_extend,
    may_start,
    owned,
    seq_in_window,
)
from hub.store.sessions import SessionRecord, SessionState
from protocol import SessionKind

NOW = 1_800_000_000_000


def record(**fields: object) -> SessionRecord:
    base: dict[str, object] = {
        "id": "s-1",
        "pc_id": "pc-1",
        "kind": SessionKind.MEMBER,
        "state": SessionState.ACTIVE,
        "created_at": NOW - 3_600_000,
        "tariff_id": "standard",
        "member_id": "m-1",
        "budget": 100_000,
    }
    return SessionRecord(**{**base, **fields})  # type: ignore[arg-type]


def reason(exc: pytest.ExceptionInfo[Quarantine]) -> QuarantineReason:
    return exc.value.reason


def test_a_session_is_believed_only_from_its_own_pc() -> None:
    assert owned(record(), "pc-1", "s-1").id == "s-1"
    with pytest.raises(Quarantine) as unknown:
        owned(None, "pc-1", "s-1")
    assert reason(unknown) is QuarantineReason.UNKNOWN_SESSION
    with pytest.raises(Quarantine) as other:
        owned(record(pc_id="pc-2"), "pc-1", "s-1")
    assert reason(other) is QuarantineReason.OTHER_PC


@pytest.mark.parametrize(
    ("state", "ok"),
    [
        (SessionState.PENDING, True),
        (SessionState.ACTIVE, True),
        (SessionState.EXPIRED, True),
        (SessionState.ENDED, False),
        (SessionState.REJECTED, False),
    ],
)
def test_only_an_open_session_may_start(state: str, ok: bool) -> None:
    if ok:
        may_start(record(state=state))
    else:
        with pytest.raises(Quarantine):
            may_start(record(state=state))


def test_an_extension_must_be_one_the_hub_ordered() -> None:
    ordered = record(ordered_limits=[{"budget": 250_000, "prepaid_minutes": None}])
    may_extend(ordered, 100_000, None)  # the first order
    may_extend(ordered, 250_000, None)  # the ordered extension
    for budget in (10**15, 250_001):
        with pytest.raises(Quarantine) as refused:
            may_extend(ordered, budget, None)
        assert reason(refused) is QuarantineReason.EXTENSION_NOT_ORDERED
    with pytest.raises(Quarantine):
        may_extend(record(state=SessionState.ENDED), 100_000, None)


def test_identity_comes_from_the_record() -> None:
    assert compared("member_id", "m-1", "m-1") == []
    [note] = compared("member_id", "m-2", "m-1")
    assert (note.claimed, note.used) == ("m-2", "m-1")


@given(seq=st.integers(min_value=1, max_value=2**53), acked=st.integers(min_value=0, max_value=2**40))
def test_the_seq_window(seq: int, acked: int) -> None:
    assert seq_in_window(seq, acked) == (seq - acked <= SEQ_WINDOW)


@given(
    claimed=st.integers(min_value=0, max_value=7 * 86_400_000),
    limit=st.none() | st.integers(min_value=0, max_value=7 * 86_400_000),
    since_ago=st.integers(min_value=-86_400_000, max_value=7 * 86_400_000),
    scale=st.sampled_from([1.0, 60.0]),
)
def test_used_time_never_exceeds_the_limit_nor_the_hubs_clock(
    claimed: int, limit: int | None, since_ago: int, scale: float
) -> None:
    clock = Clock(NOW, scale)
    used, notes = bound_used_ms(claimed, limit, NOW - since_ago, clock)
    assert 0 <= used <= claimed
    if limit is not None:
        assert used <= limit
    assert used <= int(max(0, since_ago) * scale) + int(ALLOWANCE_MS * scale)
    assert (notes == []) == (used == claimed)
    # Within every bound, the PC's figure stands.
    wall = int(max(0, since_ago) * scale) + int(ALLOWANCE_MS * scale)
    if claimed <= wall and (limit is None or claimed <= limit):
        assert used == claimed


@given(
    claimed=st.integers(min_value=0, max_value=2**53 - 1),
    earliest_ago=st.integers(min_value=0, max_value=10**10),
)
def test_a_start_is_within_the_order_and_now(claimed: int, earliest_ago: int) -> None:
    clock = Clock(NOW)
    earliest = NOW - earliest_ago
    used, notes = bound_started_at(claimed, earliest, clock)
    assert earliest - ALLOWANCE_MS <= used <= NOW + ALLOWANCE_MS
    assert (notes == []) == (used == claimed)
