"""``events``: the agent's journal. Checked, stored once per (pc, journal, seq), projected, acknowledged.

The acknowledgement covers only the contiguous prefix the hub holds, so the agent keeps (and resends)
anything after a gap; the gap itself is reported.

Every event is judged against the hub's records before it has any effect (``hub.sessions.checks``). The
rule for a refused event:

- within the window after the acknowledged prefix (``SEQ_WINDOW``), it is stored like any event (marked
  with its reason) and acknowledged, so an honest journal is never blocked behind it, and kept in the
  quarantine with its reason; it is counted and alerted once, and it changes nothing, ever: a redelivery is
  never judged again;
- beyond the window, it is not stored at all (it would open a gap no event could close), only kept in the
  quarantine, counted and alerted; the acknowledgement stays where it was.

A redelivered event is projected again from the copy the hub stored first, never from the new copy, so a
crash between storing and projecting heals and a PC cannot rewrite what it sent.
"""

from __future__ import annotations

import logging

from hub.alerts import AlertKind, PcAlerts
from hub.clock import now_ms
from hub.metrics import HubMetrics
from hub.mqtt.bridge import MqttBridge
from hub.sessions.checks import Quarantine, QuarantineReason, seq_in_window
from hub.sessions.projection import SessionProjection, Verdict
from hub.store import JournalRepository
from protocol import Event, EventsAck, Topic, TopicKind, topic

log = logging.getLogger(__name__)


class EventsHandler:
    def __init__(
        self,
        journals: JournalRepository,
        projection: SessionProjection,
        bridge: MqttBridge,
        metrics: HubMetrics,
        alerts: PcAlerts,
    ) -> None:
        self._journals = journals
        self._projection = projection
        self._bridge = bridge
        self._metrics = metrics
        self._alerts = alerts

    async def __call__(self, where: Topic, event: Event) -> None:
        pc_id = where.pc_id
        acked = await self._journals.acked(pc_id, event.journal)
        if not seq_in_window(event.seq, acked):
            refused = Quarantine(
                QuarantineReason.SEQ_OUT_OF_WINDOW,
                f"seq {event.seq} is too far ahead of the acknowledged {acked}",
            )
            await self._quarantined(pc_id, event, refused)
            await self._acknowledge(where, event.journal, acked)
            return
        verdict = await self._projection.judge(pc_id, event)
        received_at = now_ms()
        stored = await self._journals.insert(
            pc_id,
            event.journal,
            event.seq,
            {
                "type": event.type,
                "data": dict(event.data),
                "at": event.at,
                "session_id": event.data.get("session_id"),
                "received_at": received_at,
                "quarantined": verdict.quarantine.reason.value if verdict.quarantine else None,
            },
        )
        if stored:
            await self._apply(pc_id, event, verdict)
        else:
            self._metrics.duplicate_events.inc()
            await self._reapply(pc_id, event)
        cursor = await self._journals.advance(pc_id, event.journal, now_ms())
        if cursor.gap:
            self._metrics.journal_gaps.inc()
            log.warning("%s journal %s: events %s..%s missing", pc_id, event.journal, *cursor.gap)
        await self._acknowledge(where, event.journal, cursor.acked)

    async def _apply(self, pc_id: str, event: Event, verdict: Verdict) -> None:
        if verdict.quarantine is not None:
            await self._quarantined(pc_id, event, verdict.quarantine)
            return
        await verdict.effect()
        for alert in verdict.alerts:
            if alert.kind is AlertKind.SESSION_BOUNDED:
                for figure in alert.details.get("figures", {}):
                    self._metrics.bounded.labels(figure).inc()
            await self._alerts.raise_alert(pc_id, alert.kind, alert.message, alert.details)

    async def _reapply(self, pc_id: str, event: Event) -> None:
        """A redelivery: project the first stored copy again (idempotent), unless it was refused."""
        first = await self._journals.stored(pc_id, event.journal, event.seq)
        if first is None or first.get("quarantined"):
            return
        try:
            original = Event(
                journal=event.journal, seq=event.seq, type=first["type"], data=first["data"], at=first["at"]
            )
        except ValueError as exc:  # stored by an older hub under looser rules
            log.warning(
                "%s: stored event %s:%s no longer validates: %s", pc_id, event.journal, event.seq, exc
            )
            return
        verdict = await self._projection.judge(pc_id, original)
        if verdict.accepted:
            await verdict.effect()  # its alerts were raised the first time

    async def _quarantined(self, pc_id: str, event: Event, refused: Quarantine) -> None:
        first = await self._journals.quarantine(
            pc_id,
            event.journal,
            event.seq,
            {
                "type": event.type,
                "data": dict(event.data),
                "at": event.at,
                "session_id": event.data.get("session_id"),
                "reason": refused.reason.value,
                "detail": refused.detail,
                "received_at": now_ms(),
            },
        )
        if not first:
            return  # a redelivery of what was refused already: counted and alerted then
        self._metrics.quarantined.labels(refused.reason.value).inc()
        await self._alerts.raise_alert(
            pc_id,
            AlertKind.EVENT_QUARANTINED,
            f"{event.type} (journal {event.journal[:8]}, seq {event.seq}) refused: {refused.detail}",
            {"reason": refused.reason.value, "journal": event.journal, "seq": event.seq, "type": event.type},
        )

    async def _acknowledge(self, where: Topic, journal: str, up_to: int) -> None:
        ack = EventsAck(journal=journal, up_to_seq=up_to, hub_time=now_ms())
        await self._bridge.publish(
            topic(where.site, where.pc_id, TopicKind.EVENTS_ACK), ack, qos=1, kind=TopicKind.EVENTS_ACK
        )
