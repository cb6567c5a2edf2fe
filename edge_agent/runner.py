"""Running one agent (``icafe agent``) or many simulated ones in one process (``icafe simulate``)."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from edge_agent.agent import Agent
from edge_agent.config import load_agent_config
from edge_agent.control import SimulatedPc, SystemPc
from edge_agent.telemetry import PsutilTelemetry, SharedTelemetry, read_hardware
from protocol.transport import tls_context

log = logging.getLogger(__name__)


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


async def _run_agents(agents: list[Agent]) -> None:
    tasks = [asyncio.create_task(agent.run(), name=agent.config.pc_id) for agent in agents]
    waiter = asyncio.create_task(_until_signalled())
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    await asyncio.gather(*(agent.go_offline() for agent in agents), return_exceptions=True)
    for task in [waiter, *tasks]:
        task.cancel()
    await asyncio.gather(waiter, *tasks, return_exceptions=True)
    for task in done:
        if task is not waiter and task.exception():
            raise task.exception()  # type: ignore[misc]


def run_agent(config_path: Path, *, simulated: bool = False) -> None:
    config = load_agent_config(config_path, simulated=simulated)
    control = SimulatedPc(config.state_dir / "actions.jsonl") if config.simulated else SystemPc()
    agent = Agent(config, control, PsutilTelemetry())
    asyncio.run(_run_agents([agent]))


def simulated_agents(agents_dir: Path, count: int) -> list[Agent]:
    """``count`` simulated PCs from the bundles pc-001..pc-<count> under ``agents_dir``."""
    shared = SharedTelemetry()
    hardware = read_hardware()
    agents: list[Agent] = []
    for index in range(1, count + 1):
        config = load_agent_config(agents_dir / f"pc-{index:03d}" / "agent.toml", simulated=True)
        # A TLS context per PC: each presents its own certificate, exactly as on a real PC.
        tls = tls_context(config.ca_file, config.cert_file, config.key_file)
        control = SimulatedPc(config.state_dir / "actions.jsonl")
        agents.append(Agent(config, control, shared.for_pc(), hardware=hardware, tls=tls))
    return agents


def run_simulation(agents_dir: Path, count: int) -> None:
    agents = simulated_agents(agents_dir, count)
    log.info("simulating %d PCs", len(agents))
    asyncio.run(_run_agents(agents))
