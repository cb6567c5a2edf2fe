"""The guard: the agent starts the lock screen, keeps it alive, and reports every attempt to get past it.

The UI process gets a fresh secret at every start (on its standard input, never on its command line or in
its environment) and must send a heartbeat over the local link. The guard restarts it at once when it
exits (killed, crashed, closed) and kills and restarts it when its heartbeat stops (hung). Each such death
and each refused link connection is a journaled ``tamper.*`` event, which the hub turns into an alert.
``LOCKDOWN_DEATHS`` deaths within ``LOCKDOWN_WINDOW_S`` put the PC in lockdown: the screen stays locked and
says to call staff, until staff lock or unlock the PC (``UiControl.maintenance(False)``).

A restart must not wait for Python and Qt to load (seconds on a busy PC): once a UI is up, the guard keeps
a standby UI process that has loaded everything and waits for its secret on standard input. A restart
hands the secret to the standby, which connects at once, and a new standby is started behind it.

Nothing here polls: the guard wakes when the UI process exits, when its heartbeat is overdue, and when the
screen's state changes (``Screen.changed``, or the time ``Screen.next_change_s`` names), and pushes the
state only when it differs from the last one pushed.
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
    ScreenState,
    UiMessage,
)
from edge_agent.login import LoginResult
from edge_agent.screen import Screen
from edge_agent.sessions import SessionRejected, SessionRuntime
from protocol import EventData, LinkRefused, SessionEnded, UiExited, UiHung

log = logging.getLogger(__name__)

# The UI sends a heartbeat every 0.5 s (agent_ui.link.HEARTBEAT_MS): three missed in a row is a hang,
# noticed within 1.5 s of the UI's last sign of life; the standby is showing the screen well inside the
# next half second.
HEARTBEAT_TIMEOUT_S = 1.5
START_TIMEOUT_S = 15.0  # a UI that never connects is as good as hung
RETRY_START_S = 1.0  # when no UI could be started at all
STANDBY_RETRY_S = 5.0  # after a standby died before it was needed
LOCKDOWN_DEATHS = 3
LOCKDOWN_WINDOW_S = 60.0
# Refused connections are journaled at most this often (all are counted): a flood cannot fill the journal.
REFUSAL_JOURNAL_EVERY_S = 1.0
ENDED_BY_CUSTOMER = "ended by the customer"
REFUSALS = {
    "busy": "a session is already running",
    "maintenance": "this PC is being serviced",
    "call_staff": "this PC is locked: please call staff",
}


def ui_command(address: str) -> list[str]:
    """The lock screen's command line: ``ICAFE_AGENT_UI_COMMAND`` (split like a shell would) or the
    ``agent_ui`` module itself (``icafe agent-ui`` without the ``icafe`` command's other imports); the
    link's address is appended."""
    custom = os.environ.get("ICAFE_AGENT_UI_COMMAND")
    base = shlex.split(custom) if custom else [sys.executable, "-m", "agent_ui"]
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
        self._standby: asyncio.subprocess.Process | None = None
        self._secret: str | None = None
        self._last_ping = 0.0
        self._connected_once = False
        self._deaths: deque[float] = deque()
        self._last_refusal_journaled = 0.0
        self.starts = 0
        self.ui_ready = asyncio.Event()  # set when the current UI has authenticated
        self._background: set[asyncio.Task[None]] = set()
        self._standby_starting = False
        # A restart in progress: when the guard saw the last UI die, and the state version the new one
        # must say it shows. ``restarts_ms`` keeps how long each took, death to the state shown.
        self._down_since: float | None = None
        self._shown_needed = 0
        self.restarts_ms: deque[int] = deque(maxlen=20)

    # ---- LinkRequests ------------------------------------------------------------------------
    def _expected(self) -> tuple[int | None, str | None]:
        return (self.process.pid if self.process is not None else None), self._secret

    def on_ping(self, shown: int | None) -> None:
        now = self._last_ping = time.monotonic()
        if self._down_since is not None and shown is not None and shown >= self._shown_needed:
            took = int((now - self._down_since) * 1000)
            self._down_since = None
            self.restarts_ms.append(took)
            log.info("the lock screen is back: showing the current state %d ms after the last one died", took)

    def on_connected(self) -> None:
        self._last_ping = time.monotonic()
        self._connected_once = True
        self._shown_needed = self.link.last_version
        self.ui_ready.set()
        self.screen.changed()  # the state the link sends a new UI may be old
        if self._standby is None and not self._standby_starting:
            self._standby_starting = True
            self._spawn(self._keep_standby(), "keep a standby lock screen")

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
                self.screen.changed()  # an idle warning goes
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
        """Every journal entry passes here: a session's start, end or extension changes the screen."""
        if entry.type == SessionEnded.type:
            self.screen.ended(SessionEnded.model_validate(entry.data, strict=False))
        self.screen.changed()

    async def _journal(self, event: EventData) -> None:
        await self.sessions.note(event)

    # ---- the UI process ----------------------------------------------------------------------
    async def run(self) -> None:
        await self.link.start()
        pusher = asyncio.create_task(self._push_loop(), name="ui-push")
        try:
            await self._start_ui()
            while True:
                await self._watch()
        finally:
            pusher.cancel()
            await asyncio.gather(pusher, return_exceptions=True)
            await self._stop_ui()
            for task in list(self._background):
                task.cancel()
            await asyncio.gather(*self._background, return_exceptions=True)
            await self.link.close()

    async def _spawn_process(self) -> asyncio.subprocess.Process | None:
        try:
            return await asyncio.create_subprocess_exec(
                *self._command, stdin=asyncio.subprocess.PIPE, env={**os.environ, **(self._env or {})}
            )
        except OSError as exc:
            log.error("cannot start the lock screen %s: %s", self._command[:3], exc)
            return None

    async def _start_ui(self) -> float | None:
        """Hand the screen to a new UI (the standby if there is one); how long that took (ms), or None
        if no UI could be started."""
        began = time.monotonic()
        standby, self._standby = self._standby, None
        for process in (standby, None):
            if process is None or process.returncode is not None:
                process = await self._spawn_process()
                if process is None:
                    self.process = None
                    return None
            # Known before the secret is written: the UI may connect the moment it reads it.
            self.process, self._secret = process, secrets.token_urlsafe(32)
            self.ui_ready.clear()
            self._connected_once = False
            self._last_ping = time.monotonic()
            assert process.stdin is not None
            try:
                process.stdin.write(self._secret.encode() + b"\n")
                await process.stdin.drain()
                process.stdin.close()
            except ConnectionError:
                continue  # the standby died just now: start a fresh one
            self.starts += 1
            return (time.monotonic() - began) * 1000
        return None

    async def _keep_standby(self) -> None:
        """Start a standby UI (it loads and waits for a secret); start another if it dies before it is
        needed. Started with ``_standby_starting`` set, so only one is ever on its way."""
        while True:
            try:
                standby = await self._spawn_process()
            finally:
                self._standby_starting = False
            if standby is None:
                return
            self._standby = standby
            await standby.wait()
            if self._standby is not standby:
                return  # taken: it is the lock screen now, watched as such
            self._standby = None
            log.warning("the standby lock screen exited (%s): starting another", standby.returncode)
            await asyncio.sleep(STANDBY_RETRY_S)
            if self._standby is not None or self._standby_starting:
                return
            self._standby_starting = True

    async def _watch(self) -> None:
        """Wait until the current UI exits or misses its heartbeat, then replace it."""
        process = self.process
        if process is None:
            # It could not be started (reported when it died): try again, quietly.
            await asyncio.sleep(RETRY_START_S)
            await self._start_ui()
            return
        exited = asyncio.ensure_future(process.wait())
        try:
            while True:
                limit = HEARTBEAT_TIMEOUT_S if self._connected_once else START_TIMEOUT_S
                silent = time.monotonic() - self._last_ping
                if silent > limit:
                    log.warning("the lock screen is silent for %.1f s: killing it", silent)
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
                    await exited
                    await self._died(UiHung, silent_ms=int(silent * 1000))
                    return
                await asyncio.wait({exited}, timeout=limit - silent + 0.01)
                if exited.done():
                    code = process.returncode if process.returncode is not None else -1
                    await self._died(UiExited, exit_code=max(-255, min(255, code)))
                    return
        finally:
            exited.cancel()

    async def _died(self, kind: type[UiExited] | type[UiHung], **fields: int | None) -> None:
        now = self._down_since = time.monotonic()
        self._deaths.append(now)
        while self._deaths and now - self._deaths[0] > LOCKDOWN_WINDOW_S:
            self._deaths.popleft()
        if len(self._deaths) >= LOCKDOWN_DEATHS and not self.screen.modes.lockdown:
            log.error("the lock screen died %d times within a minute: lockdown", len(self._deaths))
            self.screen.modes.lockdown = True
            self.screen.changed()
        restart_ms = await self._start_ui()
        restarted = None if restart_ms is None else int(restart_ms)
        event = kind(restart_ms=restarted, lockdown=self.screen.modes.lockdown, **fields)  # type: ignore[arg-type]
        log.warning("lock screen: %s", event.type)
        await self._journal(event)

    async def _stop_ui(self) -> None:
        standby, self._standby = self._standby, None
        process, self.process = self.process, None
        for each in (standby, process):
            if each is None or each.returncode is not None:
                continue
            each.terminate()
            try:
                await asyncio.wait_for(each.wait(), 3)
            except TimeoutError:
                each.kill()
                await each.wait()

    # ---- pushing the screen ------------------------------------------------------------------
    async def _push_loop(self) -> None:
        """Push the state when it differs from the last one pushed; sleep until something changes it
        (``Screen.changed``) or the time alone will (``Screen.next_change_s``)."""
        screen = self.screen
        last: ScreenState | None = None
        while True:
            screen.dirty.clear()
            try:
                state = screen.state()
                if state != last:
                    last = state
                    await self.link.push(screen.versioned(state))
                wait = screen.next_change_s()
            except Exception:
                log.exception("could not push the screen's state")
                wait = 1.0
            # asyncio.timeout, not wait_for: Python 3.11's wait_for loses a cancellation that arrives as
            # the event is set (the agent's link going down at shutdown sets it), and the agent hangs.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await screen.dirty.wait()

    def _spawn(self, work: Awaitable[None], what: str) -> asyncio.Task[None]:
        async def run() -> None:
            try:
                await work
            except Exception:
                log.exception("guard: could not %s", what)

        task = asyncio.create_task(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task
