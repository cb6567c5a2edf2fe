"""``login``: a customer at a PC's lock screen. Verify, start their session on that PC, answer.

A member logs in with login and PIN: on success the reply carries the member's secret hash so the PC can
let them in later while the hub is unreachable (within the site's offline credit; such sessions are
flagged for review). Anyone may log in with a prepaid voucher code: the session gets the minutes the
voucher's value buys at the PC's tariff, paid from the voucher at once; what is not used goes back onto
the voucher when the session ends. Codes need the hub: the PC cannot check them alone.
"""

from __future__ import annotations

import asyncio
import contextlib

from hub.auth.passwords import verify_password
from hub.money.errors import MoneyRefused
from hub.money.service import MoneyService
from hub.mqtt.bridge import MqttBridge
from hub.sessions.errors import SessionRefused
from hub.sessions.service import GuestOrder, SessionService
from hub.store import MemberRepository
from hub.tasks import BackgroundTasks
from protocol import MemberLogin, MemberLoginReply, Topic, TopicKind, topic

WRONG_CREDENTIALS = "wrong login or PIN"
WRONG_CODE = "unknown code"


class MemberLoginHandler:
    def __init__(
        self, members: MemberRepository, sessions: SessionService, money: MoneyService, bridge: MqttBridge
    ) -> None:
        self._members = members
        self._sessions = sessions
        self._money = money
        self._bridge = bridge
        self._background = BackgroundTasks()

    async def __call__(self, where: Topic, login: MemberLogin) -> None:
        # Answered in its own task: starting the session waits for the PC's acknowledgement, which
        # arrives through the very consumer loop that called us.
        self._background.spawn(self._handle(where, login), name=f"login-{where.pc_id}")

    async def _handle(self, where: Topic, login: MemberLogin) -> None:
        reply = await self._answer(where, login)
        await self._bridge.publish(
            topic(where.site, where.pc_id, TopicKind.LOGIN_REPLY), reply, qos=1, kind=TopicKind.LOGIN_REPLY
        )

    async def _answer(self, where: Topic, login: MemberLogin) -> MemberLoginReply:
        if login.code is not None:
            return await self._voucher(where, login.request_id, login.code)
        return await self._member(where, login.request_id, login.login or "", login.secret or "")

    async def _member(self, where: Topic, request_id: str, name: str, secret: str) -> MemberLoginReply:
        member = await self._members.by_login(name)
        # Hashing runs for unknown logins too, so timing does not tell which logins exist.
        valid = await asyncio.to_thread(verify_password, member.secret_hash if member else None, secret)
        if member is None or not valid:
            return MemberLoginReply(request_id=request_id, ok=False, reason=WRONG_CREDENTIALS)
        try:
            record = await self._sessions.start(
                where.pc_id, member_id=member.id, guest=None, staff=f"member:{member.login}"
            )
        except SessionRefused as exc:
            return MemberLoginReply(request_id=request_id, ok=False, reason=str(exc)[:256])
        return MemberLoginReply(
            request_id=request_id,
            ok=True,
            member_id=member.id,
            session_id=record.id,
            secret_hash=member.secret_hash,
        )

    async def _voucher(self, where: Topic, request_id: str, code: str) -> MemberLoginReply:
        def refused(reason: str) -> MemberLoginReply:
            return MemberLoginReply(request_id=request_id, ok=False, reason=reason)

        found = await self._money.voucher_by_code(code)
        if found is None:
            return refused(WRONG_CODE)
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
        except SessionRefused as exc:
            return refused(str(exc)[:256])
        try:
            await self._money.pay_session_from_voucher(record, code, where.site)
        except MoneyRefused:
            # The same code was spent at another PC in the same instant: this session never starts.
            with contextlib.suppress(SessionRefused):
                await self._sessions.stop(record.id, staff="system", reason="the code was used elsewhere")
            return refused("this code was just used elsewhere")
        return MemberLoginReply(request_id=request_id, ok=True, session_id=record.id)
