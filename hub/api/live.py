"""``/api/v1/ws``: PC status and telemetry changes pushed to authenticated console clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from pydantic import Field
from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from hub.api.guard import requires
from hub.api.query import QueryModel, with_query
from hub.auth.permissions import Permission

bp = Blueprint("live")

# A console that cannot keep up loses the oldest updates, never the hub's memory.
CLIENT_QUEUE = 1000
PUSHED_TYPES = frozenset(
    {"pc.status", "pc.telemetry", "command.ack", "session.started", "session.progress", "session.ended"}
)


class LiveQuery(QueryModel):
    # Browsers cannot set headers on a WebSocket handshake: the console passes its token here.
    token: str | None = Field(default=None, max_length=4096, description="the access token")


@bp.websocket("/ws")  # type: ignore[untyped-decorator]
@requires(Permission.LIVE_READ)
@with_query(LiveQuery)
async def live_updates(request: Request, ws: WebsocketImplProtocol, query: LiveQuery) -> None:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(CLIENT_QUEUE)

    async def enqueue(event: dict[str, Any]) -> None:
        if event.get("type") not in PUSHED_TYPES:
            return
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(event)

    remove = request.app.ctx.live.add_listener(enqueue)
    try:
        await ws.send(json.dumps({"type": "hello", "user": request.ctx.claims.username}))
        while True:
            event = await queue.get()
            await ws.send(json.dumps(event))
    finally:
        remove()
        with contextlib.suppress(Exception):
            await ws.close()
