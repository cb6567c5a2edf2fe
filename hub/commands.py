"""Sending a remote command to a PC and waiting for the agent's acknowledgement.

Every hub replica reads every ack (not through the shared subscription: a killed replica's share would
be lost); the one whose conditional write records it announces it on the live channel, where the replica
holding the HTTP request resolves its wait.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from typing import Any

from hub.clock import now_ms
from hub.live import LiveState, LiveWaits
from hub.metrics import HubMetrics
from hub.mqtt.bridge import BrokerUnavailable, MqttBridge
from hub.store import CommandRecord, CommandRepository, PcRecord
from hub.store.commands import CommandState
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
        self._acks = LiveWaits(live, "command.ack", "command_id")

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
            state=CommandState.SENT,
        )
        await self._commands.insert(record)
        started = time.monotonic()
        with self._acks.expect(command.id) as acknowledged:
            try:
                await self._bridge.publish(
                    topic(pc.site, pc.id, TopicKind.CMD), command, qos=1, kind=TopicKind.CMD
                )
                ack = await asyncio.wait_for(acknowledged, self.timeout_s)
                self._metrics.command_latency.observe(time.monotonic() - started)
                # The announcement carries what the acknowledging replica stored: no need to read it back.
                final = answered(record, ack)
            except TimeoutError:
                await self._commands.mark_unanswered(command.id, CommandState.TIMEOUT)
                # A late acknowledgement may have landed meanwhile: the stored record says which.
                final = await self._commands.get(command.id) or record
            except BrokerUnavailable:
                await self._commands.mark_unanswered(command.id, CommandState.UNDELIVERED)
                raise
        self._metrics.commands.labels(final.state.value).inc()
        return final


def answered(record: CommandRecord, ack: dict[str, Any]) -> CommandRecord:
    """The command as stored by the replica that announced its acknowledgement (``hub.mqtt.cmd_ack``)."""
    return dataclasses.replace(
        record,
        state=CommandState(ack["outcome"]),
        detail=str(ack.get("detail") or ""),
        done_at=int(ack["done_at"]),
    )
