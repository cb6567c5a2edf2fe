"""``events``: the agent's journal. Stored once per (pc, journal, seq), projected, acknowledged.

The acknowledgement covers only the contiguous prefix the hub holds, so the agent keeps (and resends)
anything after a gap; the gap itself is reported.
"""

from __future__ import annotations

import logging

from hub.clock import now_ms
from hub.metrics import HubMetrics
from hub.mqtt.bridge import MqttBridge
from hub.sessions.projection import SessionProjection
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
    ) -> None:
        self._journals = journals
        self._projection = projection
        self._bridge = bridge
        self._metrics = metrics

    async def __call__(self, where: Topic, event: Event) -> None:
        stored = await self._journals.insert(
            where.pc_id,
            event.journal,
            event.seq,
            {
                "type": event.type,
                "data": dict(event.data),
                "at": event.at,
                "session_id": event.data.get("session_id"),
                "received_at": now_ms(),
            },
        )
        if not stored:
            self._metrics.duplicate_events.inc()
        # Projected even when already stored: a crash between storing and projecting must heal on redelivery.
        await self._projection.apply(where.pc_id, event)
        cursor = await self._journals.advance(where.pc_id, event.journal, now_ms())
        if cursor.gap:
            self._metrics.journal_gaps.inc()
            log.warning("%s journal %s: events %s..%s missing", where.pc_id, event.journal, *cursor.gap)
        ack = EventsAck(journal=event.journal, up_to_seq=cursor.acked, hub_time=now_ms())
        await self._bridge.publish(
            topic(where.site, where.pc_id, TopicKind.EVENTS_ACK), ack, qos=1, kind=TopicKind.EVENTS_ACK
        )
