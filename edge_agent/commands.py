"""Carrying out remote commands: at most once each, never after they expired."""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from edge_agent.control import ControlError, PcControl
from edge_agent.sessions import SessionRejected, SessionRuntime
from edge_agent.updater import Updater, UpdateRejected
from protocol import Command, CommandAck, CommandOutcome, CommandType

log = logging.getLogger(__name__)

# Wall clocks of PC and hub may disagree a little; beyond this a queued command is stale.
CLOCK_SKEW_ALLOWANCE_MS = 60_000
REMEMBERED_IDS = 1024
SESSION_COMMANDS = frozenset(
    {CommandType.SESSION_START, CommandType.SESSION_EXTEND, CommandType.SESSION_STOP}
)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class CommandExecutor:
    def __init__(
        self,
        control: PcControl,
        sessions: SessionRuntime,
        clock: Callable[[], int] = now_ms,
        updater: Updater | None = None,
    ) -> None:
        self._control = control
        # None: this agent was not started by its launcher, so it cannot restart into a new version.
        self.updater = updater
        self._clock = clock
        self._sessions = sessions
        # QoS 1 may redeliver: remember recent ids and answer a repeat with the first outcome.
        self._done: OrderedDict[str, CommandAck] = OrderedDict()

    def _actions(self, command: Command) -> Callable[[], Awaitable[None]]:
        control = self._control
        if command.type in SESSION_COMMANDS:
            return self._session_action(command)
        match command.type:
            case CommandType.LOCK:
                return self._staff_then(control.lock)
            case CommandType.UNLOCK:
                return self._staff_then(control.unlock)
            case CommandType.MAINTENANCE:
                return self._maintenance
            case CommandType.MESSAGE:
                text = command.text or ""
                return lambda: control.message(text)
            case CommandType.RESTART:
                return control.restart
            case CommandType.SHUTDOWN:
                return control.shutdown
            case CommandType.UPDATE:
                return self._update(command)
        raise ControlError(f"unknown command {command.type.value}")

    def _staff_then(self, action: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """Staff locking or unlocking a PC end its maintenance and any lockdown first."""

        async def run() -> None:
            await self._control.maintenance(False)
            await action()

        return run

    async def _maintenance(self) -> None:
        running = self._sessions.running
        if running is not None:
            raise SessionRejected(f"session {running.order.session_id} is running: stop it first")
        await self._control.maintenance(True)
        await self._control.lock()

    def _update(self, command: Command) -> Callable[[], Awaitable[None]]:
        order, updater = command.update, self.updater
        if order is None:
            raise UpdateRejected("update without its order")
        if updater is None:
            raise UpdateRejected("this agent was not started by its launcher (icafe agent-launcher)")
        return lambda: updater.update(order, command.id)

    def _session_action(self, command: Command) -> Callable[[], Awaitable[None]]:
        sessions = self._sessions
        order, session_id = command.session, command.session_id
        match command.type:
            case CommandType.SESSION_START if order is not None:
                return lambda: sessions.start(order)
            case CommandType.SESSION_EXTEND if order is not None:
                return lambda: sessions.extend(order)
            case CommandType.SESSION_STOP if session_id is not None:
                return lambda: sessions.stop(session_id, command.text or "stopped by staff")
        raise SessionRejected(f"{command.type.value} without its session")

    async def execute(self, command: Command) -> CommandAck:
        previous = self._done.get(command.id)
        if previous is not None:
            return previous
        ack = await self._run(command)
        self._done[command.id] = ack
        while len(self._done) > REMEMBERED_IDS:
            self._done.popitem(last=False)
        return ack

    async def _run(self, command: Command) -> CommandAck:
        now = self._clock()
        if now > command.expires_at + CLOCK_SKEW_ALLOWANCE_MS:
            return CommandAck(id=command.id, outcome=CommandOutcome.REJECTED, detail="expired", done_at=now)
        if command.type is CommandType.MESSAGE and not command.text:
            return CommandAck(
                id=command.id, outcome=CommandOutcome.REJECTED, detail="empty message", done_at=now
            )
        try:
            await self._actions(command)()
        except (SessionRejected, UpdateRejected) as exc:
            return CommandAck(
                id=command.id, outcome=CommandOutcome.REJECTED, detail=str(exc)[:256], done_at=self._clock()
            )
        except ControlError as exc:
            log.warning("command %s (%s) failed: %s", command.id, command.type.value, exc)
            return CommandAck(
                id=command.id, outcome=CommandOutcome.FAILED, detail=str(exc)[:256], done_at=self._clock()
            )
        return CommandAck(id=command.id, outcome=CommandOutcome.DONE, done_at=self._clock())
