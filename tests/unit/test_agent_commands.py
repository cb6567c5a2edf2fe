"""The agent's command executor: at most once, never stale, failures reported as outcomes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from edge_agent.agent import Backoff
from edge_agent.clock import SystemClock, TrustedClock
from edge_agent.commands import CLOCK_SKEW_ALLOWANCE_MS, CommandExecutor
from edge_agent.control import ControlError, SimulatedPc
from edge_agent.journal import Journal
from edge_agent.sessions import SessionRuntime
from protocol import Command, CommandOutcome, CommandType

NOW = 1_800_000_000_000
PC_COMMANDS = [
    CommandType.LOCK,
    CommandType.UNLOCK,
    CommandType.MESSAGE,
    CommandType.RESTART,
    CommandType.SHUTDOWN,
]


def command(
    kind: CommandType, *, cid: str = "c1", text: str | None = None, expires_at: int = NOW + 10_000
) -> Command:
    return Command(id=cid, type=kind, text=text, issued_at=NOW, expires_at=expires_at)


@pytest.fixture
def pc() -> SimulatedPc:
    return SimulatedPc()


@pytest.fixture
def sessions(tmp_path: Path, pc: SimulatedPc) -> Iterator[SessionRuntime]:
    """The agent's session runtime, with no session running."""
    with Journal.open(tmp_path / "journal.sqlite") as journal:
        yield SessionRuntime(journal, pc, TrustedClock(SystemClock()))


async def test_each_command_reaches_the_pc(pc: SimulatedPc, sessions: SessionRuntime) -> None:
    executor = CommandExecutor(pc, sessions, clock=lambda: NOW)
    for i, kind in enumerate(PC_COMMANDS):
        text = "hi" if kind is CommandType.MESSAGE else None
        ack = await executor.execute(command(kind, cid=f"c{i}", text=text))
        assert ack.outcome is CommandOutcome.DONE
        assert ack.id == f"c{i}"
    assert [a["action"] for a in pc.actions] == [k.value for k in PC_COMMANDS]
    assert pc.actions[2] == {"action": "message", "text": "hi"}


async def test_lock_state_follows_commands(pc: SimulatedPc, sessions: SessionRuntime) -> None:
    executor = CommandExecutor(pc, sessions, clock=lambda: NOW)
    await executor.execute(command(CommandType.UNLOCK, cid="a"))
    assert pc.locked is False
    await executor.execute(command(CommandType.LOCK, cid="b"))
    assert pc.locked is True


async def test_session_orders_without_their_session_are_rejected(
    pc: SimulatedPc, sessions: SessionRuntime
) -> None:
    executor = CommandExecutor(pc, sessions, clock=lambda: NOW)
    ack = await executor.execute(command(CommandType.SESSION_STOP))
    assert ack.outcome is CommandOutcome.REJECTED
    assert "without its session" in ack.detail
    assert pc.actions == []


async def test_a_redelivered_command_runs_once_and_gets_the_same_ack(
    pc: SimulatedPc, sessions: SessionRuntime
) -> None:
    executor = CommandExecutor(pc, sessions, clock=lambda: NOW)
    first = await executor.execute(command(CommandType.RESTART))
    second = await executor.execute(command(CommandType.RESTART))
    assert first == second
    assert pc.actions == [{"action": "restart", "text": ""}]


async def test_a_command_delivered_after_it_expired_is_rejected(
    pc: SimulatedPc, sessions: SessionRuntime
) -> None:
    late = NOW + CLOCK_SKEW_ALLOWANCE_MS + 1
    executor = CommandExecutor(pc, sessions, clock=lambda: late)
    ack = await executor.execute(command(CommandType.SHUTDOWN, expires_at=NOW))
    assert ack.outcome is CommandOutcome.REJECTED
    assert ack.detail == "expired"
    assert pc.actions == []


async def test_small_clock_skew_is_tolerated(pc: SimulatedPc, sessions: SessionRuntime) -> None:
    executor = CommandExecutor(pc, sessions, clock=lambda: NOW + CLOCK_SKEW_ALLOWANCE_MS)
    ack = await executor.execute(command(CommandType.LOCK, expires_at=NOW))
    assert ack.outcome is CommandOutcome.DONE


async def test_a_message_without_text_is_rejected(pc: SimulatedPc, sessions: SessionRuntime) -> None:
    ack = await CommandExecutor(pc, sessions, clock=lambda: NOW).execute(
        command(CommandType.MESSAGE, text=None)
    )
    assert ack.outcome is CommandOutcome.REJECTED
    assert pc.actions == []


@dataclass
class BrokenPc(SimulatedPc):
    calls: list[str] = field(default_factory=list)

    async def shutdown(self) -> None:
        raise ControlError("systemctl exited 1: access denied")


async def test_a_failing_action_is_reported_not_raised(sessions: SessionRuntime) -> None:
    ack = await CommandExecutor(BrokenPc(), sessions, clock=lambda: NOW).execute(
        command(CommandType.SHUTDOWN)
    )
    assert ack.outcome is CommandOutcome.FAILED
    assert "access denied" in ack.detail


def test_simulated_pc_records_to_a_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import json

    pc = SimulatedPc(tmp_path / "state" / "actions.jsonl")
    asyncio.run(pc.message("bonjour"))
    lines = (tmp_path / "state" / "actions.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [{"action": "message", "text": "bonjour"}]


def test_backoff_is_capped_and_jittered() -> None:
    backoff = Backoff(initial_s=0.5, cap_s=30)
    delays = [backoff.delay(attempt) for attempt in range(40)]
    assert all(0 <= d <= 30 for d in delays)
    assert max(backoff.delay(1) for _ in range(200)) <= 1.0
    assert len({round(backoff.delay(10), 6) for _ in range(20)}) > 1  # not in lockstep
