"""The local operation behind the lock screen's login: a member's login and PIN, or a voucher code.

Online, the hub checks the credentials and orders the session. With the hub unreachable, a member who
logged in at this PC before is checked against the cached hash and may play on the site's offline credit;
the session is journaled as offline and flagged for review when it reaches the hub. A voucher code is
checked and spent by the hub only, so it needs the link.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from edge_agent.sessions import SessionRejected, SessionRuntime
from protocol import MemberLogin, MemberLoginReply, SessionKind, SessionOrder

CACHE_KEY = "member_credentials"
REPLY_TIMEOUT_S = 10.0

_hasher = PasswordHasher()


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    reason: str = ""
    session_id: str | None = None
    offline: bool = False


def _matches(secret_hash: str, secret: str) -> bool:
    try:
        return _hasher.verify(secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False


class MemberLogins:
    def __init__(
        self,
        sessions: SessionRuntime,
        send: Callable[[MemberLogin], Awaitable[bool]],
        reply_timeout_s: float = REPLY_TIMEOUT_S,
    ) -> None:
        self._sessions = sessions
        self._send = send  # False when the hub cannot be reached right now
        self._timeout = reply_timeout_s
        self._waiting: dict[str, asyncio.Future[MemberLoginReply]] = {}

    async def login(self, login: str, secret: str) -> LoginResult:
        reply = await self._ask(MemberLogin(request_id=uuid.uuid4().hex, login=login, secret=secret))
        if reply is None:  # unreachable, or no answer in time: as good as offline
            return await self._offline(login, secret)
        if reply.ok:
            await self._remember(login, reply)
        return LoginResult(reply.ok, reply.reason, reply.session_id)

    async def code_login(self, code: str) -> LoginResult:
        """A prepaid voucher code: only the hub can check it and pay the session from it, so a code needs
        the hub (members with cached credentials can still play offline)."""
        request = MemberLogin(request_id=uuid.uuid4().hex, code=code)
        reply = await self._ask(request)
        if reply is None:
            return LoginResult(False, "the cafe's server is unreachable; codes need it, ask at the desk")
        return LoginResult(reply.ok, reply.reason, reply.session_id)

    async def _ask(self, request: MemberLogin) -> MemberLoginReply | None:
        """The hub's reply, or None when it cannot be reached or does not answer in time."""
        future: asyncio.Future[MemberLoginReply] = asyncio.get_running_loop().create_future()
        self._waiting[request.request_id] = future
        try:
            if await self._send(request):
                return await asyncio.wait_for(future, self._timeout)
        except TimeoutError:
            pass
        finally:
            self._waiting.pop(request.request_id, None)
        return None

    def replied(self, reply: MemberLoginReply) -> None:
        future = self._waiting.get(reply.request_id)
        if future is not None and not future.done():
            future.set_result(reply)

    async def _remember(self, login: str, reply: MemberLoginReply) -> None:
        if not (reply.member_id and reply.secret_hash):
            return
        journal = self._sessions.journal
        cache = dict(await asyncio.to_thread(journal.get_state, CACHE_KEY, {}) or {})
        cache[login] = {"member_id": reply.member_id, "secret_hash": reply.secret_hash}
        await asyncio.to_thread(journal.put_state, CACHE_KEY, cache)

    async def _offline(self, login: str, secret: str) -> LoginResult:
        settings = self._sessions.settings
        if settings is None or settings.offline_credit <= 0:
            return LoginResult(False, "the cafe's server is unreachable; ask at the desk")
        cache = await asyncio.to_thread(self._sessions.journal.get_state, CACHE_KEY, {}) or {}
        known = cache.get(login)
        if not known or not await asyncio.to_thread(_matches, str(known["secret_hash"]), secret):
            return LoginResult(False, "wrong login or PIN (offline: only members seen at this PC)")
        order = SessionOrder(
            session_id=uuid.uuid4().hex,
            kind=SessionKind.MEMBER,
            member_id=str(known["member_id"]),
            budget=settings.offline_credit,
            tariff=settings.tariff,
        )
        try:
            await self._sessions.start(order, offline=True)
        except SessionRejected as exc:
            return LoginResult(False, str(exc))
        return LoginResult(True, session_id=order.session_id, offline=True)
