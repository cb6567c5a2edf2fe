"""An open WebSocket ends with its session: closed within 30 s (the socket re-checks at least that often,
and at once on a revocation notice) when its user logs out, is disabled or changes role, and when its
token expires; the close code tells the console whether to refresh (4001) or log in again (4002)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jwt
import pytest
import websockets
from redis.asyncio import Redis

from hub.api.live import RECHECK_S, SESSION_ENDED, TOKEN_EXPIRED
from hub.auth.state import AuthState
from hub.auth.tokens import TokenIssuer
from hub.live import CHANNEL
from icafe.stack import LocalStack
from icafe.supervisor import free_port

from .conftest import ADMIN_CONFIRMATION, Staff, async_wait_until, create_staff, login
from .own_stack import own_stack

CLOSED_WITHIN_S = 30
assert RECHECK_S <= CLOSED_WITHIN_S


def ws_url(port: int, token: str) -> str:
    return f"ws://127.0.0.1:{port}/api/v1/ws?token={token}"


async def open_socket(port: int, token: str) -> Any:
    ws = await websockets.connect(ws_url(port, token))
    hello = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert hello["type"] == "hello"
    return ws


async def closed(ws: Any) -> tuple[int, str]:
    """Read until the hub closes the socket (at most CLOSED_WITHIN_S); its close code and reason."""

    async def drain() -> None:
        while True:
            await ws.recv()

    with pytest.raises(websockets.ConnectionClosed):
        await asyncio.wait_for(drain(), CLOSED_WITHIN_S)
    assert ws.close_code is not None
    return int(ws.close_code), str(ws.close_reason)


def owner_post(stack: LocalStack, token: str, path: str, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{stack.api_url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, json=body, timeout=15
    )


@asynccontextmanager
async def listening(stack: LocalStack) -> AsyncIterator[list[dict[str, Any]]]:
    """Revocation notices seen on the live channel every replica listens to."""
    seen: list[dict[str, Any]] = []
    redis = Redis.from_url(stack.redis_url)
    pubsub = redis.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(CHANNEL)

    async def collect() -> None:
        async for message in pubsub.listen():
            event = json.loads(message["data"])
            if event.get("type") == "auth.revoked":
                seen.append(event)

    task = asyncio.create_task(collect())
    try:
        yield seen
    finally:
        task.cancel()
        await pubsub.aclose()
        await redis.aclose()


@pytest.fixture
async def notices(stack: LocalStack) -> AsyncIterator[list[dict[str, Any]]]:
    async with listening(stack) as seen:
        yield seen


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, int]]:
    """A stack of its own with a second hub replica (on the port answered beside it)."""
    with own_stack(tmp_path_factory.mktemp("replicas")) as local:
        port = free_port()
        local.start_hub("hub-2", port)
        yield local, port


async def test_logout_closes_the_sockets_of_that_session_on_every_replica(
    replicated: tuple[LocalStack, int],
) -> None:
    stack, port2 = replicated
    token = await asyncio.to_thread(login, stack)
    cashier = await asyncio.to_thread(create_staff, stack, token, "cashier")
    other = Staff(stack, cashier.username, cashier.password, "cashier")
    assert (await asyncio.to_thread(other.login)).status_code == 200
    async with listening(stack) as notices:
        here = await open_socket(stack.config.http_port, cashier.access_token)
        there = await open_socket(port2, cashier.access_token)
        untouched = await open_socket(port2, other.access_token)
        response = await asyncio.to_thread(
            httpx.post, cashier.url("/auth/logout"), headers=cashier.headers, timeout=15
        )
        assert response.status_code == 200
        for ws in (here, there):
            code, reason = await closed(ws)
            assert code == SESSION_ENDED
            assert reason.startswith("session_ended: the session was logged out")
        sid = jwt.decode(cashier.access_token, options={"verify_signature": False})["sid"]
        await async_wait_until(
            lambda: any(sid in notice.get("session_ids", []) for notice in notices), 5, "the notice"
        )
    # The same user's other login session is not this one: its socket stays open.
    await asyncio.wait_for(await untouched.ping(), 5)
    assert untouched.close_code is None
    await untouched.close()


@pytest.mark.parametrize("change", ["disable", "role"])
async def test_disabling_or_changing_the_role_closes_every_socket_of_the_user(
    stack: LocalStack, token: str, change: str, notices: list[dict[str, Any]]
) -> None:
    cashier = await asyncio.to_thread(create_staff, stack, token, "cashier")
    ws = await open_socket(stack.config.http_port, cashier.access_token)
    body: dict[str, Any] = {"confirmation": ADMIN_CONFIRMATION}
    if change == "role":
        body["role"] = "technician"
    response = await asyncio.to_thread(owner_post, stack, token, f"/users/{cashier.username}/{change}", body)
    assert response.status_code == 200, response.text
    code, reason = await closed(ws)
    assert code == SESSION_ENDED
    assert reason.startswith("session_ended: ")
    user_id = response.json()["user"]["id"]
    await async_wait_until(lambda: any(n.get("user_id") == user_id for n in notices), 5, "the notice")


async def test_a_socket_closes_when_its_token_expires(stack: LocalStack, token: str) -> None:
    cashier = await asyncio.to_thread(create_staff, stack, token, "cashier")
    claims = jwt.decode(cashier.access_token, options={"verify_signature": False})
    # The same session, with a token the hub's own key signed for 3 s (as a hub with a short TTL would).
    short, issued = TokenIssuer(stack.secrets["jwt_secret"], ttl_s=3).issue(
        claims["sub"],
        claims["name"],
        claims["role"],
        int(time.time()),
        session_id=claims["sid"],
        generation=claims["gen"],
    )
    ws = await open_socket(stack.config.http_port, short)
    code, reason = await closed(ws)
    assert code == TOKEN_EXPIRED
    assert reason.startswith("token_expired")
    assert time.time() >= issued.expires_at  # closed at the expiry, not before


async def test_a_session_revoked_without_a_notice_is_caught_by_the_periodic_check(
    stack: LocalStack, token: str
) -> None:
    cashier = await asyncio.to_thread(create_staff, stack, token, "cashier")
    ws = await open_socket(stack.config.http_port, cashier.access_token)
    sid = jwt.decode(cashier.access_token, options={"verify_signature": False})["sid"]
    redis = Redis.from_url(stack.redis_url)
    try:
        # What a revocation writes, without the notice (as if it were lost): only the re-check can see it.
        await redis.set(AuthState._revoked_key(sid), 1, ex=600)
        code, reason = await closed(ws)
    finally:
        await redis.aclose()
    assert code == SESSION_ENDED
    assert "logged out" in reason
