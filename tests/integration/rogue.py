"""A PC's certificate in a customer's hands: an MQTT client that speaks as that PC with crafted messages.

It answers every command as done (so staff can order sessions on it like on a real agent), collects the
hub's acknowledgements and login replies, and publishes whatever a test makes it publish.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import httpx

from icafe.stack import LocalStack
from protocol import (
    Command,
    CommandAck,
    CommandOutcome,
    Event,
    EventsAck,
    MemberLogin,
    MemberLoginReply,
    PcState,
    Status,
    TopicKind,
    decode,
    encode,
    topic,
)

from .conftest import async_wait_until, client_for, pc_status

SITE = "main"


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class RoguePc:
    def __init__(self, stack: LocalStack, pc_id: str, api: httpx.Client) -> None:
        self.stack = stack
        self.api = api
        self.pc_id = pc_id
        self.journal = uuid.uuid4().hex
        self.seq = 0
        self.acks: list[EventsAck] = []
        self.replies: dict[str, MemberLoginReply] = {}
        self.replies_received = 0
        self.commands: list[Command] = []

    def topic(self, kind: TopicKind, site: str = SITE) -> str:
        return topic(site, self.pc_id, kind)

    async def __aenter__(self) -> RoguePc:
        self.client = client_for(self.stack, self.pc_id, client_id=self.pc_id)
        await self.client.__aenter__()
        for kind in (TopicKind.CMD, TopicKind.EVENTS_ACK, TopicKind.LOGIN_REPLY):
            await self.client.subscribe(self.topic(kind), qos=1)
        self._task = asyncio.create_task(self._consume())
        await self.publish(
            TopicKind.STATUS, encode(Status(state=PcState.ONLINE, sent_at=now_ms())), retain=True
        )
        await async_wait_until(
            lambda: pc_status(self.api, self.pc_id) == "online", 10, f"{self.pc_id} online"
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.publish(
            TopicKind.STATUS, encode(Status(state=PcState.OFFLINE, sent_at=now_ms())), retain=True
        )
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.client.__aexit__(None, None, None)

    async def _consume(self) -> None:
        async for message in self.client.messages:
            payload = bytes(message.payload)  # type: ignore[arg-type]
            kind = str(message.topic).rsplit("/", 1)[1]
            if kind == TopicKind.CMD.value:
                command = decode(payload, Command)
                self.commands.append(command)
                ack = CommandAck(id=command.id, outcome=CommandOutcome.DONE, done_at=now_ms())
                await self.client.publish(self.topic(TopicKind.CMD_ACK), encode(ack), qos=1)
            elif kind == TopicKind.EVENTS_ACK.value:
                self.acks.append(decode(payload, EventsAck))
            elif kind == TopicKind.LOGIN_REPLY.value:
                reply = decode(payload, MemberLoginReply)
                self.replies[reply.request_id] = reply
                self.replies_received += 1

    async def publish(
        self, kind: TopicKind, payload: bytes, *, site: str = SITE, retain: bool = False
    ) -> None:
        await self.client.publish(self.topic(kind, site), payload, qos=1, retain=retain)

    async def event(self, type_: str, data: dict[str, Any], *, seq: int | None = None) -> int:
        """Publish a journal event (the next seq unless given); its seq."""
        if seq is None:
            self.seq += 1
            seq = self.seq
        event = Event(journal=self.journal, seq=seq, type=type_, data=data, at=now_ms())
        await self.publish(TopicKind.EVENTS, encode(event))
        return seq

    async def raw_event(self, seq: int, type_: str, data: dict[str, Any]) -> None:
        """Publish an event as raw JSON, past the models (what the models would refuse to build)."""
        document = {"v": 1, "journal": self.journal, "seq": seq, "type": type_, "data": data, "at": now_ms()}
        await self.publish(TopicKind.EVENTS, json.dumps(document).encode())

    def acked(self) -> int:
        mine = [ack.up_to_seq for ack in self.acks if ack.journal == self.journal]
        return max(mine, default=-1)

    async def wait_acked(self, seq: int, timeout_s: float = 10) -> None:
        await async_wait_until(
            lambda: self.acked() >= seq, timeout_s, f"{self.pc_id}: seq {seq} acknowledged"
        )

    async def login(self, login: str, secret: str, timeout_s: float = 10) -> MemberLoginReply:
        request = MemberLogin(request_id=uuid.uuid4().hex, login=login, secret=secret)
        await self.publish(TopicKind.LOGIN, encode(request))
        found = await async_wait_until(
            lambda: self.replies.get(request.request_id), timeout_s, f"{self.pc_id}: login reply"
        )
        assert isinstance(found, MemberLoginReply)
        return found
