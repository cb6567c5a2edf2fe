"""What the lock screen shows and when it must be looked at again (edge_agent.screen), on an injected clock:
nothing changes by itself on a locked screen, a session's clock turns once a second, and every change of
mode says so. The guard pushes only what differs from its last push, so a state must equal itself."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_session_runtime import MINUTE, FakeClock, order

from edge_agent.clock import TrustedClock
from edge_agent.control import SimulatedPc
from edge_agent.journal import Journal
from edge_agent.screen import STAFF_MESSAGE_S, Modes, Screen, UiControl
from edge_agent.sessions import SessionRuntime


async def screen_on(tmp_path: Path, clock: FakeClock) -> tuple[Screen, SessionRuntime, UiControl]:
    control = UiControl(SimulatedPc(), Modes())
    runtime = await SessionRuntime.restore(
        Journal.open(tmp_path / "journal.sqlite"), control, TrustedClock(clock)
    )
    control.sessions = runtime
    screen = Screen(runtime, control.modes, lambda: True)
    control.on_change = screen.changed
    return screen, runtime, control


async def test_a_locked_screen_with_nothing_pending_never_needs_looking_at(tmp_path: Path) -> None:
    screen, _, _ = await screen_on(tmp_path, FakeClock())
    first = screen.state()
    assert first.mode == "locked"
    pushed = screen.versioned(first)
    assert pushed.version == 1
    assert screen.state() == first, "a state numbered for its push must not make the next one look new"
    assert screen.next_change_s() is None


async def test_a_staff_message_is_looked_at_again_when_it_runs_out(tmp_path: Path) -> None:
    screen, _, control = await screen_on(tmp_path, FakeClock())
    screen.dirty.clear()
    await control.message("The cafe closes at 23:00")
    assert screen.dirty.is_set()
    assert screen.state().staff_message == "The cafe closes at 23:00"
    wait = screen.next_change_s()
    assert wait is not None
    assert STAFF_MESSAGE_S - 5 < wait <= STAFF_MESSAGE_S + 0.01


async def test_a_session_is_looked_at_when_its_clock_shows_the_next_second(tmp_path: Path) -> None:
    clock = FakeClock()
    screen, runtime, _ = await screen_on(tmp_path, clock)
    await runtime.start(order())  # 10 prepaid minutes
    clock.advance(300)  # no tick since the start: the screen counts the time itself
    state = screen.state()
    assert state.mode == "session"
    assert state.session is not None
    assert state.session.time_left_ms == 10 * MINUTE  # 9:59.7 shows as 10:00
    assert screen.next_change_s() == pytest.approx(0.7, abs=0.01)
    clock.advance(700)
    later = screen.state()
    assert later.session is not None
    assert later.session.time_left_ms == 10 * MINUTE - 1000
    assert later != state
    assert screen.next_change_s() == pytest.approx(1.0, abs=0.01)


async def test_locking_unlocking_and_maintenance_each_mark_the_screen_changed(tmp_path: Path) -> None:
    screen, _, control = await screen_on(tmp_path, FakeClock())
    for act in (control.unlock, control.lock, lambda: control.maintenance(True)):
        screen.dirty.clear()
        await act()
        assert screen.dirty.is_set()
    assert screen.state().mode == "maintenance"


async def test_the_session_is_due_a_tick_at_its_next_warning_or_end(tmp_path: Path) -> None:
    clock = FakeClock()
    _, runtime, _ = await screen_on(tmp_path, clock)
    assert runtime.due_in_ms() is None
    await runtime.start(order())  # 10 minutes
    assert runtime.due_in_ms() == MINUTE  # a checkpoint a minute, first
    runtime.checkpoint_ms = 60 * MINUTE
    assert runtime.due_in_ms() == 5 * MINUTE  # then the 5-minute warning
    clock.advance(5 * MINUTE)
    await runtime.tick()
    assert runtime.warnings == [5]
    assert runtime.due_in_ms() == 4 * MINUTE  # the 1-minute mark
