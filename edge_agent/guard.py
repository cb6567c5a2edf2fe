"""The guard: the agent starts the lock screen, keeps it alive, and reports every attempt to get past it.

The UI process gets a fresh secret at every start (on its standard input, never on its command line or in
its environment) and must send a heartbeat over the local link. The guard restarts it at once when it
exits (killed, crashed, closed) and kills and restarts it when its heartbeat stops (hung). Each such death
and each refused link connection is a journaled ``tamper.*`` event, which the hub turns into an alert.
``LOCKDOWN_DEATHS`` deaths within ``LOCKDOWN_WINDOW_S`` put the PC in lockdown: the screen stays locked and
says to call staff, until staff lock or unlock the PC (``UiControl.maintenance(False)``).

The guard also answers the UI's requests (logins, ending the session, the price) through the agent, and
pushes the screen's state whenever it changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import shlex
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from edge_agent.journal import JournalEntry
from edge_agent.link import LinkServer, Peer, Transport
from edge_agent.link_models import (
    Activity,
    CodeLoginRequest,
    EndSessionRequest,
    LinkModel,
    MemberLoginRequest,
    PriceReply,
    PriceRequest,
    Reply,
    UiMessage,
)
from edge_agent.login import LoginResult
from edge_agent.screen import Screen
from edge_agent.sessions import SessionRejected, SessionRuntime
from protocol import EventData, LinkRefused, SessionEnded, UiExited, UiHung

log = logging.getLogger(__name__)

HEARTBEAT_TIMEOUT_S = 1.5  # the UI pings every 0.25 s
START_TIMEOUT_S = 15.0  # a UI that never connects is as good as hung
LOCKDOWN_DEATHS = 3
LOCKDOWN_WINDOW_S = 60.0
# Refused connections are journaled at most this often (all are counted): a flood cannot fill the journal.
REFUSAL_JOURNAL_EVERY_S = 1.0
WATCH_S = 0.1
PUSH_S = 0.1
ENDED_BY_CUSTOMER = "ended by the customer"
REFUSALS = {
    "busy": "a session is already running",
    "maintenance": "this PC is being serviced",
    "call_staff": "this PC is locked: please call staff",
}


def ui_command(address: str) -> list[str]:
    """The lock screen's command line: ``ICAFE_AGENT_UI_COMMAND`` (split like a shell would) or
    ``icafe agent-ui``; the link's address is appended."""
    custom = os.environ.get("ICAFE_AGENT_UI_COMMAND")
    base = shlex.split(custom) if custom else [sys.executable, "-m", "icafe", "agent-ui"]
    return [*base, "--link", address]


@dataclass
class Logins:
    """What the guard needs of the agent to log a customer in."""

    member: Callable[[str, str], Awaitable[LoginResult]]
    code: Callable[[str], Awaitable[LoginResult]]


