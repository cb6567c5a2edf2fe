"""Agent updates from the hub (README "Fleet updates"): which PCs a ring takes, what became of each, the
fleet's versions, and the signed links PCs download a release with. The rules are pure functions; the
``FleetUpdates`` service below does the I/O.

A PC holds a client certificate for MQTT, not an HTTP token, so the ``update`` command itself carries the
download permission: a link signed with the hub's key, naming the release and the PC, valid 15 minutes.
The command reaches that PC only (the broker's ACL), and the package's integrity does not rest on the link
at all: the agent checks the SHA-256 the same command carries before it installs anything.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hub.clock import now_ms
from hub.commands import CommandService
from hub.live import LiveState
from hub.store import CommandRecord, PcRecord, Store
from hub.store.commands import CommandState
from hub.store.fleet import AgentRelease, RolloutRecord, RolloutTarget
from hub.tasks import BackgroundTasks
from protocol import CommandType, UpdateOrder, UpdateOutcome

VERSION_PATTERN = r"^[A-Za-z0-9_.+-]{1,64}$"
DOWNLOAD_TTL_MS = 15 * 60 * 1000
RELEASES_DIR = "agent-releases"
UNKNOWN = "unknown"


class Ring(StrEnum):
    ONE = "one"  # one PC: named, or the first canary
    TENTH = "10%"  # a tenth of the fleet (at least one PC), the same canaries each time
    ALL = "all"


class TargetState(StrEnum):
    PENDING = "pending"  # sent, not acknowledged yet
    INSTALLING = "installing"  # the package passed its checks and is installed; the PC is restarting
    DONE = "done"  # the PC came back and reports the new version
    FAILED = "failed"  # refused (a wrong hash, a download that failed, ...) or never delivered
    ROLLED_BACK = "rolled_back"  # the new version did not come online; the PC runs the previous one


@dataclass(frozen=True)
class FleetPc:
    id: str
    version: str | None
    online: bool


class RingError(ValueError):
    """The ring cannot be rolled out as asked; the message says why."""


def canary_rank(pc_id: str) -> str:
    """A PC's place in the canary order: stable, and spread across the cafe rather than by name."""
    return hashlib.sha256(pc_id.encode()).hexdigest()


def ring_targets(
    fleet: Sequence[FleetPc], version: str, ring: Ring, pc_id: str | None = None
) -> tuple[list[str], list[str]]:
    """The PCs to send the update to, and those the ring takes that are offline (left for later). PCs
    already on ``version`` are never targets; a ring of 10 % counts those toward its tenth."""
    if pc_id is not None and ring is not Ring.ONE:
        raise RingError("name a PC only with the ring 'one'")
    ordered = sorted(fleet, key=lambda pc: canary_rank(pc.id))
    behind = [pc for pc in ordered if pc.version != version]
    if ring is Ring.ONE:
        if pc_id is not None:
            named = [pc for pc in fleet if pc.id == pc_id]
            if not named:
                raise RingError(f"no PC {pc_id!r}")
            if named[0].version == version:
                raise RingError(f"{pc_id} already runs {version}")
            if not named[0].online:
                raise RingError(f"{pc_id} is offline: choose an online PC")
            return [pc_id], []
        online = [pc for pc in behind if pc.online]
        return [pc.id for pc in online[:1]], []
    if ring is Ring.TENTH:
        wanted = max(1, math.ceil(len(fleet) / 10)) - (len(fleet) - len(behind))
        behind = behind[: max(0, wanted)]
    return [pc.id for pc in behind if pc.online], [pc.id for pc in behind if not pc.online]


def target_state(
    version: str, command_id: str, command: CommandRecord | None, pc: PcRecord | None
) -> tuple[TargetState, str]:
    """What became of one PC's update to ``version`` sent as ``command_id``, with a detail."""
    report = pc.update if pc is not None else None
    # The report names the command that installed the version: no PC clock is compared with the hub's.
    if (
        report is not None
        and report.get("command_id") == command_id
        and report.get("outcome") == UpdateOutcome.ROLLED_BACK
    ):
        return TargetState.ROLLED_BACK, str(report.get("detail") or "")
    if pc is not None and pc.agent_version == version:
        return TargetState.DONE, ""
    if command is None:
        return TargetState.PENDING, ""
    match command.state:
        case CommandState.DONE:
            return TargetState.INSTALLING, command.detail or ""
        case CommandState.FAILED | CommandState.REJECTED:
            return TargetState.FAILED, command.detail or ""
        case CommandState.UNDELIVERED:
            return TargetState.FAILED, "the broker was unreachable"
    return TargetState.PENDING, "no acknowledgement yet" if command.state is CommandState.TIMEOUT else ""


def fleet_summary(pcs: Iterable[PcRecord]) -> dict[str, Any]:
    """How many PCs run each agent version, each OS, each lock-hardening grade."""
    versions: Counter[str] = Counter()
    systems: Counter[str] = Counter()
    grades: Counter[str] = Counter()
    total = 0
    for pc in pcs:
        total += 1
        versions[pc.agent_version or UNKNOWN] += 1
        systems[pc.os or UNKNOWN] += 1
        grades[str((pc.hardening or {}).get("grade") or UNKNOWN)] += 1
    return {"total": total, "versions": dict(versions), "os": dict(systems), "hardening": dict(grades)}


def _signing_key(secret: str) -> bytes:
    # Its own key, derived from the hub's: a download link is no access token.
    return hmac.new(secret.encode(), b"icafe agent package download", hashlib.sha256).digest()


def download_signature(secret: str, version: str, pc_id: str, expires_ms: int) -> str:
    message = f"{version}\n{pc_id}\n{expires_ms}".encode()
    return hmac.new(_signing_key(secret), message, hashlib.sha256).hexdigest()


