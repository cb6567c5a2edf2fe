"""The agent's session runtime on an injected clock: ends on time, survives crashes and clock tampering."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from billing import price
from billing.wire import tariff_from_spec
from edge_agent.clock import TrustedClock
from edge_agent.control import SimulatedPc
from edge_agent.journal import Journal
from edge_agent.sessions import SessionRejected, SessionRuntime
from protocol import PcSettings, SessionKind, SessionOrder, TariffSpec

MINUTE = 60_000
T0 = 1_795_000_000_000  # a Wednesday, 13:06 in Tashkent
TARIFF = TariffSpec(id="standard", name="Standard", hourly_rate=1_200_000)


@dataclass
class FakeClock:
    mono: int = 5_000_000
    wall: int = T0
    boot: str = "boot-1"

    def monotonic_ms(self) -> int:
        return self.mono

    def wall_ms(self) -> int:
        return self.wall

    def boot_id(self) -> str:
        return self.boot

    def advance(self, ms: int) -> None:
        self.mono += ms
        self.wall += ms


def order(kind: SessionKind = SessionKind.PREPAID, **fields: object) -> SessionOrder:
    defaults: dict[str, object] = {"session_id": "s-1", "kind": kind, "tariff": TARIFF}
    if kind is SessionKind.PREPAID:
        defaults["prepaid_minutes"] = 10
    return SessionOrder.model_validate({**defaults, **fields})


async def runtime(tmp_path: Path, clock: FakeClock, pc: SimulatedPc | None = None) -> SessionRuntime:
    journal = Journal.open(tmp_path / "journal.sqlite")
    return await SessionRuntime.restore(journal, pc or SimulatedPc(), TrustedClock(clock))


def events(rt: SessionRuntime) -> list[tuple[str, dict[str, object]]]:
    return [(e.type, e.data) for e in rt.journal.pending()]


async def run_for(rt: SessionRuntime, clock: FakeClock, ms: int, step: int = 250) -> None:
    for _ in range(ms // step):
        clock.advance(step)
        await rt.tick()


async def test_prepaid_session_ends_on_time_with_the_right_cost(tmp_path: Path) -> None:
    clock, pc = FakeClock(), SimulatedPc()
    rt = await runtime(tmp_path, clock, pc)
    await rt.start(order())
    assert pc.locked is False
    await run_for(rt, clock, 10 * MINUTE - 250)
    assert rt.running is not None, "still running just before the end"
    await run_for(rt, clock, 500)
    assert rt.running is None
    assert pc.locked is True
    ended = [data for kind, data in events(rt) if kind == "session.ended"]
    assert len(ended) == 1
    assert ended[0]["reason"] == "expired"
    assert ended[0]["used_ms"] == 10 * MINUTE
    assert ended[0]["cost"] == 200_000  # 10 minutes of 12 000 so'm an hour = 2 000 so'm
    assert rt.warnings == [5, 1]


async def test_a_late_tick_bills_only_to_the_end(tmp_path: Path) -> None:
    clock = FakeClock()
    rt = await runtime(tmp_path, clock)
    await rt.start(order(prepaid_minutes=2))
    clock.advance(2 * MINUTE + 900)  # the tick comes 0.9 s late
    await rt.tick()
    ended = next(data for kind, data in events(rt) if kind == "session.ended")
    assert ended["used_ms"] == 2 * MINUTE


async def test_member_session_ends_when_the_budget_is_spent_and_never_exceeds_it(tmp_path: Path) -> None:
    clock = FakeClock()
    rt = await runtime(tmp_path, clock)
    budget = 50_000  # 500 so'm buys 2.5 minutes: 2 whole minutes
    await rt.start(order(SessionKind.MEMBER, member_id="m-1", budget=budget))
    await run_for(rt, clock, 3 * MINUTE)
    ended = next(data for kind, data in events(rt) if kind == "session.ended")
    assert ended["used_ms"] == 2 * MINUTE
    assert isinstance(ended["cost"], int)
    assert ended["cost"] <= budget
    assert ended["cost"] == price(tariff_from_spec(TARIFF), int(str(ended["started_at"])), 2 * MINUTE).total


async def test_postpaid_runs_until_stopped(tmp_path: Path) -> None:
    clock, pc = FakeClock(), SimulatedPc()
    rt = await runtime(tmp_path, clock, pc)
    await rt.start(order(SessionKind.POSTPAID))
    await run_for(rt, clock, 90 * MINUTE, step=MINUTE)
    assert rt.running is not None
    await rt.stop("s-1", "customer left")
    ended = next(data for kind, data in events(rt) if kind == "session.ended")
    assert (ended["reason"], ended["used_ms"]) == ("customer left", 90 * MINUTE)
    assert pc.locked is True


async def test_moving_the_clock_back_changes_neither_bill_nor_end(tmp_path: Path) -> None:
    clock = FakeClock()
    rt = await runtime(tmp_path, clock)
    await rt.start(order(prepaid_minutes=10))
    await run_for(rt, clock, 3 * MINUTE)
    clock.wall -= 2 * 60 * MINUTE  # someone sets the PC's clock back two hours
    await run_for(rt, clock, 7 * MINUTE)
    kinds = [kind for kind, _ in events(rt)]
    assert "clock.jump" in kinds
    jump = next(data for kind, data in events(rt) if kind == "clock.jump")
    assert jump["delta_ms"] == -2 * 60 * MINUTE
    ended = next(data for kind, data in events(rt) if kind == "session.ended")
    assert ended["used_ms"] == 10 * MINUTE
    assert ended["cost"] == 200_000


async def test_kill_and_restart_in_the_same_boot_counts_the_gap(tmp_path: Path) -> None:
    clock, pc = FakeClock(), SimulatedPc()
    rt = await runtime(tmp_path, clock, pc)
    rt.checkpoint_ms = MINUTE
    await rt.start(order(prepaid_minutes=30))
    await run_for(rt, clock, 5 * MINUTE + 20_000, step=1000)
    # kill -9: nothing is flushed; the journal holds what was committed.
    clock.advance(40_000)
    resumed = await SessionRuntime.restore(Journal.open(tmp_path / "journal.sqlite"), pc, TrustedClock(clock))
    assert resumed.running is not None
    # Last checkpoint at 5:00, then 20 s more before the kill and 40 s down: the PC stayed usable.
    assert resumed.running.used_ms == 6 * MINUTE
    assert pc.locked is False


async def test_after_a_reboot_the_session_resumes_from_its_last_checkpoint(tmp_path: Path) -> None:
    clock, pc = FakeClock(), SimulatedPc()
    rt = await runtime(tmp_path, clock, pc)
    rt.checkpoint_ms = MINUTE
    await rt.start(order(prepaid_minutes=30))
    await run_for(rt, clock, 5 * MINUTE + 20_000, step=1000)
    clock.boot, clock.mono = "boot-2", 1_000  # power cut; the monotonic clock restarts
    clock.wall += 10 * MINUTE
    resumed = await SessionRuntime.restore(Journal.open(tmp_path / "journal.sqlite"), pc, TrustedClock(clock))
    assert resumed.running is not None
    # No more than one checkpoint interval differs from the truth (5:20 used; 5:00 resumed).
    assert 5 * MINUTE <= resumed.running.used_ms <= 5 * MINUTE + 20_000
    await run_for(resumed, clock, 25 * MINUTE + 1000, step=1000)
    assert resumed.running is None


async def test_a_session_that_ran_out_while_the_agent_was_down_ends_at_its_limit(tmp_path: Path) -> None:
    clock, pc = FakeClock(), SimulatedPc()
    rt = await runtime(tmp_path, clock, pc)
    await rt.start(order(prepaid_minutes=5))
    await run_for(rt, clock, MINUTE)
    clock.advance(10 * MINUTE)
    resumed = await SessionRuntime.restore(Journal.open(tmp_path / "journal.sqlite"), pc, TrustedClock(clock))
    assert resumed.running is None
    assert pc.locked is True
    ended = next(data for kind, data in events(resumed) if kind == "session.ended")
    assert ended["used_ms"] == 5 * MINUTE


async def test_orders_are_idempotent_and_exclusive(tmp_path: Path) -> None:
    clock = FakeClock()
    rt = await runtime(tmp_path, clock)
    await rt.start(order())
    await rt.start(order())  # redelivered: no second start
    assert [kind for kind, _ in events(rt)].count("session.started") == 1
    with pytest.raises(SessionRejected, match="already running"):
        await rt.start(order(session_id="s-2"))
    with pytest.raises(SessionRejected, match="not running"):
        await rt.stop("s-2", "x")


async def test_extending_a_prepaid_session_moves_its_end_and_rearms_warnings(tmp_path: Path) -> None:
    clock = FakeClock()
    rt = await runtime(tmp_path, clock)
    await rt.start(order(prepaid_minutes=10))
    await run_for(rt, clock, 6 * MINUTE)
    assert rt.warnings == [5]
    await rt.extend(order(prepaid_minutes=20))
    await run_for(rt, clock, 10 * MINUTE)
    assert rt.running is not None
    await run_for(rt, clock, 4 * MINUTE + 500)
    ended = next(data for kind, data in events(rt) if kind == "session.ended")
    assert ended["used_ms"] == 20 * MINUTE
    assert rt.warnings == [5, 5, 1]
    assert [kind for kind, _ in events(rt)].count("session.extended") == 1


async def test_settings_set_policy_and_anchor_the_clock(tmp_path: Path) -> None:
    clock = FakeClock()
    rt = await runtime(tmp_path, clock)
    settings = PcSettings(
        hub_time=T0 + 7_000, tariff=TARIFF, warn_minutes=[3], idle_timeout_s=60, checkpoint_s=10
    )
    await rt.apply_settings(settings, fresh=True)
    assert rt.clock.now() == T0 + 7_000
    clock.advance(1000)
    assert rt.clock.now() == T0 + 8_000
    await rt.start(order(SessionKind.POSTPAID))
    await run_for(rt, clock, 61_000, step=1000)
    ended = next(data for kind, data in events(rt) if kind == "session.ended")
    assert ended["reason"] == "idle"
