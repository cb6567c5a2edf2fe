"""The audit log: who did what, when (UTC, epoch ms), from where, with what outcome.

One service for every part of the hub::

    await request.app.ctx.audit.record(
        "money.refund", request=request, target=f"payment:{payment_id}",
        reason=reason, details={"amount": 500, "currency": "EUR"},
    )

Entries form a hash chain: each stores the SHA-256 of a canonical JSON of itself plus the previous
entry's hash, so editing, inserting or deleting an entry in the store breaks ``verify_chain`` (run by
``icafe audit verify``). Passwords, tokens and codes never belong in an entry: ``details`` keys that name
one are redacted whatever the caller passes.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hub.clock import now_ms
from hub.security.network import client_ip
from hub.store.audit import GENESIS_HASH, AuditRepository, Build, Head, entry_key

if TYPE_CHECKING:
    from sanic import Request

SUCCESS = "success"
FAILURE = "failure"
DENIED = "denied"

HASHED_FIELDS = (
    "seq",
    "at",
    "actor",
    "actor_id",
    "actor_role",
    "action",
    "target",
    "outcome",
    "reason",
    "details",
    "ip",
    "hub",
    "prev",
)
_SECRET_KEYS = frozenset(
    {
        "password",
        "token",
        "code",
        "totp",
        "otp",
        "secret",
        "confirmation",
        "recovery_code",
        "recovery_codes",
        "authorization",
    }
)
_SECRET_SUFFIXES = ("_password", "_token", "_secret")
REDACTED = "[redacted]"
# Entries appended in one batch at most.
MAX_BATCH = 100
_MAX_TEXT = 2000


@dataclass(frozen=True)
class Actor:
    name: str  # the staff username, or "system", or "cli:<os user>"
    id: str | None = None
    role: str | None = None


SYSTEM = Actor("system")


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return lowered in _SECRET_KEYS or lowered.endswith(_SECRET_SUFFIXES)


def sanitize(value: Any, depth: int = 0) -> Any:
    """A JSON- and BSON-safe copy with secrets redacted (what is hashed is exactly what is stored)."""
    if depth > 8:
        return "[too deep]"
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, str):
        return value[:_MAX_TEXT]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        clean: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key).replace(".", "_").lstrip("$") or "_"
            clean[name] = REDACTED if _is_secret_key(name) else sanitize(item, depth + 1)
        return clean
    if isinstance(value, list | tuple | set | frozenset):
        return [sanitize(item, depth + 1) for item in value]
    return str(value)[:_MAX_TEXT]


def canonical(entry: Mapping[str, Any]) -> bytes:
    body = {name: entry.get(name) for name in HASHED_FIELDS}
    return json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 over the canonical JSON of the entry, which includes ``prev`` (the previous hash)."""
    return hashlib.sha256(canonical(entry)).hexdigest()


@dataclass
class ChainReport:
    entries: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify_chain(entries: AsyncIterator[Mapping[str, Any]], max_problems: int = 20) -> ChainReport:
    """Walk the chain in sequence order: contiguous numbers, each ``prev`` the previous hash, each hash
    recomputed. Deleting the newest entries is the one change a chain alone cannot show: note the head
    hash reported here somewhere else (a ticket, a printout) to catch that too."""
    report = ChainReport()
    expected_seq, prev = 1, GENESIS_HASH
    async for entry in entries:
        seq = entry.get("seq")
        report.entries += 1
        if seq != expected_seq:
            report.problems.append(f"entry {seq}: expected sequence number {expected_seq} (a gap or reorder)")
        if not isinstance(seq, int) or entry.get("_id") != entry_key(seq):
            report.problems.append(f"entry {seq}: its key {entry.get('_id')!r} does not match its number")
        if entry.get("prev") != prev:
            report.problems.append(f"entry {seq}: does not link to the previous entry's hash")
        if entry_hash(entry) != entry.get("hash"):
            report.problems.append(f"entry {seq}: its content does not match its hash (edited)")
        prev = str(entry.get("hash"))
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
        if len(report.problems) >= max_problems:
            break
    report.head_hash = prev
    return report


class AuditLog:
    """Appends go through one writer per process: entries recorded while it writes wait and are appended
    together in the next batch (one round trip for the batch, see ``AuditRepository.append``). Each caller
    still waits until its own entry is stored; other replicas are handled by the store's retry."""

    def __init__(self, repository: AuditRepository, hub_id: str) -> None:
        self._repository = repository
        self._hub_id = hub_id
        self._waiting: list[tuple[Build, asyncio.Future[dict[str, Any]]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._head: Head | None = None

    async def record(
        self,
        action: str,
        *,
        request: Request | None = None,
        actor: Actor | None = None,
        target: str | None = None,
        outcome: str = SUCCESS,
        reason: str | None = None,
        details: Mapping[str, Any] | None = None,
        ip: str | None = None,
    ) -> dict[str, Any]:
        """Append one entry and return it.

        ``action`` is ``<area>.<verb>`` (``auth.login``, ``pc.command``, ``user.disable``,
        ``money.refund``...); ``request`` supplies the actor (the authenticated staff user) and the source
        address unless ``actor`` / ``ip`` are given; ``outcome`` is ``success``, ``failure`` or
        ``denied`` (or a more precise word such as ``locked``); ``reason`` is what the person said.
        """
        if request is not None:
            actor = actor or actor_of(request)
            ip = ip or client_ip(request)
        who = actor or SYSTEM
        at = now_ms()

        def build(seq: int, prev: str) -> dict[str, Any]:
            entry: dict[str, Any] = {
                "seq": seq,
                "at": at,
                "actor": who.name,
                "actor_id": who.id,
                "actor_role": who.role,
                "action": action,
                "target": target,
                "outcome": outcome,
                "reason": sanitize(reason) if reason is not None else None,
                "details": sanitize(dict(details or {})),
                "ip": ip,
                "hub": self._hub_id,
                "prev": prev,
            }
            entry["hash"] = entry_hash(entry)
            return entry

        stored: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting.append((build, stored))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write(), name="audit-writer")
        # Shielded: a caller that gives up (a client gone) does not take its entry out of the batch.
        return await asyncio.shield(stored)

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                entries, self._head = await self._repository.append([b for b, _ in batch], self._head)
            except Exception as exc:  # the store failed: each caller of the batch gets its error
                self._head = None
                for _, stored in batch:
                    stored.set_exception(exc)
                continue
            for (_, stored), entry in zip(batch, entries, strict=True):
                stored.set_result(entry)

    async def verify(self) -> ChainReport:
        return await verify_chain(self._repository.entries())


def actor_of(request: Request) -> Actor | None:
    claims = getattr(request.ctx, "claims", None)
    if claims is None:
        return None
    return Actor(name=claims.username, id=claims.user_id, role=claims.role)


def entry_view(entry: Mapping[str, Any]) -> dict[str, Any]:
    """An entry as the API shows it: the stored fields plus the time in ISO 8601 UTC."""
    at = int(entry.get("at") or 0)
    return {
        "seq": entry.get("seq"),
        "at": at,
        "time": dt.datetime.fromtimestamp(at / 1000, tz=dt.UTC).isoformat(timespec="milliseconds"),
        **{name: entry.get(name) for name in HASHED_FIELDS if name not in ("seq", "at")},
        "hash": entry.get("hash"),
    }
