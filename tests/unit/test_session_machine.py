"""The session state machine: every transition, warnings, expiry, idleness, and replay properties."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.session import (
    IDLE_STATE,
    TRANSITIONS,
    ActiveSession,
    Activity,
    Effect,
    Ended,
    Event,
    Extend,
    Extended,
    IllegalTransition,
    Lock,
    MachineState,
    Phase,
    Policy,
    Start,
    Started,
    Stop,
    Tick,
    Unlock,
    Warn,
    next_due,
    replay,
    step,
)
from protocol import SessionKind

MIN = 60_000
T0 = 1_741_000_000_000
POLICY = Policy()
EVENT_TYPES: tuple[type[Event], ...] = (Start, Extend, Activity, Tick, Stop)
LEGAL = {
    (Phase.IDLE, Start),
    (Phase.IDLE, Tick),
    (Phase.IDLE, Activity),
    (Phase.ACTIVE, Tick),
    (Phase.ACTIVE, Extend),
    (Phase.ACTIVE, Activity),
    (Phase.ACTIVE, Stop),
}


def started(ends_in: int | None = 10 * MIN, policy: Policy = POLICY) -> MachineState:
    ends_at = None if ends_in is None else T0 + ends_in
    state, _ = step(IDLE_STATE, Start("s1", SessionKind.PREPAID, None, ends_at, T0), policy)
    return state


def sample_event(kind: type[Event]) -> Event:
    samples: dict[type[Event], Event] = {
        Start: Start("s2", SessionKind.MEMBER, "m1", T0 + 20 * MIN, T0 + MIN),
        Extend: Extend(T0 + 20 * MIN, T0 + MIN),
        Activity: Activity(T0 + MIN),
        Tick: Tick(T0 + MIN),
        Stop: Stop("staff", T0 + MIN),
    }
    return samples[kind]


# --- the table --------------------------------------------------------------------------------


def test_the_table_lists_exactly_the_legal_pairs() -> None:
    assert set(TRANSITIONS) == LEGAL


@pytest.mark.parametrize("phase", list(Phase))
@pytest.mark.parametrize("kind", EVENT_TYPES)
def test_every_phase_and_event_pair(phase: Phase, kind: type[Event]) -> None:
    state = IDLE_STATE if phase is Phase.IDLE else started()
    before = copy.deepcopy(state)
    event = sample_event(kind)
    if (phase, kind) in LEGAL:
        new_state, effects = step(state, event, POLICY)
        assert isinstance(new_state, MachineState)
        assert isinstance(effects, tuple)
    else:
        with pytest.raises(IllegalTransition) as caught:
            step(state, event, POLICY)
        assert phase.value in str(caught.value)
        assert kind.__name__ in str(caught.value)
        assert (caught.value.phase, caught.value.event) == (phase, event)
    assert state == before  # the input state is never changed


def test_illegal_transitions_say_why() -> None:
    with pytest.raises(IllegalTransition, match="already running"):
        step(started(), sample_event(Start), POLICY)
    with pytest.raises(IllegalTransition, match="no session is running"):
        step(IDLE_STATE, Stop("staff", T0), POLICY)
    assert issubclass(IllegalTransition, ValueError)


def test_a_state_has_a_session_exactly_when_active() -> None:
    with pytest.raises(ValueError, match="session"):
        MachineState(Phase.ACTIVE, None)
    with pytest.raises(ValueError, match="session"):
        MachineState(Phase.IDLE, started().session)


# --- each legal transition ----------------------------------------------------------------------


def test_start_unlocks() -> None:
    state, effects = step(IDLE_STATE, Start("s1", SessionKind.MEMBER, "m7", T0 + 30 * MIN, T0), POLICY)
    session = ActiveSession("s1", SessionKind.MEMBER, "m7", T0, T0 + 30 * MIN, T0, frozenset())
    assert state == MachineState(Phase.ACTIVE, session)
    assert effects == (Started(session), Unlock())


def test_a_postpaid_start_is_open_ended() -> None:
    state, _ = step(IDLE_STATE, Start("s1", "postpaid", None, None, T0), POLICY)
    assert state.session is not None
    assert state.session.ends_at is None
    assert step(state, Tick(T0 + 1000 * MIN), POLICY) == (state, ())


@pytest.mark.parametrize("ends_at", [T0, T0 - 1])
def test_a_start_that_ends_before_it_begins_is_illegal(ends_at: int) -> None:
    with pytest.raises(IllegalTransition, match="before it starts"):
        step(IDLE_STATE, Start("s1", SessionKind.PREPAID, None, ends_at, T0), POLICY)


def test_a_start_of_an_unknown_kind_is_illegal() -> None:
    with pytest.raises(IllegalTransition, match="kind"):
        step(IDLE_STATE, Start("s1", "free", None, None, T0), POLICY)


def test_idle_ignores_ticks_and_activity() -> None:
    assert step(IDLE_STATE, Tick(T0), POLICY) == (IDLE_STATE, ())
    assert step(IDLE_STATE, Activity(T0), POLICY) == (IDLE_STATE, ())


def test_stop_ends_and_locks() -> None:
    state, effects = step(started(), Stop("staff", T0 + 3 * MIN), POLICY)
    ended = Ended("s1", "staff", T0 + 3 * MIN)
    assert effects == (ended, Lock())
    assert state == MachineState(Phase.IDLE, None, last_ended=ended)


def test_a_late_stop_still_ends_at_the_end() -> None:
    _, effects = step(started(10 * MIN), Stop("customer", T0 + 15 * MIN), POLICY)
    assert effects == (Ended("s1", "customer", T0 + 10 * MIN), Lock())


def test_activity_only_moves_forward() -> None:
    state, effects = step(started(), Activity(T0 + 2 * MIN), POLICY)
    assert effects == ()
    assert state.session is not None
    assert state.session.last_activity == T0 + 2 * MIN
    again, _ = step(state, Activity(T0 + MIN), POLICY)
    assert again == state


def test_an_earlier_tick_is_harmless() -> None:
    state, _ = step(started(), Tick(T0 + 2 * MIN), POLICY)
    assert step(state, Tick(T0 + MIN), POLICY) == (state, ())


# --- expiry -----------------------------------------------------------------------------------


def test_a_session_expires_at_its_end_even_when_the_tick_is_late() -> None:
    state, effects = step(started(10 * MIN), Tick(T0 + 10 * MIN + 37_000), POLICY)
    ended = Ended("s1", "expired", T0 + 10 * MIN)
    assert effects == (ended, Lock())
    assert state == MachineState(Phase.IDLE, None, last_ended=ended)


def test_a_session_expires_exactly_at_its_end_and_not_before() -> None:
    state = started(10 * MIN, Policy(warn_minutes=()))
    assert step(state, Tick(T0 + 10 * MIN - 1), Policy(warn_minutes=())) == (state, ())
    _, effects = step(state, Tick(T0 + 10 * MIN), POLICY)
    assert effects == (Ended("s1", "expired", T0 + 10 * MIN), Lock())


# --- warnings ---------------------------------------------------------------------------------


def tick_through(
    state: MachineState, until: int, policy: Policy = POLICY
) -> tuple[MachineState, list[Effect]]:
    """Tick every second up to and including ``until``; collect the effects."""
    effects: list[Effect] = []
    for now in range(T0 + 1000, until + 1, 1000):
        state, produced = step(state, Tick(now), policy)
        effects.extend(produced)
    return state, effects


def test_warnings_fire_once_each_in_order() -> None:
    state, effects = tick_through(started(10 * MIN), T0 + 11 * MIN)
    assert effects == [Warn(5), Warn(1), Ended("s1", "expired", T0 + 10 * MIN), Lock()]
    assert state.phase is Phase.IDLE


def test_warnings_are_given_at_the_right_moment() -> None:
    state = started(10 * MIN)
    assert step(state, Tick(T0 + 5 * MIN - 1), POLICY)[1] == ()
    state, effects = step(state, Tick(T0 + 5 * MIN), POLICY)
    assert effects == (Warn(5),)
    assert state.session is not None
    assert state.session.warned == frozenset({5})
    assert step(state, Tick(T0 + 5 * MIN + 1), POLICY)[1] == ()


def test_a_jump_past_several_marks_gives_one_warning() -> None:
    state, effects = step(started(10 * MIN), Tick(T0 + 9 * MIN + 30_000), POLICY)
    assert effects == (Warn(1),)
    assert state.session is not None
    assert state.session.warned == frozenset({5, 1})
    _, later = tick_through(state, T0 + 10 * MIN - 1)
    assert later == []


def test_a_short_session_warns_with_the_time_actually_left() -> None:
    _, effects = step(started(3 * MIN), Tick(T0 + 1000), POLICY)
    assert effects == (Warn(3),)


def test_extend_rearms_warnings_that_are_now_further_away() -> None:
    state, _ = tick_through(started(10 * MIN), T0 + 9 * MIN + 30_000)  # both marks given
    state, effects = step(state, Extend(T0 + 20 * MIN, T0 + 9 * MIN + 30_000), POLICY)
    assert effects == (Extended("s1", T0 + 20 * MIN),)
    assert state.session is not None
    assert state.session.warned == frozenset()
    assert state.session.ends_at == T0 + 20 * MIN
    _, effects_after = step(state, Tick(T0 + 15 * MIN), POLICY)
    assert effects_after == (Warn(5),)


def test_a_small_extension_keeps_warnings_still_crossed() -> None:
    state, _ = tick_through(started(10 * MIN), T0 + 9 * MIN + 30_000)
    state, _ = step(state, Extend(T0 + 12 * MIN, T0 + 9 * MIN + 30_000), POLICY)
    assert state.session is not None
    assert state.session.warned == frozenset({5})


def test_extend_to_open_ended() -> None:
    state, _ = tick_through(started(10 * MIN), T0 + 6 * MIN)
    state, effects = step(state, Extend(None, T0 + 6 * MIN), POLICY)
    assert effects == (Extended("s1", None),)
    state, later = tick_through(state, T0 + 60 * MIN)
    assert later == []
    assert state.phase is Phase.ACTIVE


def test_extend_into_the_past_is_illegal() -> None:
    with pytest.raises(IllegalTransition, match="past"):
        step(started(), Extend(T0 + MIN - 1, T0 + MIN), POLICY)


def test_extend_after_the_end_is_illegal_until_the_session_is_ticked_out() -> None:
    state = started(10 * MIN)
    with pytest.raises(IllegalTransition, match="expired"):
        step(state, Extend(T0 + 30 * MIN, T0 + 10 * MIN), POLICY)


# --- idleness ---------------------------------------------------------------------------------


def test_an_idle_session_ends_after_the_timeout() -> None:
    policy = Policy(idle_timeout_ms=10 * MIN)
    state = started(None, policy)
    state, _ = step(state, Activity(T0 + 5 * MIN), policy)
    assert step(state, Tick(T0 + 15 * MIN - 1), policy) == (state, ())
    state, effects = step(state, Tick(T0 + 15 * MIN), policy)
    assert effects == (Ended("s1", "idle", T0 + 15 * MIN), Lock())
    assert state.phase is Phase.IDLE


def test_expiry_wins_over_idleness() -> None:
    policy = Policy(idle_timeout_ms=MIN)
    _, effects = step(started(10 * MIN, policy), Tick(T0 + 11 * MIN), policy)
    assert effects == (Ended("s1", "expired", T0 + 10 * MIN), Lock())


def test_without_a_timeout_idleness_never_ends_a_session() -> None:
    state = started(None)
    assert step(state, Tick(T0 + 10_000 * MIN), POLICY) == (state, ())


def test_a_new_session_can_start_after_one_ends() -> None:
    state, _ = step(started(), Stop("staff", T0 + MIN), POLICY)
    state, effects = step(
        state, Start("s2", SessionKind.POSTPAID, None, T0 + 180 * MIN, T0 + 2 * MIN), POLICY
    )
    assert state.phase is Phase.ACTIVE
    assert state.last_ended == Ended("s1", "staff", T0 + MIN)
    assert effects[1] == Unlock()


# --- properties -------------------------------------------------------------------------------

policies = st.sampled_from(
    [Policy(), Policy(warn_minutes=(10, 5, 1), idle_timeout_ms=3 * MIN), Policy((), None)]
)
offsets = st.one_of(st.none(), st.integers(-MIN, 20 * MIN))


@st.composite
def raw_events(draw: st.DrawFn) -> list[Event]:
    """Random events on a mostly forward clock; some are illegal where they land."""
    now = T0
    events: list[Event] = []
    for _ in range(draw(st.integers(0, 40))):
        now += draw(st.integers(0, 3 * MIN))
        kind = draw(st.sampled_from(["start", "extend", "activity", "tick", "tick", "tick", "stop", "early"]))
        if kind == "start":
            offset = draw(offsets)
            ends_at = None if offset is None else now + offset
            events.append(
                Start(
                    f"s{len(events)}",
                    draw(st.sampled_from([SessionKind.MEMBER, SessionKind.PREPAID])),
                    None,
                    ends_at,
                    now,
                )
            )
        elif kind == "extend":
            offset = draw(offsets)
            events.append(Extend(None if offset is None else now + offset, now))
        elif kind == "activity":
            events.append(Activity(now))
        elif kind == "tick":
            events.append(Tick(now))
        elif kind == "early":
            events.append(Tick(now - draw(st.integers(0, 2 * MIN))))
        else:
            events.append(Stop("staff", now))
    return events


def legal_run(
    events: list[Event], policy: Policy
) -> list[tuple[MachineState, Event, MachineState, tuple[Effect, ...]]]:
    """Step through ``events``, dropping illegal ones (and checking they changed nothing)."""
    state = IDLE_STATE
    steps = []
    for event in events:
        before = copy.deepcopy(state)
        try:
            after, effects = step(state, event, policy)
        except IllegalTransition:
            assert state == before
            continue
        steps.append((state, event, after, effects))
        state = after
    return steps


@settings(max_examples=150)
@given(events=raw_events(), policy=policies, cut=st.integers(0, 40))
def test_replay_is_deterministic_and_composable(events: list[Event], policy: Policy, cut: int) -> None:
    steps = legal_run(events, policy)
    journal = [event for _, event, _, _ in steps]
    final = steps[-1][2] if steps else IDLE_STATE
    assert replay(journal, policy) == replay(journal, policy) == final
    cut = min(cut, len(journal))
    assert replay(journal[cut:], policy, replay(journal[:cut], policy)) == final


@settings(max_examples=150)
@given(events=raw_events(), policy=policies)
def test_sessions_never_end_early_by_expiry_nor_outlive_their_end(
    events: list[Event], policy: Policy
) -> None:
    for before, event, after, effects in legal_run(events, policy):
        ends = [effect for effect in effects if isinstance(effect, Ended)]
        session = before.session
        if session is None:
            assert ends == []
            continue
        for ended in ends:
            assert ended.session_id == session.session_id
            assert session.started_at <= ended.ended_at
            if session.ends_at is not None:
                assert ended.ended_at <= session.ends_at
            if ended.reason == "expired":
                assert ended.ended_at == session.ends_at
                assert event.at >= ended.ended_at
            assert Lock() in effects
            assert after.last_ended == ended
        if isinstance(event, Tick) and session.ends_at is not None and event.at >= session.ends_at:
            assert after.phase is Phase.IDLE
            assert ends == [Ended(session.session_id, "expired", session.ends_at)]
        assert (after.phase is Phase.ACTIVE) == (after.session is not None)


@settings(max_examples=100)
@given(events=raw_events(), policy=policies)
def test_each_warning_mark_fires_at_most_once_per_arming(events: list[Event], policy: Policy) -> None:
    for before, event, after, effects in legal_run(events, policy):
        warns = [effect for effect in effects if isinstance(effect, Warn)]
        assert len(warns) <= 1
        if warns and before.session is not None and after.session is not None:
            assert after.session.warned > before.session.warned
            assert before.session.ends_at is not None
            assert warns[0].minutes_left * MIN >= before.session.ends_at - event.at > 0


@settings(max_examples=200)
@given(events=raw_events(), policy=policies, before=st.integers(1, 30 * MIN))
def test_a_tick_before_the_next_due_moment_changes_nothing_and_one_at_it_acts(
    events: list[Event], policy: Policy, before: int
) -> None:
    """The agent sleeps until ``next_due``: no tick it skips could have ended, warned or logged out."""
    steps = legal_run(events, policy)
    state = steps[-1][2] if steps else IDLE_STATE
    due = next_due(state, policy)
    if state.session is None:
        assert due is None
        return
    if due is None:
        assert state.session.ends_at is None
        assert policy.idle_timeout_ms is None
        return
    assert step(state, Tick(due - before), policy) == (state, ())
    after, effects = step(state, Tick(due), policy)
    assert effects
    assert after != state
