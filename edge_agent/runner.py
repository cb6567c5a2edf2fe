"""Running one agent (``icafe agent``) or many simulated ones in one process (``icafe simulate``)."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import ssl
from collections.abc import Callable
from pathlib import Path

from edge_agent import __version__
from edge_agent.agent import Agent
from edge_agent.clock import Clock, ScaledClock, SystemClock, TrustedClock
from edge_agent.config import AgentConfig, load_agent_config
from edge_agent.control import PcControl, SimulatedPc, SystemPc
from edge_agent.guard import Logins, UiGuard
from edge_agent.hardening import self_test
from edge_agent.journal import Journal, JournalCorrupt, JournalEntry
from edge_agent.link import UnixSocketTransport
from edge_agent.outbox import Outbox
from edge_agent.screen import Modes, Screen, UiControl
from edge_agent.sessions import SessionRuntime
from edge_agent.telemetry import PsutilTelemetry, SharedTelemetry, TelemetrySource, read_hardware
from edge_agent.update import EXIT_RESTART
from edge_agent.updater import LAUNCHED_ENV, RELEASES_DIR, Releases, Updater
from protocol import Hardware
from protocol.transport import tls_context

log = logging.getLogger(__name__)

JOURNAL_FILE = "journal.sqlite"


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


async def _run_agents(agents: list[Agent]) -> bool:
    """Run until a signal, or until one asks to be restarted into a new version (then True)."""
    tasks = [asyncio.create_task(agent.run(), name=agent.config.pc_id) for agent in agents]
    waiter = asyncio.create_task(_until_signalled())
    restarts = [asyncio.create_task(agent.restart.wait()) for agent in agents]
    done, _ = await asyncio.wait([waiter, *tasks, *restarts], return_when=asyncio.FIRST_COMPLETED)
    restart = any(agent.restart.is_set() for agent in agents)
    await asyncio.gather(*(agent.go_offline() for agent in agents), return_exceptions=True)
    for task in [waiter, *tasks, *restarts]:
        task.cancel()
    await asyncio.gather(waiter, *tasks, *restarts, return_exceptions=True)
    for agent in agents:
        agent.sessions.journal.close()
    for task in done:
        if task in tasks and task.exception():
            raise task.exception()  # type: ignore[misc]
    return restart


def open_journal(state_dir: Path) -> tuple[Journal, Path | None]:
    """The PC's journal; a corrupt one is moved aside (never reset silently) and a fresh one begun."""
    path = state_dir / JOURNAL_FILE
    try:
        return Journal.open(path), None
    except JournalCorrupt as exc:
        log.error("journal %s is corrupt; quarantined to %s", path, exc.quarantined_to)
        return Journal.open(path), exc.quarantined_to


async def build_agent(
    config: AgentConfig,
    control: PcControl,
    telemetry: TelemetrySource,
    *,
    clock: Clock | None = None,
    hardware: Hardware | None = None,
    tls: ssl.SSLContext | None = None,
    ui: bool = False,
    ui_env: dict[str, str] | None = None,
) -> Agent:
    """An agent; with ``ui``, it starts and guards the lock screen (``icafe agent-ui``) on a local link
    under its state folder, and ``control`` only restarts and shuts the machine down."""
    journal, quarantined = await asyncio.to_thread(open_journal, config.state_dir)
    outbox = Outbox(journal)
    watchers: list[Callable[[JournalEntry], None]] = [outbox.notify]

    def journaled(entry: JournalEntry) -> None:
        for watch in watchers:
            watch(entry)

    screen_control = UiControl(control, Modes()) if ui else None
    sessions = await SessionRuntime.restore(
        journal, screen_control or control, TrustedClock(clock or SystemClock()), on_journal=journaled
    )
    if quarantined is not None:
        # Reported through the fresh journal, so the hub learns of it exactly once.
        await asyncio.to_thread(
            journal.append, "journal.quarantined", {"path": str(quarantined)}, sessions.clock.now()
        )
    link_folder = config.state_dir / "link" if ui else None
    agent = Agent(
        config,
        screen_control or control,
        telemetry,
        sessions,
        outbox,
        hardware=hardware,
        tls=tls,
        updater=updater_for(config),
    )
    if screen_control is not None and link_folder is not None:
        screen_control.sessions = sessions
        screen = Screen(sessions, screen_control.modes, agent.connected.is_set)
        screen_control.on_change = agent.on_change = screen.changed
        guard = UiGuard(
            sessions,
            screen,
            UnixSocketTransport(link_folder),
            Logins(agent.member_login, agent.code_login),
            env=ui_env,
        )
        watchers.append(guard.journaled)
        agent.guard = guard
        await asyncio.to_thread(link_folder.mkdir, parents=True, exist_ok=True, mode=0o700)
    agent.hardening = await asyncio.to_thread(self_test(guarded=ui, link_folder=link_folder).run)
    return agent


def updater_for(config: AgentConfig) -> Updater | None:
    """An agent started by its launcher may update itself (README "Fleet updates"); any other may not."""
    if os.environ.get(LAUNCHED_ENV) != "1":
        return None
    return Updater(Releases(config.state_dir / RELEASES_DIR), __version__)


def simulation_clock() -> Clock:
    """Simulated PCs may run on a faster clock (ICAFE_CLOCK_SCALE); real PCs never do."""
    scale = float(os.environ.get("ICAFE_CLOCK_SCALE", "1"))
    return SystemClock() if scale == 1 else ScaledClock(SystemClock(), scale)


def run_agent(config_path: Path, *, simulated: bool = False, ui: bool = False) -> int:
    """Run one agent; its exit code (``EXIT_RESTART`` when an update was installed)."""
    config = load_agent_config(config_path, simulated=simulated)
    control: PcControl = SimulatedPc(config.state_dir / "actions.jsonl") if config.simulated else SystemPc()
    clock = simulation_clock() if config.simulated else SystemClock()

    async def main() -> bool:
        return await _run_agents([await build_agent(config, control, PsutilTelemetry(), clock=clock, ui=ui)])

    return EXIT_RESTART if asyncio.run(main()) else 0


async def simulated_agents(agents_dir: Path, count: int) -> list[Agent]:
    """``count`` simulated PCs from the bundles pc-001..pc-<count> under ``agents_dir``."""
    shared = SharedTelemetry()
    clock = simulation_clock()
    hardware = await asyncio.to_thread(read_hardware)

    async def one(index: int) -> Agent:
        config = load_agent_config(agents_dir / f"pc-{index:03d}" / "agent.toml", simulated=True)
        # A TLS context per PC: each presents its own certificate, exactly as on a real PC.
        tls = tls_context(config.ca_file, config.cert_file, config.key_file)
        control = SimulatedPc(config.state_dir / "actions.jsonl")
        return await build_agent(config, control, shared.for_pc(), clock=clock, hardware=hardware, tls=tls)

    # Concurrently: each opens its journal in a worker thread.
    return list(await asyncio.gather(*(one(index) for index in range(1, count + 1))))


def run_simulation(agents_dir: Path, count: int) -> None:
    async def main() -> None:
        agents = await simulated_agents(agents_dir, count)
        log.info("simulating %d PCs", len(agents))
        await _run_agents(agents)

    asyncio.run(main())
