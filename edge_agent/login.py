"""The local operation behind the lock screen's login: a member's login and secret, or a voucher code.

Online, the hub checks the credentials and orders the session. With the hub unreachable, a member whose
password the hub deemed strong enough gave this PC an offline verifier at an earlier login here (their
public key, ``protocol.offline``); the PC derives the key pair from what the customer types, lets them in
on the site's offline credit if it matches, and signs the session's start with it: the proof the hub checks
when the session reaches it. Nothing of a PIN is ever cached, so PIN members need the hub. A verifier is
honoured until it expires. A voucher code is checked and spent by the hub only, so it needs the link.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from edge_agent.clock import TrustedClock
from edge_agent.sessions import SessionRejected, SessionRuntime
from protocol import MemberLogin, MemberLoginReply, OfflineVerifier, SessionKind, SessionOrder
from protocol.offline import derive_key, matches, sign

CACHE_KEY = "member_verifiers"
# The cache of the versions before verifiers (argon2 hashes of PINs): dropped at the first start.
LEGACY_CACHE_KEY = "member_credentials"
REPLY_TIMEOUT_S = 10.0
# A request not answered in this long is sent again (same id: the hub answers the first copy it gets): the
# broker may have handed the first to a hub replica that died, where it waits until that replica's broker
# session expires. Each copy expires at the broker when the PC stops waiting (``REPLY_TIMEOUT_S``).
RESEND_AFTER_S = 3.0
OFFLINE_REFUSED = "wrong login or secret, or this member cannot log in here while the server is unreachable"


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    reason: str = ""
    session_id: str | None = None
    offline: bool = False


class MemberLogins:
    def __init__(
        self,
        sessions: SessionRuntime,
        send: Callable[[MemberLogin], Awaitable[bool]],
        pc_id: str,
        reply_timeout_s: float = REPLY_TIMEOUT_S,
        resend_after_s: float = RESEND_AFTER_S,
    ) -> None:
        self._sessions = sessions
        self._pc_id = pc_id
        self._send = send  # False when the hub cannot be reached right now
        self._timeout = reply_timeout_s
        self._resend_after_s = resend_after_s
        self._waiting: dict[str, asyncio.Future[MemberLoginReply]] = {}

    async def login(self, login: str, secret: str) -> LoginResult:
        reply = await self._ask(MemberLogin(request_id=uuid.uuid4().hex, login=login, secret=secret))
        if reply is None:  # unreachable, or no answer in time: as good as offline
            return await self._offline(login, secret)
        if reply.ok:
            await self._remember(login, reply.member_id, reply.offline)
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
        loop = asyncio.get_running_loop()
        future: asyncio.Future[MemberLoginReply] = loop.create_future()
        self._waiting[request.request_id] = future
        deadline = loop.time() + self._timeout
        try:
            while (left := deadline - loop.time()) > 0:
                if not await self._send(request):
                    return None
                try:
                    return await asyncio.wait_for(asyncio.shield(future), min(self._resend_after_s, left))
                except TimeoutError:
                    continue
        finally:
            self._waiting.pop(request.request_id, None)
        return None

    def replied(self, reply: MemberLoginReply) -> None:
        future = self._waiting.get(reply.request_id)
        if future is not None and not future.done():
            future.set_result(reply)

    async def _cache(self) -> dict[str, Any]:
        journal = self._sessions.journal
        if await asyncio.to_thread(journal.get_state, LEGACY_CACHE_KEY):
            await asyncio.to_thread(journal.put_state, LEGACY_CACHE_KEY, None)
        return dict(await asyncio.to_thread(journal.get_state, CACHE_KEY, {}) or {})

    async def _remember(self, login: str, member_id: str | None, verifier: OfflineVerifier | None) -> None:
        """Keep the member's verifier (or forget one they no longer have: a PIN now, a new password)."""
        cache = await self._cache()
        if member_id and verifier:
            cache[login] = {"member_id": member_id, "verifier": verifier.model_dump(mode="json")}
        elif cache.pop(login, None) is None:
            return
        await asyncio.to_thread(self._sessions.journal.put_state, CACHE_KEY, cache)

    async def _offline(self, login: str, secret: str) -> LoginResult:
        settings = self._sessions.settings
        if settings is None or settings.offline_credit <= 0:
            return LoginResult(False, "the cafe's server is unreachable; ask at the desk")
        known = (await self._cache()).get(login)
        clock: TrustedClock = self._sessions.clock
        verifier = OfflineVerifier.model_validate(known["verifier"]) if known else None
        if verifier is None or verifier.expires_at < clock.now():
            return LoginResult(False, OFFLINE_REFUSED)
        key = await asyncio.to_thread(derive_key, secret, verifier.salt, verifier.cost)
        if not matches(key, verifier):
            return LoginResult(False, OFFLINE_REFUSED)
        member_id = str(known["member_id"]) if known else ""
        order = SessionOrder(
            session_id=uuid.uuid4().hex,
            kind=SessionKind.MEMBER,
            member_id=member_id,
            budget=settings.offline_credit,
            tariff=settings.tariff,
        )

        def prove(started_at: int) -> str:
            return sign(key, self._pc_id, order.session_id, member_id, started_at)

        try:
            await self._sessions.start(order, offline=True, prove=prove)
        except SessionRejected as exc:
            return LoginResult(False, str(exc))
        return LoginResult(True, session_id=order.session_id, offline=True)