def download_allowed(
    secret: str, version: str, pc_id: str, expires_ms: int, signature: str, now: int
) -> bool:
    expected = download_signature(secret, version, pc_id, expires_ms)
    return now <= expires_ms and hmac.compare_digest(expected, signature)


class FleetUpdates:
    def __init__(
        self, store: Store, live: LiveState, commands: CommandService, data_dir: Path, secret: str
    ) -> None:
        self._store = store
        self._live = live
        self._commands = commands
        self._secret = secret
        self.releases_dir = data_dir / RELEASES_DIR
        self._deliveries = BackgroundTasks()

    def path_of(self, release: AgentRelease) -> Path:
        return self.releases_dir / release.file

    async def upload(self, version: str, data: bytes, by: str) -> AgentRelease | None:
        """Store the package and its record; None when that version exists already."""
        if not re.fullmatch(VERSION_PATTERN, version):
            raise ValueError(f"version {version!r} must match {VERSION_PATTERN}")
        digest = hashlib.sha256(data).hexdigest()
        release = AgentRelease(
            version=version,
            sha256=digest,
            size=len(data),
            # Named by its hash too: a file is only ever the package its record describes.
            file=f"{version}-{digest[:16]}.tar.gz",
            uploaded_by=by,
            uploaded_at=now_ms(),
        )
        if await self._store.agent_releases.get(version) is not None:
            return None
        await asyncio.to_thread(self._write, release, data)
        return release if await self._store.agent_releases.insert(release) else None

    def _write(self, release: AgentRelease, data: bytes) -> None:
        self.releases_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.releases_dir / f".{release.file}.{uuid.uuid4().hex}"
        temporary.write_bytes(data)
        os.replace(temporary, self.path_of(release))

    async def fleet(self) -> list[PcRecord]:
        pcs: list[PcRecord] = []
        while True:
            page, total = await self._store.pcs.page(skip=len(pcs), limit=500)
            pcs.extend(page)
            if not page or len(pcs) >= total:
                return pcs

    async def roll_out(
        self, release: AgentRelease, ring: Ring, pc_id: str | None, by: str, base_url: str
    ) -> RolloutRecord:
        pcs = await self.fleet()
        presence = await self._live.presence([pc.id for pc in pcs])
        fleet = [
            FleetPc(pc.id, pc.agent_version, (presence.get(pc.id) or {}).get("status") == "online")
            for pc in pcs
        ]
        target_ids, left_out = ring_targets(fleet, release.version, ring, pc_id)
        if not target_ids:
            raise RingError(f"no online PC to update to {release.version} in the ring {ring.value!r}")
        by_id = {pc.id: pc for pc in pcs}
        sends = []
        for target in target_ids:
            order = UpdateOrder(
                version=release.version,
                url=self.download_url(base_url, release.version, target),
                sha256=release.sha256,
                size=release.size,
            )
            sends.append((by_id[target], self._commands.new_command(CommandType.UPDATE, update=order)))
        rollout = RolloutRecord(
            id=uuid.uuid4().hex,
            version=release.version,
            ring=ring.value,
            created_by=by,
            created_at=now_ms(),
            targets=[RolloutTarget(pc.id, command.id) for pc, command in sends],
            left_out=left_out,
        )
        await self._store.rollouts.insert(rollout)
        # Each PC acknowledges once its package is checked and installed: in the background, so a ring of
        # sixty PCs answers at once and each PC's state is read from its command (target_state).
        for pc, command in sends:
            self._deliveries.spawn(self._commands.deliver(pc, command, by), name=f"update-{pc.id}")
        return rollout

    def download_url(self, base_url: str, version: str, pc_id: str) -> str:
        expires = now_ms() + DOWNLOAD_TTL_MS
        query = urlencode(
            {
                "pc": pc_id,
                "expires": expires,
                "sig": download_signature(self._secret, version, pc_id, expires),
            }
        )
        return f"{base_url.rstrip('/')}/api/v1/agent-releases/{version}/package?{query}"

    def may_download(self, version: str, pc_id: str, expires_ms: int, signature: str) -> bool:
        return download_allowed(self._secret, version, pc_id, expires_ms, signature, now_ms())

    async def states(self, rollouts: Sequence[RolloutRecord]) -> list[dict[str, Any]]:
        """Each rollout with each of its PCs' state (read now, from their commands and reports)."""
        command_ids = [t.command_id for r in rollouts for t in r.targets]
        pc_ids = sorted({t.pc_id for r in rollouts for t in r.targets})
        commands = await self._store.commands.by_ids(command_ids) if command_ids else {}
        pcs = {pc.id: pc for pc in await self._store.pcs.by_ids(pc_ids)} if pc_ids else {}
        views = []
        for rollout in rollouts:
            targets = []
            counts: Counter[str] = Counter()
            for target in rollout.targets:
                state, detail = target_state(
                    rollout.version,
                    target.command_id,
                    commands.get(target.command_id),
                    pcs.get(target.pc_id),
                )
                counts[state.value] += 1
                targets.append(
                    {
                        "pc_id": target.pc_id,
                        "command_id": target.command_id,
                        "state": state.value,
                        "detail": detail,
                    }
                )
            views.append(
                {
                    "id": rollout.id,
                    "version": rollout.version,
                    "ring": rollout.ring,
                    "created_by": rollout.created_by,
                    "created_at": rollout.created_at,
                    "targets": targets,
                    "left_out": rollout.left_out,
                    "counts": dict(counts),
                }
            )
        return views

    async def stop(self) -> None:
        await self._deliveries.cancel_all()
