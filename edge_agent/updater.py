"""Updating the running agent (the ``update`` command): download the package, check its size and SHA-256,
unpack it beside the current release and point ``state.json`` at it; the agent then exits with
``EXIT_RESTART`` and its launcher starts the new version (``edge_agent.launcher``). The decisions are in
``edge_agent.update``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import tarfile
import urllib.error
import urllib.request
from pathlib import Path

from pydantic import ValidationError

from edge_agent.control import ControlError
from edge_agent.update import PackageCheck, ReleaseState, confirmed, installed, kept, refusal
from protocol import UpdateOrder, UpdateReport

log = logging.getLogger(__name__)

# Set by the launcher in the agent's environment: only an agent it started can restart into a new version.
LAUNCHED_ENV = "ICAFE_AGENT_LAUNCHED"
# Agent releases side by side, and state.json, under the agent's state folder.
RELEASES_DIR = "releases"
STATE_FILE = "state.json"
CHUNK = 64 * 1024
DOWNLOAD_TIMEOUT_S = 30.0


def _owner_only_data(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    """tarfile's "data" filter (no absolute paths, no "..", no links out, no devices), and modes kept to
    the agent's own user, like everything else in its state folder (a package's 0644 is not kept)."""
    member = tarfile.data_filter(member, dest)
    return member if member.mode is None else member.replace(mode=member.mode & 0o700, deep=False)


class UpdateRejected(Exception):
    """This agent will not start the update (acknowledged ``rejected``); nothing was touched."""


class UpdateFailed(ControlError):
    """The update could not be done (acknowledged ``failed``); nothing was installed."""


class Releases:
    """The folder of releases, side by side, and ``state.json``, which says which one runs."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, version: str) -> Path:
        return self.root / version

    def load(self) -> ReleaseState:
        try:
            return ReleaseState.model_validate_json((self.root / STATE_FILE).read_bytes())
        except FileNotFoundError:
            return ReleaseState()
        except (OSError, ValidationError) as exc:
            # Unreadable: run the version installed with the system rather than nothing.
            log.error("%s is unreadable (%s): starting the system's agent", self.root / STATE_FILE, exc)
            return ReleaseState()

    def save(self, state: ReleaseState) -> None:
        """Replace the state whole: write a new file, flush it, rename it over the old one."""
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f".{STATE_FILE}.{os.getpid()}"
        with temporary.open("w") as out:
            out.write(json.dumps(state.model_dump(mode="json")))
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.root / STATE_FILE)


class Updater:
    def __init__(self, releases: Releases, running_version: str) -> None:
        self.releases = releases
        self.running_version = running_version
        # Set once a new version is installed: the agent acknowledges, then exits to be restarted.
        self.restart_requested = False

    def report(self) -> UpdateReport | None:
        return self.releases.load().report

    def online(self) -> None:
        """The running version connected and said hello: a trial of it is over."""
        state = self.releases.load()
        now = confirmed(state, self.running_version)
        if now != state:
            self.releases.save(now)
            log.info("version %s came online: update confirmed", self.running_version)

    async def update(self, order: UpdateOrder, command_id: str) -> None:
        reason = refusal(order, self.running_version, self.releases.load())
        if reason is not None:
            raise UpdateRejected(reason)
        await asyncio.to_thread(self._install, order, command_id)
        self.restart_requested = True

    def _install(self, order: UpdateOrder, command_id: str) -> None:
        root = self.releases.root
        root.mkdir(parents=True, exist_ok=True)
        package = root / f".incoming-{order.version}.tar.gz"
        unpacking = root / f".unpacking-{order.version}"
        try:
            self._download(order, package)
            shutil.rmtree(unpacking, ignore_errors=True)
            try:
                with tarfile.open(package, "r:gz") as archive:
                    archive.extractall(unpacking, filter=_owner_only_data)  # noqa: S202 (data_filter inside)
            except (tarfile.TarError, OSError) as exc:
                raise UpdateFailed(f"package does not unpack: {exc}") from None
            if not (unpacking / "edge_agent" / "__init__.py").is_file():
                raise UpdateFailed("package holds no edge_agent package")
            target = self.releases.path_of(order.version)
            shutil.rmtree(target, ignore_errors=True)
            os.replace(unpacking, target)
            state = self.releases.load()
            self.releases.save(installed(state, order.version, command_id))
            self._prune(kept(state, order.version))
            log.info("version %s installed beside %s", order.version, state.current or "the system's")
        finally:
            package.unlink(missing_ok=True)
            shutil.rmtree(unpacking, ignore_errors=True)

    @staticmethod
    def _download(order: UpdateOrder, into: Path) -> None:
        check = PackageCheck(order)
        try:
            with (
                # UpdateOrder admits http(s) URLs only.
                urllib.request.urlopen(order.url, timeout=DOWNLOAD_TIMEOUT_S) as response,  # noqa: S310
                into.open("wb") as out,
            ):
                while chunk := response.read(CHUNK):
                    too_long = check.feed(chunk)
                    if too_long is not None:
                        raise UpdateFailed(too_long)
                    out.write(chunk)
        except (urllib.error.URLError, OSError) as exc:
            raise UpdateFailed(f"download failed: {exc}") from None
        verdict = check.verdict()
        if verdict is not None:
            raise UpdateFailed(verdict)

    def _prune(self, keep: set[str]) -> None:
        for entry in self.releases.root.iterdir():
            if entry.is_dir() and not entry.name.startswith(".") and entry.name not in keep:
                with contextlib.suppress(OSError):
                    shutil.rmtree(entry)
