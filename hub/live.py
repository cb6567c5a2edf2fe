"""Live state in Redis: PC presence, and the pub/sub channels that fan events out to every hub replica.

Each replica subscribes to two channels. What it receives on ``CHANNEL`` goes to its WebSocket clients and
resolves its own pending waits (an agent's ack may reach any replica through the shared subscription).
``TELEMETRY_CHANNEL`` carries the PCs' readings, one message per flush of a replica's telemetry
(``hub.mqtt.telemetry``); a replica decodes it only while a listener wants telemetry (an open console), and
hands each reading on as a ``pc.telemetry`` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

CHANNEL = "icafe:live"
TELEMETRY_CHANNEL = "icafe:live:telemetry"
TELEMETRY_EVENT = "pc.telemetry"
_TELEMETRY_CHANNEL_NAME = TELEMETRY_CHANNEL.encode()
PRESENCE = "icafe:presence"
PC_SESSIONS = "icafe:pc-session"

# Set the PC's presence only if its state changed; return 1 when it did, so one replica announces it.
_SET_IF_CHANGED = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local decoded = cjson.decode(old)
  if decoded['status'] == ARGV[2] then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
"""

_DELETE_IF_EQUAL = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
"""

Listener = Callable[[dict[str, Any]], Awaitable[None]]


async def claim_once(redis: Redis, key: str, keep_s: int) -> bool:
    """True for the first caller, on any replica, to claim ``key`` in ``keep_s`` seconds: what every
    replica receives (a hello) or what may arrive twice (a login request sent again) is acted on once."""
    return bool(await redis.set(f"icafe:claim:{key}", 1, nx=True, ex=keep_s))


class LiveState:
    def __init__(self, redis: Redis) -> None:
        self.redis = redis
        self._set_if_changed = redis.register_script(_SET_IF_CHANGED)
        self._delete_if_equal = redis.register_script(_DELETE_IF_EQUAL)
        self._listeners: list[Listener] = []
        self._telemetry_listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def claim_once(self, key: str, keep_s: int) -> bool:
        return await claim_once(self.redis, key, keep_s)

    async def ping(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except (RedisError, OSError):
            return False

    # ---- presence ----------------------------------------------------------------------------
    async def set_presence(self, pc_id: str, status: str, since_ms: int) -> bool:
        value = json.dumps({"status": status, "since": since_ms})
        changed = await self._set_if_changed(keys=[PRESENCE], args=[pc_id, status, value])
        return bool(changed)

    async def presence(self, pc_ids: list[str]) -> dict[str, dict[str, Any]]:
        if not pc_ids:
            return {}
        values = await self.redis.hmget(PRESENCE, pc_ids)
        return {pc: json.loads(raw) for pc, raw in zip(pc_ids, values, strict=True) if raw}

    # ---- sessions per PC ------------------------------------------------------------------------
    async def set_pc_session(self, pc_id: str, session_id: str) -> None:
        await self.redis.hset(PC_SESSIONS, pc_id, session_id)

    async def clear_pc_session(self, pc_id: str, session_id: str) -> None:
        # Only if it is still this session: a newer one may already have started on the PC.
        await self._delete_if_equal(keys=[PC_SESSIONS], args=[pc_id, session_id])

    async def pc_sessions(self, pc_ids: list[str]) -> dict[str, str]:
        if not pc_ids:
            return {}
        values = await self.redis.hmget(PC_SESSIONS, pc_ids)
        return {
            pc: raw.decode() if isinstance(raw, bytes) else str(raw)
            for pc, raw in zip(pc_ids, values, strict=True)
            if raw
        }

    # ---- fan-out -----------------------------------------------------------------------------
    async def publish(self, event: dict[str, Any]) -> None:
        await self.redis.publish(CHANNEL, json.dumps(event))

    async def publish_telemetry(self, readings: list[dict[str, Any]]) -> None:
        """The newest reading of many PCs (``{"pc_id", "telemetry"}`` each) in one message."""
        if readings:
            await self.redis.publish(TELEMETRY_CHANNEL, json.dumps(readings))

    def add_listener(self, listener: Listener, *, telemetry: bool = False) -> Callable[[], None]:
        """Call ``listener`` with every live event; with ``telemetry``, also with every PC's readings (as
        ``pc.telemetry`` events). Returns the function that removes it."""
        listeners = [self._listeners, *([self._telemetry_listeners] if telemetry else [])]
        for registered in listeners:
            registered.append(listener)

        def remove() -> None:
            for registered in listeners:
                registered.remove(listener)

        return remove

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="live-listener")
        await asyncio.wait_for(self._subscribed.wait(), timeout=10)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self) -> None:
        backoff = 0.5
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(CHANNEL, TELEMETRY_CHANNEL)
                    self._subscribed.set()
                    backoff = 0.5
                    async for message in pubsub.listen():
                        if message.get("channel") == _TELEMETRY_CHANNEL_NAME:
                            await self._dispatch_telemetry(message.get("data"))
                        else:
                            await self._dispatch(message.get("data"))
            except (RedisError, OSError) as exc:
                log.warning("live channel lost (%s); resubscribing in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def _dispatch(self, raw: Any) -> None:
        try:
            event = json.loads(raw)
        except (TypeError, ValueError):
            log.warning("ignoring a non-JSON message on %s", CHANNEL)
            return
        await self._notify(self._listeners, event)

    async def _dispatch_telemetry(self, raw: Any) -> None:
        if not self._telemetry_listeners:
            return  # nobody to show it to: not even decoded
        try:
            readings = json.loads(raw)
        except (TypeError, ValueError):
            log.warning("ignoring a non-JSON message on %s", TELEMETRY_CHANNEL)
            return
        for reading in readings if isinstance(readings, list) else []:
            if isinstance(reading, dict):
                await self._notify(self._telemetry_listeners, {"type": TELEMETRY_EVENT, **reading})

    @staticmethod
    async def _notify(listeners: list[Listener], event: dict[str, Any]) -> None:
        for listener in list(listeners):
            try:
                await listener(event)
            except Exception:  # a broken listener must not stop the others
                log.exception("live listener failed")


class LiveWaits:
    """Waits that end when a live event of one ``event_type`` arrives with a given value of its ``key``
    field, whichever replica published it: a command's acknowledgement, a session's end. Each wait is a
    future, resolved by the channel's listener; nobody polls the store."""

    def __init__(self, live: LiveState, event_type: str, key: str) -> None:
        self._type = event_type
        self._key = key
        self._waiting: dict[str, set[asyncio.Future[dict[str, Any]]]] = {}
        live.add_listener(self._on_event)

    async def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("type") != self._type:
            return
        for future in self._waiting.get(str(event.get(self._key)), ()):
            if not future.done():
                future.set_result(event)

    @contextlib.contextmanager
    def expect(self, value: str) -> Iterator[asyncio.Future[dict[str, Any]]]:
        """The future of the next such event for ``value``; enter it before causing the event, so the event
        cannot come first and be missed."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        waiting = self._waiting.setdefault(value, set())
        waiting.add(future)
        try:
            yield future
        finally:
            waiting.discard(future)
            if not waiting:
                self._waiting.pop(value, None)