class UiGuard:
    def __init__(
        self,
        sessions: SessionRuntime,
        screen: Screen,
        transport: Transport,
        logins: Logins,
        *,
        command: Sequence[str] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.sessions = sessions
        self.screen = screen
        self.logins = logins
        self.link = LinkServer(transport, self, self._expected)
        self._command = list(command) if command is not None else ui_command(transport.address)
        self._env = env
        self.process: asyncio.subprocess.Process | None = None
        self._secret: str | None = None
        self._started_at = 0.0
        self._last_ping = 0.0
        self._connected_once = False
        self._deaths: deque[float] = deque()
        self._last_refusal_journaled = 0.0
        self.starts = 0
        self.ui_ready = asyncio.Event()  # set when the current UI has authenticated
        self._background: set[asyncio.Task[None]] = set()
        self._retry_at = 0.0

    # ---- LinkRequests ------------------------------------------------------------------------
    def _expected(self) -> tuple[int | None, str | None]:
        return (self.process.pid if self.process is not None else None), self._secret

    def on_ping(self) -> None:
        self._last_ping = time.monotonic()

    def on_connected(self) -> None:
        self._last_ping = time.monotonic()
        self._connected_once = True
        self.ui_ready.set()

    def on_refused(self, reason: str, peer: Peer) -> None:
        now = time.monotonic()
        if now - self._last_refusal_journaled < REFUSAL_JOURNAL_EVERY_S:
            return
        self._last_refusal_journaled = now
        event = LinkRefused(reason=reason[:256], peer_pid=peer.pid, peer_uid=peer.uid)
        self._spawn(self._journal(event), "journal a refusal")

    async def on_request(self, request: UiMessage) -> LinkModel | None:
        match request:
            case Activity():
                await self.sessions.activity()
                return None
            case MemberLoginRequest():
                return await self._login(
                    request.id, lambda: self.logins.member(request.login, request.secret)
                )
            case CodeLoginRequest():
                return await self._login(request.id, lambda: self.logins.code(request.code))
            case EndSessionRequest():
                running = self.sessions.running
                if running is None:
                    return Reply(id=request.id, ok=False, reason="no session is running")
                try:
                    await self.sessions.stop(running.order.session_id, ENDED_BY_CUSTOMER)
                except SessionRejected as exc:
                    return Reply(id=request.id, ok=False, reason=str(exc)[:256])
                return Reply(id=request.id, ok=True)
            case PriceRequest():
                found = self.screen.price_lines()
                if found is None:
                    return Reply(id=request.id, ok=False, reason="no session is running")
                currency, lines, total = found
                return PriceReply(id=request.id, currency=currency, lines=lines, total=total)
        return None

    async def _login(self, request_id: int, attempt: Callable[[], Awaitable[LoginResult]]) -> Reply:
        refusal = self.screen.login_refusal()
        if refusal is not None:
            return Reply(id=request_id, ok=False, reason=REFUSALS[refusal])
        result = await attempt()
        return Reply(id=request_id, ok=result.ok, reason=result.reason[:256], offline=result.offline)

    # ---- journal -----------------------------------------------------------------------------
    def journaled(self, entry: JournalEntry) -> None:
        """Every journal entry passes here: a session's end is shown on the lock screen."""
        if entry.type == SessionEnded.type:
            self.screen.ended(SessionEnded.model_validate(entry.data, strict=False))

    async def _journal(self, event: EventData) -> None:
        await self.sessions.note(event)

    # ---- the UI process ----------------------------------------------------------------------
    async def run(self) -> None:
        await self.link.start()
        pusher = asyncio.create_task(self._push_loop(), name="ui-push")
        try:
            await self._start_ui()
            while True:
                await asyncio.sleep(WATCH_S)
                await self._watch()
        finally:
            pusher.cancel()
            await asyncio.gather(pusher, return_exceptions=True)
            await self._stop_ui()
            await self.link.close()

    async def _start_ui(self) -> float | None:
        """Start a UI; how long it took (ms), or None if it could not be started."""
        began = time.monotonic()
        self._secret = secrets.token_urlsafe(32)
        self.ui_ready.clear()
        self._connected_once = False
        try:
            process = await asyncio.create_subprocess_exec(
                *self._command,
                stdin=asyncio.subprocess.PIPE,
                env={**os.environ, **(self._env or {})},
            )
        except OSError as exc:
            log.error("cannot start the lock screen %s: %s", self._command[:3], exc)
            self.process = None
            return None
        assert process.stdin is not None
        process.stdin.write(self._secret.encode() + b"\n")
        with contextlib.suppress(ConnectionError):
            await process.stdin.drain()
        process.stdin.close()
        self.process = process
        self.starts += 1
        self._started_at = self._last_ping = time.monotonic()
        return (time.monotonic() - began) * 1000

    async def _watch(self) -> None:
        process = self.process
        now = time.monotonic()
        if process is None:
            # It could not be started (reported when it died): try again every second, quietly.
            if now >= self._retry_at:
                self._retry_at = now + 1.0
                await self._start_ui()
            return
        if process.returncode is not None:
            await self._died(UiExited, exit_code=max(-255, min(255, process.returncode)))
            return
        silent = now - self._last_ping
        limit = HEARTBEAT_TIMEOUT_S if self._connected_once else START_TIMEOUT_S
        if silent > limit:
            log.warning("the lock screen is silent for %.1f s: killing it", silent)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            await self._died(UiHung, silent_ms=int(silent * 1000))

    async def _died(self, kind: type[UiExited] | type[UiHung], **fields: int | None) -> None:
        now = time.monotonic()
        self._deaths.append(now)
        while self._deaths and now - self._deaths[0] > LOCKDOWN_WINDOW_S:
            self._deaths.popleft()
        lockdown = len(self._deaths) >= LOCKDOWN_DEATHS
        if lockdown and not self.screen.modes.lockdown:
            log.error("the lock screen died %d times within a minute: lockdown", len(self._deaths))
            self.screen.modes.lockdown = True
        restart_ms = await self._start_ui()
        restarted = None if restart_ms is None else int(restart_ms)
        event = kind(restart_ms=restarted, lockdown=self.screen.modes.lockdown, **fields)  # type: ignore[arg-type]
        log.warning("lock screen: %s", event.type)
        await self._journal(event)

    async def _stop_ui(self) -> None:
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 3)
        except TimeoutError:
            process.kill()
            await process.wait()

    # ---- pushing the screen ------------------------------------------------------------------
    async def _push_loop(self) -> None:
        last = None
        while True:
            try:
                state = self.screen.state()
                if state != last or not self.link.connected:
                    last = state
                    await self.link.push(self.screen.versioned(state))
            except Exception:
                log.exception("could not push the screen's state")
            await asyncio.sleep(PUSH_S)

    def _spawn(self, work: Awaitable[None], what: str) -> None:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("guard: could not %s", what)

        task = asyncio.create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
