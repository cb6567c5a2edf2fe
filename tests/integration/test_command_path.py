"""A command's way between two hub replicas, on the stack's real store and Redis (the broker replaced by a
port that hands the command to the PC's side): the acknowledgement is stored by one conditional write on the
replica that receives it, announced once, and resolves the wait on the replica that sent the command, which
answers what the store holds without reading it back. Late, foreign and repeated acks are covered too."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, cast

import pytest
from redis.asyncio import Redis

from hub.commands import CommandService
from hub.live import LiveState
from hub.metrics import HubMetrics
from hub.mqtt.bridge import MqttBridge
from hub.mqtt.cmd_ack import CommandAckHandler
from hub.store import CommandRecord, PcRecord, Store
from hub.store.commands import CommandState
from icafe.stack import LocalStack
from protocol import Command, CommandAck, CommandOutcome, CommandType, Topic, TopicKind

from .conftest import async_wait_until

pytestmark = pytest.mark.integration


class Feed:
    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []

    async def __call__(self, event: dict[str, Any]) -> None:
        if event.get("type") == "command.ack":
            self.acks.append(event)


class PcSide:
    """The broker and the PC: a published command is answered by ``answer`` (None: never answered)."""

    def __init__(self, answer: Callable[[Topic, Command], Awaitable[None]] | None) -> None:
        self.answer = answer
        self.published: list[tuple[str, Command]] = []
        self._answering: set[asyncio.Task[None]] = set()

    async def publish(self, topic: str, message: Command, *, qos: int, kind: TopicKind) -> None:
        assert (qos, kind) == (1, TopicKind.CMD)
        self.published.append((topic, message))
        if self.answer is not None:
            _, _, site, _, pc_id, _ = topic.split("/")
            # Later, as the broker would: the publisher does not wait for the PC.
            task = asyncio.create_task(self.answer(Topic(site, pc_id, TopicKind.CMD_ACK), message))
            self._answering.add(task)
            task.add_done_callback(self._answering.discard)


@pytest.fixture
async def replicas(stack: LocalStack) -> AsyncIterator[tuple[LiveState, LiveState]]:
    redises = [Redis.from_url(stack.redis_url), Redis.from_url(stack.redis_url)]
    lives = [LiveState(r) for r in redises]
    for live in lives:
        await live.start()
    try:
        yield lives[0], lives[1]
    finally:
        for live, redis in zip(lives, redises, strict=True):
            await live.stop()
            await redis.aclose()


def pc(pc_id: str) -> PcRecord:
    return PcRecord.from_document({"_id": pc_id, "site": "main", "first_seen": 1, "last_seen": 1})


def ack_of(command: Command, outcome: CommandOutcome = CommandOutcome.DONE, detail: str = "") -> CommandAck:
    return CommandAck(id=command.id, outcome=outcome, detail=detail, done_at=command.issued_at + 3)


async def test_an_ack_on_the_other_replica_answers_what_is_stored(
    store: Store, replicas: tuple[LiveState, LiveState]
) -> None:
    sender, receiver = replicas
    on_receiver = CommandAckHandler(store.commands, receiver)
    feed = Feed()
    sender.add_listener(feed)

    async def pc_answers(topic: Topic, command: Command) -> None:
        await on_receiver(topic, ack_of(command, CommandOutcome.FAILED, "no display"))

    side = PcSide(pc_answers)
    service = CommandService(store.commands, cast(MqttBridge, side), sender, HubMetrics(), timeout_s=5)
    pc_id = f"cp-{uuid.uuid4().hex[:6]}"
    record = await service.send(pc(pc_id), CommandType.MESSAGE, "hello", "admin")
    assert side.published[0][0] == f"icafe/v1/main/pc/{pc_id}/cmd"
    assert (record.state, record.detail, record.done_at) == (
        CommandState.FAILED,
        "no display",
        record.issued_at + 3,
    )
    # What the sender answered without reading it back is exactly what the receiver stored.
    assert await store.commands.get(record.id) == record
    assert len(feed.acks) == 1


async def test_foreign_and_repeated_acks_change_nothing_and_are_not_announced(
    store: Store, replicas: tuple[LiveState, LiveState]
) -> None:
    sender, receiver = replicas
    handler = CommandAckHandler(store.commands, receiver)
    feed = Feed()
    sender.add_listener(feed)
    service = CommandService(
        store.commands, cast(MqttBridge, PcSide(None)), sender, HubMetrics(), timeout_s=5
    )
    pc_id = f"cp-{uuid.uuid4().hex[:6]}"
    command = service.new_command(CommandType.LOCK)
    await store.commands.insert(sent(pc_id, command))
    await handler(Topic("main", "someone-else", TopicKind.CMD_ACK), ack_of(command))
    untouched = await store.commands.get(command.id)
    assert untouched is not None
    assert untouched.state is CommandState.SENT
    await handler(Topic("main", pc_id, TopicKind.CMD_ACK), ack_of(command, detail="first"))
    await handler(Topic("main", pc_id, TopicKind.CMD_ACK), ack_of(command, CommandOutcome.FAILED, "again"))
    await async_wait_until(lambda: feed.acks, 5, "the announcement")
    await asyncio.sleep(0.2)  # a second announcement would have arrived by now
    assert [(a["pc_id"], a["outcome"], a["detail"]) for a in feed.acks] == [(pc_id, "done", "first")]
    stored = await store.commands.get(command.id)
    assert stored is not None
    assert (stored.state, stored.detail) == (CommandState.DONE, "first")


def sent(pc_id: str, command: Command) -> CommandRecord:
    """The command as ``CommandService.deliver`` records it before publishing."""
    return CommandRecord(
        id=command.id,
        pc_id=pc_id,
        type=command.type.value,
        text=command.text,
        issued_by="admin",
        issued_at=command.issued_at,
        expires_at=command.expires_at,
        state=CommandState.SENT,
    )


async def test_a_command_unanswered_in_time_is_a_timeout_that_a_late_ack_still_replaces(
    store: Store, replicas: tuple[LiveState, LiveState]
) -> None:
    sender, receiver = replicas
    side = PcSide(None)
    service = CommandService(store.commands, cast(MqttBridge, side), sender, HubMetrics(), timeout_s=0.3)
    pc_id = f"cp-{uuid.uuid4().hex[:6]}"
    record = await service.send(pc(pc_id), CommandType.LOCK, None, "admin")
    assert record.state is CommandState.TIMEOUT
    command = side.published[0][1]
    await CommandAckHandler(store.commands, receiver)(
        Topic("main", pc_id, TopicKind.CMD_ACK), ack_of(command)
    )
    stored = await store.commands.get(record.id)
    assert stored is not None
    assert stored.state is CommandState.DONE
