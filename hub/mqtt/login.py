"""``login``: a member at a PC's lock screen. Verify, start their session on that PC, answer.

On success the reply carries the member's secret hash so the PC can let them in later while the hub is
unreachable (within the site's offline credit; such sessions are flagged for review).
"""

from __future__ import annotations

import asyncio

from hub.auth.passwords import verify_password
from hub.mqtt.bridge import MqttBridge
from hub.sessions.errors import SessionRefused
from hub.sessions.service import SessionService
from hub.store import MemberRepository
from hub.tasks import BackgroundTasks
from protocol import MemberLogin, MemberLoginReply, Topic, TopicKind, topic

WRONG_CREDENTIALS = "wrong login or PIN"


class MemberLoginHandler:
    def __init__(self, members: MemberRepository, sessions: SessionService, bridge: MqttBridge) -> None:
        self._members = members
        self._sessions = sessions
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
        member = await self._members.by_login(login.login)
        # Hashing runs for unknown logins too, so timing does not tell which logins exist.
        valid = await asyncio.to_thread(verify_password, member.secret_hash if member else None, login.secret)
        if member is None or not valid:
            return MemberLoginReply(request_id=login.request_id, ok=False, reason=WRONG_CREDENTIALS)
        try:
            record = await self._sessions.start(
                where.pc_id, member_id=member.id, guest=None, staff=f"member:{member.login}"
            )
        except SessionRefused as exc:
            return MemberLoginReply(request_id=login.request_id, ok=False, reason=str(exc)[:256])
        return MemberLoginReply(
            request_id=login.request_id,
            ok=True,
            member_id=member.id,
            session_id=record.id,
            secret_hash=member.secret_hash,
        )
