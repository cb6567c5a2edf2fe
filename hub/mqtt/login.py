"""``login``: a customer at a PC's lock screen. Verify, start their session on that PC, answer.

A member logs in with login and secret (a PIN or a password, ``hub.member_secrets``). A PC is hostile, so
this is the guessing oracle to close:

- attempts are limited per member and per PC, with back-off (``hub.mqtt.login_limits``); a burst of
  failures raises an alert against the PC;
- until the secret is right *and* the session starts, every refusal is the same generic reply: a wrong
  secret, an unknown login, a right secret for a member who is busy elsewhere, has no balance, or is locked
  out all read alike (the hash runs in every case but a lockout, so the timing does not tell either);
  only what concerns the PC itself (it is busy, offline, has no tariff) is said, before any secret is
  checked;
- the hub never sends a PC a member's secret or hash. On success it sends the member's offline verifier
  (``protocol.offline``) only for an offline-capable password, and records that this PC got it.

Anyone may log in with a prepaid voucher code: the session gets the minutes the voucher's value buys at
the PC's tariff, paid from the voucher at once; what is not used goes back onto the voucher when the
session ends. Codes need the hub: the PC cannot check them alone. Wrong codes count against the PC's limit.
"""

from __future__ import annotations

import asyncio
import contextlib

from hub.alerts import AlertKind, PcAlerts
from hub.auth.passwords import verify_password
from hub.clock import now_ms
from hub.errors import Refused
from hub.metrics import HubMetrics
from hub.money.service import MoneyService
from hub.mqtt.bridge import MqttBridge
from hub.mqtt.login_limits import MEMBER_POLICY, PC_POLICY, Attempt, PcLoginLimiter, member_key, pc_key
from hub.sessions.offline import VERIFIER_TTL_MS
from hub.sessions.service import GuestOrder, SessionService
from hub.store import MemberRecord, Store
from hub.store.members import OfflineGrant
from hub.tasks import BackgroundTasks
from protocol import KdfCost, MemberLogin, MemberLoginReply, OfflineVerifier, Topic, TopicKind, topic

REFUSED = "not logged in: check your login and secret, or ask at the desk"
WRONG_CODE = "unknown code"


