"""``/api/v1/ws``: PC status and telemetry changes pushed to authenticated console clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from hub.api.guard import requires
from hub.auth.permissions import Permission

bp = Blueprint("live")

# A console that cannot keep up loses the oldest updates, never the hub's memory.
CLIENT_QUEUE = 1000
PUSHED_TYPES = frozenset(
    {"pc.status", "pc.telemetry", "command.ack", "session.started", "session.progress", "session.ended"}
)


@bp.websocket("/ws")  # type: ignore[untyped-decorator]
@requires(Permission.LIVE_READ)
async def live_updates(request: Request, ws: WebsocketImplProtocol) -> None:
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
