"""Agent updates, the decisions only (README "Fleet updates"); the I/O is in ``edge_agent.updater`` (the
running agent: download, check, install) and ``edge_agent.launcher`` (the process that starts the agent
and restores the previous version when a new one does not come online).

Releases live side by side under ``<state_dir>/releases/<version>/``; ``state.json`` there says which one
runs (``current``; none: the agent installed with the system) and whether it is on trial. It is replaced
whole (write, then rename), so a crash leaves either the old or the new pointer, never half of one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from protocol import UpdateOrder, UpdateOutcome, UpdateReport

# The agent exits with this code to be started again, into the version ``state.json`` now names.
EXIT_RESTART = 75
# How long a new version has to connect to the hub and say hello before the previous one is restored.
DEFAULT_TRIAL_S = 120.0


class Trial(BaseModel):
    """A version just installed that has not come online yet, and the one to go back to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    previous: str | None
    # The update command that installed it, named in the report if it is rolled back.
    command_id: str


class ReleaseState(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The release under releases/ that runs; None: the agent installed with the system.
    current: str | None = None
    trial: Trial | None = None
    # The last update rolled back, told to the hub in every hello until the next update.
    report: UpdateReport | None = None


def refusal(order: UpdateOrder, running_version: str, state: ReleaseState) -> str | None:
    """Why this agent will not start the update at all, or None."""
    if order.version == running_version:
        return f"version {order.version} is already running"
    if state.trial is not None:
        return f"version {state.trial.version} is still on trial: try again once it is online"
    return None


class PackageCheck:
    """Hashes a package as it arrives; refuses it as soon as it is longer than announced."""

    def __init__(self, order: UpdateOrder) -> None:
        self.order = order
        self.size = 0
        self._hash = hashlib.sha256()

    def feed(self, chunk: bytes) -> str | None:
        self.size += len(chunk)
        self._hash.update(chunk)
        if self.size > self.order.size:
            return f"package is larger than the announced {self.order.size} bytes"
        return None

    def verdict(self) -> str | None:
        """None when the whole package is exactly what the order announced, else why it is refused."""
        if self.size != self.order.size:
            return f"package is {self.size} bytes, not the announced {self.order.size}"
        digest = self._hash.hexdigest()
        if digest != self.order.sha256:
            return f"sha256 mismatch: got {digest}, expected {self.order.sha256}"
        return None


def installed(state: ReleaseState, version: str, command_id: str) -> ReleaseState:
    """``version`` becomes current, on trial, with the one running now to go back to."""
    return ReleaseState(
        current=version, trial=Trial(version=version, previous=state.current, command_id=command_id)
    )


def confirmed(state: ReleaseState, running_version: str) -> ReleaseState:
    """The running version came online: its trial is over (nothing changes for any other version)."""
    if state.trial is None or state.trial.version != running_version:
        return state
    return state.model_copy(update={"trial": None})


def rolled_back(state: ReleaseState, reason: str, at_ms: int) -> ReleaseState:
    """The trial failed: the previous version is current again, and the failure is to be reported."""
    assert state.trial is not None
    report = UpdateReport(
        version=state.trial.version,
        command_id=state.trial.command_id,
        outcome=UpdateOutcome.ROLLED_BACK,
        detail=reason[:256],
        at=at_ms,
    )
    return ReleaseState(current=state.trial.previous, trial=None, report=report)


def kept(state: ReleaseState, new_version: str) -> set[str]:
    """Releases to keep on disk: the new one, the current one and the one a rollback would restore."""
    names = {new_version, state.current}
    if state.trial is not None:
        names.add(state.trial.previous)
    return {name for name in names if name is not None}


class Action(StrEnum):
    WAIT = "wait"  # let the agent run (on until it exits, or until its trial's deadline)
    RESTART = "restart"  # start the current version again
    ROLL_BACK = "roll_back"  # the version on trial failed: restore the previous one, then start it


@dataclass(frozen=True)
class Decision:
    action: Action
    reason: str = ""


def decide(
    state: ReleaseState, started: str | None, exit_code: int | None, elapsed_s: float, trial_s: float
) -> Decision:
    """What the launcher does about the agent it started as version ``started`` (None: the system's):
    ``exit_code`` is None while it still runs, ``elapsed_s`` since it was started."""
    trial = state.trial
    if trial is not None and trial.version == started:
        if exit_code is not None:
            return Decision(
                Action.ROLL_BACK, f"version {started} exited with code {exit_code} before it came online"
            )
        if elapsed_s >= trial_s:
            return Decision(Action.ROLL_BACK, f"version {started} did not come online within {trial_s:g} s")
        return Decision(Action.WAIT)
    if exit_code is None:
        return Decision(Action.WAIT)
    if exit_code == EXIT_RESTART:
        return Decision(Action.RESTART, "restarting into the version installed")
    return Decision(Action.RESTART, f"the agent exited with code {exit_code}")