class MemberLoginHandler:
    def __init__(
        self,
        store: Store,
        sessions: SessionService,
        money: MoneyService,
        bridge: MqttBridge,
        limiter: PcLoginLimiter,
        alerts: PcAlerts,
        metrics: HubMetrics,
    ) -> None:
        self._store = store
        self._sessions = sessions
        self._money = money
        self._bridge = bridge
        self._limiter = limiter
        self._alerts = alerts
        self._metrics = metrics
        self._background = BackgroundTasks()

    async def __call__(self, where: Topic, login: MemberLogin) -> None:
        # Answered in its own task: starting the session waits for the PC's acknowledgement, which
        # arrives through the very consumer loop that called us.
        self._background.spawn(self._handle(where, login), name=f"login-{where.pc_id}")

    async def _handle(self, where: Topic, login: MemberLogin) -> None:
        if not await self._limiter.first_copy(where.pc_id, login.request_id):
            self._metrics.pc_logins.labels("copy").inc()
            return
        reply = await self._answer(where, login)
        self._metrics.pc_logins.labels("ok" if reply.ok else "refused").inc()
        await self._bridge.publish(
            topic(where.site, where.pc_id, TopicKind.LOGIN_REPLY), reply, qos=1, kind=TopicKind.LOGIN_REPLY
        )

    async def _answer(self, where: Topic, login: MemberLogin) -> MemberLoginReply:
        try:
            # What concerns the PC itself tells nothing about a secret: said plainly, and not counted.
            await self._sessions.ready(where.pc_id)
        except Refused as exc:
            return MemberLoginReply(request_id=login.request_id, ok=False, reason=str(exc)[:256])
        if login.code is not None:
            return await self._voucher(where, login.request_id, login.code)
        return await self._member(where, login.request_id, login.login or "", login.secret or "")

    async def _member(self, where: Topic, request_id: str, name: str, secret: str) -> MemberLoginReply:
        refused = MemberLoginReply(request_id=request_id, ok=False, reason=REFUSED)
        keys = [(member_key(name), MEMBER_POLICY), (pc_key(where.pc_id), PC_POLICY)]
        attempt = await self._limiter.attempt(keys, now_ms())
        if not attempt.allowed:
            self._metrics.pc_logins.labels("locked").inc()
            return refused
        member = await self._store.members.by_login(name)
        # Hashing runs for unknown logins too, so timing does not tell which logins exist.
        valid = await asyncio.to_thread(verify_password, member.secret_hash if member else None, secret)
        if member is None or not valid:
            await self._failed(where, name, attempt)
            return refused
        try:
            record = await self._sessions.start(
                where.pc_id, member_id=member.id, guest=None, staff=f"member:{member.login}"
            )
        except Refused:
            # Busy elsewhere, no balance...: said at the desk, never to whoever typed the secret here.
            await self._failed(where, name, attempt)
            return refused
        await self._limiter.succeeded(member_key(name), pc_key(where.pc_id))
        return MemberLoginReply(
            request_id=request_id,
            ok=True,
            member_id=member.id,
            session_id=record.id,
            offline=await self._offline_verifier(member, where.pc_id),
        )

    async def _failed(self, where: Topic, login: str, attempt: Attempt) -> None:
        if not (attempt.locks(MEMBER_POLICY) or attempt.locks(PC_POLICY)):
            return
        failures = attempt.failures or {}
        await self._alerts.raise_alert(
            where.pc_id,
            AlertKind.LOGIN_FAILURES,
            f"repeated failed logins at {where.pc_id} (last for {login[:64]!r}); further tries wait",
            {
                "login": login[:64],
                "member_failures": failures.get("member"),
                "pc_failures": failures.get("pc"),
            },
        )

    async def _offline_verifier(self, member: MemberRecord, pc_id: str) -> OfflineVerifier | None:
        """The member's verifier for this PC, recorded as given, for an offline-capable password only."""
        key = member.offline_key
        if not key:
            return None
        issued = now_ms()
        expires = issued + VERIFIER_TTL_MS
        await self._store.offline_grants.grant(OfflineGrant(member.id, pc_id, key["key_id"], issued, expires))
        return OfflineVerifier(
            salt=key["salt"],
            public_key=key["public_key"],
            cost=KdfCost.model_validate(key["cost"]),
            expires_at=expires,
        )

    async def _voucher(self, where: Topic, request_id: str, code: str) -> MemberLoginReply:
        def refused(reason: str) -> MemberLoginReply:
            return MemberLoginReply(request_id=request_id, ok=False, reason=reason)

        attempt = await self._limiter.attempt([(pc_key(where.pc_id), PC_POLICY)], now_ms())
        if not attempt.allowed:
            self._metrics.pc_logins.labels("locked").inc()
            return refused("too many wrong codes at this PC; wait a little or ask at the desk")
        found = await self._money.voucher_by_code(code)
        if found is None:
            await self._failed(where, "(voucher code)", attempt)
            return refused(WRONG_CODE)
        await self._limiter.succeeded(None, pc_key(where.pc_id))
        voucher, balance = found
        if balance <= 0:
            return refused("this code is used up")
        try:
            minutes = await self._sessions.minutes_for_amount(where.pc_id, balance)
            if minutes < 1:
                return refused("what is left on this code buys less than a minute here")
            record = await self._sessions.start(
                where.pc_id,
                member_id=None,
                guest=GuestOrder(prepaid_minutes=minutes),
                staff=f"voucher:{voucher.last4}",
            )
        except Refused as exc:
            return refused(str(exc)[:256])
        try:
            await self._money.pay_session_from_voucher(record, code, where.site)
        except Refused:
            # The same code was spent at another PC in the same instant: this session never starts.
            with contextlib.suppress(Refused):
                await self._sessions.stop(record.id, staff="system", reason="the code was used elsewhere")
            return refused("this code was just used elsewhere")
        return MemberLoginReply(request_id=request_id, ok=True, session_id=record.id)
