"""``icafe agent-launcher``: the process a PC's service manager runs. It starts the agent from the release
``state.json`` names (``python -P -m edge_agent`` with that release first on the path), starts it again
when it exits, and when a newly installed version exits or does not come online within its trial, puts
the previous version back and starts that one: the rollback needs nothing from the failed version.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType

from edge_agent.config import load_agent_config
from edge_agent.update import DEFAULT_TRIAL_S, EXIT_RESTART, Action, decide, rolled_back
from edge_agent.updater import LAUNCHED_ENV, RELEASES_DIR, Releases

log = logging.getLogger(__name__)

TRIAL_ENV = "ICAFE_UPDATE_TRIAL_S"
# A version that keeps exiting by itself (not on trial: the one there is to go back to) is started again
# after this long, as a service manager would.
CRASH_DELAY_S = 2.0
STOP_WAIT_S = 10.0


class Launcher:
    def __init__(self, config_path: Path, flags: list[str], trial_s: float) -> None:
        self.config_path = config_path
        self.flags = flags
        self.trial_s = trial_s
        state_dir = load_agent_config(config_path).state_dir
        self.releases = Releases(state_dir / RELEASES_DIR)
        self.stopping = threading.Event()
        self._child: subprocess.Popen[bytes] | None = None

    def _start(self, version: str | None) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env[LAUNCHED_ENV] = "1"
        if version is not None:
            # -P keeps the working folder off the path: the release's packages come first.
            release = str(self.releases.path_of(version))
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [release, env.get("PYTHONPATH")]))
        argv = [sys.executable, "-P", "-m", "edge_agent", "--config", str(self.config_path), *self.flags]
        log.info("starting the agent, version %s", version or "installed with the system")
        return subprocess.Popen(argv, env=env)

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping.set()
        if self._child is not None and self._child.poll() is None:
            self._child.send_signal(signal.SIGTERM)

    def run(self) -> int:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self.stop)
        while not self.stopping.is_set():
            state = self.releases.load()
            started_version = state.current
            child = self._child = self._start(started_version)
            started = time.monotonic()
            while True:
                state = self.releases.load()
                on_trial = state.trial is not None and state.trial.version == started_version
                timeout = max(0.0, self.trial_s - (time.monotonic() - started)) if on_trial else None
                try:
                    exit_code: int | None = child.wait(timeout)
                except subprocess.TimeoutExpired:
                    exit_code = None
                if self.stopping.is_set():
                    self._finish(child)
                    return 0
                state = self.releases.load()
                decision = decide(state, started_version, exit_code, time.monotonic() - started, self.trial_s)
                if decision.action is Action.WAIT:
                    continue
                if decision.action is Action.ROLL_BACK:
                    log.error("update failed, restoring the previous version: %s", decision.reason)
                    self._finish(child)
                    self.releases.save(rolled_back(state, decision.reason, time.time_ns() // 1_000_000))
                elif exit_code != EXIT_RESTART:
                    log.warning("%s; starting it again in %g s", decision.reason, CRASH_DELAY_S)
                    self.stopping.wait(CRASH_DELAY_S)
                break
        return 0

    def _finish(self, child: subprocess.Popen[bytes]) -> None:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def run_launcher(config_path: Path, *, simulated: bool = False, ui: bool = False) -> int:
    flags = [flag for flag, on in (("--simulated", simulated), ("--ui", ui)) if on]
    trial_s = float(os.environ.get(TRIAL_ENV, DEFAULT_TRIAL_S))
    return Launcher(config_path, flags, trial_s).run()
