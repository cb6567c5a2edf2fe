"""The agent's self-test at start: how hard is this PC's lock screen to get around? Reported to the hub in
the hello as the PC's lock-hardening grade.

A port with one implementation per platform. Linux checks what it can from here: that the agent itself
starts and guards the lock screen, that the local link's folder and socket admit only the agent's user,
and that the X server lets the lock screen grab the keyboard and pointer (on X11; Wayland offers no
global grab). Windows reads the registry settings the README's Windows section sets (the shell, the
policies); it cannot run here and is untested on this project's machines.
"""

from __future__ import annotations

import importlib
import os
import platform
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from protocol import Hardening, HardeningCheck, HardeningGrade


class SelfTest(Protocol):
    def run(self) -> Hardening:
        """Blocking (it may read the registry or ask the X server): call through a thread."""
        ...


def grade(checks: list[HardeningCheck], *, guarded: bool) -> Hardening:
    """Strong: every check passed. Weak: no guarded lock screen at all, or most checks failed. Partial:
    anything between, including checks this platform cannot make."""
    failed = sum(1 for check in checks if check.ok is False)
    if not guarded or failed * 2 > len(checks):
        value = HardeningGrade.WEAK
    elif all(check.ok is True for check in checks):
        value = HardeningGrade.STRONG
    else:
        value = HardeningGrade.PARTIAL
    return Hardening(grade=value, checks=checks[:8])


@dataclass(frozen=True)
class LinuxSelfTest:
    guarded: bool  # the agent starts the lock screen and restarts it (icafe agent --ui)
    link_folder: Path | None = None

    def run(self) -> Hardening:
        checks = [
            HardeningCheck(
                name="ui.guarded",
                ok=self.guarded,
                detail="the agent starts and restarts the lock screen" if self.guarded else "no lock screen",
            ),
            self._link(),
            self._x11_grab(),
        ]
        return grade(checks, guarded=self.guarded)

    def _link(self) -> HardeningCheck:
        if self.link_folder is None:
            return HardeningCheck(name="link.private", ok=None, detail="no local link")
        try:
            mode = stat.S_IMODE(self.link_folder.stat().st_mode)
        except OSError as exc:
            return HardeningCheck(name="link.private", ok=False, detail=str(exc)[:128])
        private = mode & 0o077 == 0
        return HardeningCheck(name="link.private", ok=private, detail=f"folder mode {mode:04o}")

    def _x11_grab(self) -> HardeningCheck:
        display = os.environ.get("DISPLAY")
        if not display:
            return HardeningCheck(name="x11.grab", ok=None, detail="no X display (Wayland or headless)")
        try:
            # xdpyinfo answers when the display accepts clients; the lock screen grabs through Qt (xcb).
            done = subprocess.run(
                ["xdpyinfo", "-display", display], capture_output=True, timeout=5, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return HardeningCheck(name="x11.grab", ok=None, detail=f"cannot ask the X server: {exc}"[:128])
        ok = done.returncode == 0
        return HardeningCheck(name="x11.grab", ok=ok, detail=f"X display {display}"[:128])


# Windows: what the README's Windows section sets, read back from the registry.
_WINDOWS_CHECKS = (
    (
        "shell.kiosk",
        r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon",
        "Shell",
        lambda value: "agent-ui" in str(value).lower(),
    ),
    (
        "taskmgr.disabled",
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System",
        "DisableTaskMgr",
        lambda value: value == 1,
    ),
    (
        "lockworkstation.disabled",
        r"SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System",
        "DisableLockWorkstation",
        lambda value: value == 1,
    ),
)


@dataclass(frozen=True)
class WindowsSelfTest:
    """Untested here (no Windows machine): reads HKLM for the kiosk shell and the policies. Keyboard
    Filter's state lives in WMI, not the registry, and is not checked yet."""

    guarded: bool

    def run(self) -> Hardening:
        winreg: Any = importlib.import_module("winreg")  # Windows only

        checks = [HardeningCheck(name="ui.guarded", ok=self.guarded)]
        for name, key, value_name, passes in _WINDOWS_CHECKS:
            try:
                with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, key) as handle:
                    value, _ = winreg.QueryValueEx(handle, value_name)
                checks.append(
                    HardeningCheck(name=name, ok=bool(passes(value)), detail=f"{value_name}={value}"[:128])
                )
            except OSError:
                checks.append(HardeningCheck(name=name, ok=False, detail=f"{value_name} not set"))
        return grade(checks, guarded=self.guarded)


def self_test(*, guarded: bool, link_folder: Path | None) -> SelfTest:
    if platform.system() == "Windows":
        return WindowsSelfTest(guarded)
    return LinuxSelfTest(guarded, link_folder)
