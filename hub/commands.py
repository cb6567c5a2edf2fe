"""Sending a remote command to a PC and waiting for the agent's acknowledgement.

The ack may reach any hub replica (shared subscription); that replica persists it and announces it on
the live channel, where the replica holding the HTTP request resolves its wait.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from hub.clock import now_ms
from hub.live import LiveState
from hub.metrics import HubMetrics
from hub.mqtt.bridge import BrokerUnavailable, MqttBridge
from hub.store import CommandRecord, CommandRepository, PcRecord
from hub.store.commands import TIMED_OUT, UNDELIVERED
from protocol import Command, CommandType, TopicKind, topic


class CommandService:
    def __init__(
        self,
        commands: CommandRepository,
        bridge: MqttBridge,
        live: LiveState,
        metrics: HubMetrics,
        timeout_s: float,
    ) -> None:
        self._commands = commands
        self._bridge = bridge
        self._metrics = metrics
        self.timeout_s = timeout_s
        self._waiting: dict[str, asyncio.Future[dict[str, Any]]] = {}
        live.add_listener(self._on_live_event)

    async def _on_live_event(self, event: dict[str, Any]) -> None:
        if event.get("type") != "command.ack":
            return
        future = self._waiting.get(str(event.get("command_id")))
        if future is not None and not future.done():
            future.set_result(event)

    def new_command(self, kind: CommandType, **fields: Any) -> Command:
        """A command that expires when its wait does, so a PC that was away never runs it late."""
        issued_at = now_ms()
        return Command(
            id=uuid.uuid4().hex,
            type=kind,
            issued_at=issued_at,
            expires_at=issued_at + int(self.timeout_s * 1000),
            **fields,
        )

    async def send(self, pc: PcRecord, kind: CommandType, text: str | None, issued_by: str) -> CommandRecord:
        return await self.deliver(pc, self.new_command(kind, text=text), issued_by)

    async def deliver(self, pc: PcRecord, command: Command, issued_by: str) -> CommandRecord:
        """Publish the command and wait for its outcome; the record's state is ``timeout`` if none came."""
        record = CommandRecord(
            id=command.id,
            pc_id=pc.id,
            type=command.type.value,
            text=command.text,
            issued_by=issued_by,
            issued_at=command.issued_at,
            expires_at=command.expires_at,
            state="sent",
        )
        await self._commands.insert(record)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[command.id] = future
        started = time.monotonic()
        try:
            await self._bridge.publish(
                topic(pc.site, pc.id, TopicKind.CMD), command, qos=1, kind=TopicKind.CMD
            )
            await asyncio.wait_for(future, self.timeout_s)
            self._metrics.command_latency.observe(time.monotonic() - started)
        except TimeoutError:
            await self._commands.mark_unanswered(command.id, TIMED_OUT)
        except BrokerUnavailable:
            await self._commands.mark_unanswered(command.id, UNDELIVERED)
            raise
        finally:
            self._waiting.pop(command.id, None)
        final = await self._commands.get(command.id) or record
        self._metrics.commands.labels(final.state).inc()
        return final
