"""``status``: retained presence and the last will. Updates Redis and announces changes once.

A PC that drops off while a customer's session runs on it raises an ``offline_in_session`` alert (paid
time with nobody watching the PC: staff should go and look); the hub resolves it when the PC is back."""

from __future__ import annotations

from hub.alerts import AlertKind, PcAlerts
from hub.clock import now_ms
from hub.live import LiveState
from hub.store import PcRepository, SessionRepository
from hub.store.sessions import SessionState
from protocol import PcState, Status, Topic


class StatusHandler:
    def __init__(
        self, live: LiveState, pcs: PcRepository, sessions: SessionRepository, alerts: PcAlerts
    ) -> None:
        self._live = live
        self._pcs = pcs
        self._sessions = sessions
        self._alerts = alerts

    async def __call__(self, topic: Topic, status: Status) -> None:
        at = now_ms()
        if not await self._live.set_presence(topic.pc_id, status.state.value, at):
            return  # another replica (or a retained replay) already applied it
        if status.state is PcState.ONLINE:
            await self._pcs.record_seen(topic.pc_id, topic.site, at)
        await self._live.publish(
            {"type": "pc.status", "pc_id": topic.pc_id, "status": status.state.value, "at": at}
        )
        if status.state is PcState.ONLINE:
            await self._alerts.resolve(topic.pc_id, AlertKind.OFFLINE_IN_SESSION, by="system")
            return
        session = await self._sessions.open_for_pc(topic.pc_id)
        if session is not None and session.state is SessionState.ACTIVE:
            who = f"member {session.member_id}" if session.member_id else "a guest"
            await self._alerts.raise_alert(
                topic.pc_id,
                AlertKind.OFFLINE_IN_SESSION,
                f"{topic.pc_id} went offline during session {session.id} ({who})",
                {"session_id": session.id, "member_id": session.member_id, "kind": session.kind.value},
            )
