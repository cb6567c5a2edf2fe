"""The port through which commands touch the PC, and its implementations.

``SimulatedPc`` records what it was told (simulated agents, tests); ``SystemPc`` acts on the real
machine. With the lock screen (icafe[agent-ui]), ``edge_agent.screen.UiControl`` drives the screen and
hands restart and shutdown to one of these.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


class ControlError(RuntimeError):
    """The PC could not carry out an action."""


class PcControl(Protocol):
    @property
    def locked(self) -> bool: ...
    async def lock(self) -> None: ...
    async def unlock(self) -> None: ...
    async def message(self, text: str) -> None: ...
    async def warn(self, minutes_left: int) -> None: ...
    async def maintenance(self, on: bool) -> None:
        """On: the PC is being serviced and takes no logins. Off also ends a lockdown (staff came)."""
        ...

    async def restart(self) -> None: ...
    async def shutdown(self) -> None: ...


@dataclass
class SimulatedPc:
    """Records every action in memory and, if given a path, as JSON lines (for tests and the demo)."""

    record_path: Path | None = None
    locked: bool = True
    in_maintenance: bool = False
    actions: list[dict[str, str]] = field(default_factory=list)

    def _record(self, action: str, text: str = "") -> None:
        entry = {"action": action, "text": text}
        self.actions.append(entry)
        if self.record_path is not None:
            self.record_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.record_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a") as out:
                out.write(json.dumps(entry) + "\n")

    async def lock(self) -> None:
        self.locked = True
        self._record("lock")

    async def unlock(self) -> None:
        self.locked = False
        self._record("unlock")

    async def message(self, text: str) -> None:
        self._record("message", text)

    async def warn(self, minutes_left: int) -> None:
        self._record("message", f"{minutes_left} min left")

    async def maintenance(self, on: bool) -> None:
        if on != self.in_maintenance:  # recorded when it changes
            self.in_maintenance = on
            self._record("maintenance", "on" if on else "off")

    async def restart(self) -> None:
        self._record("restart")

    async def shutdown(self) -> None:
        self._record("shutdown")


class SystemPc:
    """Acts on this machine through the operating system's own commands."""

    def __init__(self) -> None:
        self._locked = False
        self._windows = platform.system() == "Windows"

    @property
    def locked(self) -> bool:
        return self._locked

    async def _run(self, *argv: str) -> None:
        process = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
        )
        _, err = await process.communicate()
        if process.returncode != 0:
            raise ControlError(f"{argv[0]} exited {process.returncode}: {err.decode(errors='replace')[:200]}")

    async def lock(self) -> None:
        if self._windows:
            await self._run("rundll32.exe", "user32.dll,LockWorkStation")
        else:
            await self._run("loginctl", "lock-sessions")
        self._locked = True

    async def unlock(self) -> None:
        if not self._windows:
            await self._run("loginctl", "unlock-sessions")
        self._locked = False

    async def message(self, text: str) -> None:
        if self._windows:
            await self._run("msg.exe", "*", text)
        else:
            await self._run("wall", text)

    async def warn(self, minutes_left: int) -> None:
        await self.message(f"{minutes_left} min left")

    async def maintenance(self, on: bool) -> None:
        """Without the lock screen there is nothing to show; the machine stays as it is."""

    async def restart(self) -> None:
        await self._run(*(["shutdown.exe", "/r", "/t", "5"] if self._windows else ["systemctl", "reboot"]))

    async def shutdown(self) -> None:
        await self._run(*(["shutdown.exe", "/s", "/t", "5"] if self._windows else ["systemctl", "poweroff"]))


def platform_name() -> str:
    return (
        f"{platform.system()} {platform.release()} (Python {sys.version_info.major}.{sys.version_info.minor})"
    )
