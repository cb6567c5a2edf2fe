"""``cmd-ack``: an agent's outcome for a command. Persisted, then announced to every replica."""

from __future__ import annotations

from hub.live import LiveState
from hub.store import CommandRepository
from protocol import CommandAck, Topic


class CommandAckHandler:
    def __init__(self, commands: CommandRepository, live: LiveState) -> None:
        self._commands = commands
        self._live = live

    async def __call__(self, topic: Topic, ack: CommandAck) -> None:
        # One conditional write: only a command sent to this PC and not answered yet (an ack for another
        # PC's command, or a redelivered one, changes nothing and is not announced).
        if not await self._commands.record_outcome(ack.id, topic.pc_id, ack.outcome, ack.detail, ack.done_at):
            return
        await self._live.publish(
            {
                "type": "command.ack",
                "command_id": ack.id,
                "pc_id": topic.pc_id,
                "outcome": ack.outcome.value,
                "detail": ack.detail,
                "done_at": ack.done_at,
            }
        )
