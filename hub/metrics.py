"""Prometheus metrics of one hub process, served at ``GET /metrics``."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from pymongo import monitoring

from hub.gc_pauses import PAUSE_BUCKETS, GcPauses


class HubMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages_in = Counter(
            "icafe_mqtt_messages_in", "MQTT messages received from agents", ["kind"], registry=self.registry
        )
        self.messages_out = Counter(
            "icafe_mqtt_messages_out", "MQTT messages published to agents", ["kind"], registry=self.registry
        )
        self.dropped = Counter(
            "icafe_mqtt_messages_dropped",
            "MQTT messages dropped: malformed, unexpected, or telemetry shed when the hub cannot keep up",
            ["reason"],
            registry=self.registry,
        )
        self.telemetry_ingested = Counter(
            "icafe_telemetry_ingested",
            "Telemetry readings accepted (each reaches the live feed; the store keeps a bounded history)",
            registry=self.registry,
        )
        self.telemetry_persisted = Counter(
            "icafe_telemetry_persisted", "Telemetry samples written to the store", registry=self.registry
        )
        # What the MQTT bridge holds, by lane (hub.mqtt.intake): telemetry beyond its cap is shed
        # (icafe_mqtt_messages_dropped_total{reason="shed"}); the other lane is never dropped.
        self.intake_backlog = Gauge(
            "icafe_mqtt_intake_backlog",
            "MQTT messages received and not yet handled, by lane",
            ["lane"],
            registry=self.registry,
        )
        self.command_latency = Histogram(
            "icafe_command_latency_seconds",
            "Time from publishing a command to the agent's acknowledgement",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        # Every command the hub sends the store is a round trip: counted, so that a benchmark can say how
        # many one operation costs (bench/payments.py, bench/commands.py).
        self.store_commands = Counter(
            "icafe_store_commands", "Commands sent to the store, by name", ["command"], registry=self.registry
        )
        self.store_listener = StoreCommands(self.store_commands)
        # The garbage collector's pauses stop the event loop: every request in flight waits (hub.gc_pauses).
        self.gc = GcPauses(
            Histogram(
                "icafe_gc_pause_seconds",
                "Garbage collection pauses of the hub process, by generation",
                ["generation"],
                buckets=PAUSE_BUCKETS,
                registry=self.registry,
            ),
            Gauge(
                "icafe_gc_frozen_objects",
                "Objects moved out of the garbage collector's walks after start-up",
                registry=self.registry,
            ),
        )
        self.duplicate_events = Counter(
            "icafe_journal_duplicate_events",
            "Journal events received again (redelivery)",
            registry=self.registry,
        )
        self.journal_gaps = Counter(
            "icafe_journal_gaps", "Journal events received ahead of a missing one", registry=self.registry
        )
        self.broker_dropped = Gauge(
            "icafe_broker_messages_dropped",
            "Messages the broker dropped since it started (QoS 0 beyond a client's queue limit: telemetry a "
            "hub could not read in time), as the broker reports it every 10 s",
            registry=self.registry,
        )
        self.broker_denied = Counter(
            "icafe_broker_denied",
            "Publishes, subscriptions and packets the broker refused (reported by icafe broker-log)",
            ["kind"],
            registry=self.registry,
        )
        self.commands = Counter(
            "icafe_commands", "Commands sent, by outcome", ["outcome"], registry=self.registry
        )
        # A PC is hostile: what the hub refused from one, by reason (hub.sessions.checks, hub.mqtt.login).
        self.quarantined = Counter(
            "icafe_journal_quarantined",
            "Journal events refused by the hub's checks and quarantined",
            ["reason"],
            registry=self.registry,
        )
        self.bounded = Counter(
            "icafe_journal_bounded",
            "Session figures from a PC beyond the hub's bounds, replaced by the hub's own",
            ["field"],
            registry=self.registry,
        )
        self.pc_logins = Counter(
            "icafe_pc_logins",
            "Logins at the PCs' lock screens, by outcome",
            ["outcome"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


class StoreCommands(monitoring.CommandListener):
    """Counts the store's commands as the driver sends them (``open_store(listeners=...)``)."""

    def __init__(self, counter: Counter) -> None:
        self._counter = counter

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self._counter.labels(event.command_name).inc()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return None

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return None
