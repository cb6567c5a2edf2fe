"""``/api/v1/ws``: PC status and telemetry changes pushed to authenticated console clients.

A socket lives no longer than the access token it was opened with, nor than its login session: the hub
closes it when the token expires (at its ``exp``), and when the session is logged out or the user is
disabled or changes role, password or 2FA — at once on the revocation notice every replica receives over
the live channel (``hub.auth.state``), and in any case within ``RECHECK_S`` by asking the same live
authentication state as the guard. The close code tells the console what to do:

- ``4001`` (``token_expired``): get a fresh access token (refresh) and reconnect;
- ``4002`` (``session_ended``): the login session is over; log in again;
- ``1013`` (try again later): the session could not be checked (Redis unavailable); reconnect shortly.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from typing import Any

from pydantic import Field
from sanic import Blueprint, Request
from sanic.server.websockets.impl import WebsocketImplProtocol

from hub.api.guard import requires
from hub.api.query import QueryModel, with_query
from hub.auth.permissions import Permission
from hub.auth.state import REVOKED
from hub.auth.tokens import AccessClaims

bp = Blueprint("live")

# A console that cannot keep up loses the oldest updates, never the hub's memory.
CLIENT_QUEUE = 1000
PUSHED_TYPES = frozenset(
    {
        "pc.status",
        "pc.telemetry",
        "command.ack",
        "session.started",
        "session.progress",
        "session.ended",
        "pc.alert",
        # Published by the money service on every payment and refund (hub.money.service): the filter
        # above once left them out, so they reached no console.
        "payment.created",
        "payment.refunded",
        # An export's progress, its end with the download link, or its failure (hub.exports.jobs): only to
        # the sockets of the user who asked (``to_user``).
        "export.progress",
        "export.done",
        "export.failed",
        # A product's stock fell to its low-stock level, or was restocked (hub.alerts.StockAlerts).
        "stock.alert",
        # The site's broker down, a store outage, backups overdue (hub.system_alerts).
        "system.alert",
    }
)
# The longest a socket of an ended session can stay open if its revocation notice was lost.
RECHECK_S = 15.0
TOKEN_EXPIRED = 4001
SESSION_ENDED = 4002
TRY_AGAIN_LATER = 1013


class LiveQuery(QueryModel):
    # Browsers cannot set headers on a WebSocket handshake: the console passes its token here.
    token: str | None = Field(default=None, max_length=4096, description="the access token")


def revokes(notice: dict[str, Any], claims: AccessClaims) -> bool:
    """Whether a revocation notice may concern this token's session (it is then checked, not trusted)."""
    return notice.get("user_id") == claims.user_id or claims.session_id in notice.get("session_ids", [])


async def _until_revoked(request: Request, claims: AccessClaims, notified: asyncio.Event) -> tuple[int, str]:
    """Wait until the socket must close: on the token's expiry, or when the session is no longer live
    (checked on each notice and every ``RECHECK_S``). Answers the close code and reason."""
    ctx = request.app.ctx
    while True:
        left = claims.expires_at - time.time()
        if left <= 0:
            return TOKEN_EXPIRED, "token_expired: the access token expired; refresh it and reconnect"
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(notified.wait(), timeout=min(RECHECK_S, left))
        notified.clear()
        if claims.expires_at <= time.time():
            continue
        try:
            rejection = await ctx.auth_state.rejection(claims, ctx.store.users.generation)
        except Exception:  # Redis or the store is down: the session cannot be vouched for
            return TRY_AGAIN_LATER, "unavailable: the session cannot be checked now; reconnect shortly"
        if rejection:
            return SESSION_ENDED, f"session_ended: {rejection}; log in again"[:120]


async def _forward(ws: WebsocketImplProtocol, queue: asyncio.Queue[dict[str, Any]]) -> None:
    while True:
        event = await queue.get()
        await ws.send(json.dumps(event))


@bp.websocket("/ws")  # type: ignore[untyped-decorator]
@requires(Permission.LIVE_READ)
@with_query(LiveQuery)
async def live_updates(request: Request, ws: WebsocketImplProtocol, query: LiveQuery) -> None:
    claims: AccessClaims = request.ctx.claims
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(CLIENT_QUEUE)
    notified = asyncio.Event()

    async def enqueue(event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == REVOKED:
            if revokes(event, claims):
                notified.set()
            return
        if kind not in PUSHED_TYPES:
            return
        if event.get("to_user", claims.user_id) != claims.user_id:
            return
        if queue.full():
            queue.get_nowait()
        queue.put_nowait(event)

    remove = request.app.ctx.live.add_listener(enqueue, telemetry=True)
    forwarding = asyncio.create_task(_forward(ws, queue), name="ws-forward")
    watching = asyncio.create_task(_until_revoked(request, claims, notified), name="ws-revocation")
    close: tuple[int, str] = (1000, "")
    try:
        await ws.send(json.dumps({"type": "hello", "user": claims.username, "expires_at": claims.expires_at}))
        await asyncio.wait({forwarding, watching}, return_when=asyncio.FIRST_COMPLETED)
        if watching.done():
            close = watching.result()
    finally:
        remove()
        for task in (forwarding, watching):
            task.cancel()
        # Collected so that neither task's end (a client gone mid-send) is reported as never retrieved.
        await asyncio.gather(forwarding, watching, return_exceptions=True)
        with contextlib.suppress(Exception):
            await ws.close(*close)
