"""MQTT topic layout: ``icafe/v1/<site>/pc/<pc>/<kind>``.

The PC id is also the CN of the PC's certificate and its broker username, so the broker's ACL
pattern ``icafe/v1/+/pc/%u/...`` confines each PC to its own subtree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

PREFIX = "icafe/v1"
# The broker's own reports to the hub, outside the PCs' tree (protocol.broker): what it refused.
BROKER_DENIALS = f"{PREFIX}/broker/denials"
# Mosquitto's own count of the messages it dropped since it started (beyond a client's queue limit: a hub
# short of CPU leaves telemetry there), published every ``sys_interval`` (10 s) and retained.
BROKER_DROPPED = "$SYS/broker/publish/messages/dropped"
NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_NAME = re.compile(NAME_PATTERN)
SHARED_GROUP = "hub"


class TopicKind(StrEnum):
    # agent -> hub
    HELLO = "hello"
    TELEMETRY = "telemetry"
    EVENTS = "events"
    STATUS = "status"
    CMD_ACK = "cmd-ack"
    LOGIN = "login"
    # hub -> agent
    CMD = "cmd"
    EVENTS_ACK = "events-ack"
    CONFIG = "config"
    LOGIN_REPLY = "login-reply"


AGENT_PUBLISHES = frozenset(
    {
        TopicKind.HELLO,
        TopicKind.TELEMETRY,
        TopicKind.EVENTS,
        TopicKind.STATUS,
        TopicKind.CMD_ACK,
        TopicKind.LOGIN,
    }
)
HUB_PUBLISHES = frozenset({TopicKind.CMD, TopicKind.EVENTS_ACK, TopicKind.CONFIG, TopicKind.LOGIN_REPLY})


@dataclass(frozen=True, slots=True)
class Topic:
    site: str
    pc_id: str
    kind: TopicKind

    def __str__(self) -> str:
        return f"{PREFIX}/{self.site}/pc/{self.pc_id}/{self.kind.value}"


def is_valid_name(name: str) -> bool:
    """True for a site or PC id that is safe as one MQTT topic level and a broker username."""
    return _NAME.fullmatch(name) is not None


def topic(site: str, pc_id: str, kind: TopicKind) -> str:
    for label, value in (("site", site), ("pc id", pc_id)):
        if not is_valid_name(value):
            raise ValueError(f"invalid {label} {value!r}: must match {NAME_PATTERN}")
    return str(Topic(site, pc_id, kind))


def parse_topic(raw: str) -> Topic | None:
    """The parts of an icafe topic, or None for anything that is not one."""
    parts = raw.split("/")
    if len(parts) != 6 or f"{parts[0]}/{parts[1]}" != PREFIX or parts[3] != "pc":
        return None
    site, pc_id, kind = parts[2], parts[4], parts[5]
    if not (is_valid_name(site) and is_valid_name(pc_id)):
        return None
    try:
        return Topic(site, pc_id, TopicKind(kind))
    except ValueError:
        return None


def _wildcard(kind: TopicKind) -> str:
    return f"{PREFIX}/+/pc/+/{kind.value}"


def hub_shared_subscriptions() -> list[str]:
    """High-volume agent topics, split across hub replicas by a shared subscription."""
    kinds = (TopicKind.TELEMETRY, TopicKind.EVENTS, TopicKind.LOGIN)
    topics = [_wildcard(kind) for kind in kinds] + [BROKER_DENIALS]
    return [f"$share/{SHARED_GROUP}/{topic}" for topic in topics]


def hub_subscriptions() -> list[str]:
    """Topics every hub replica reads itself: retained presence is never sent to shared subscribers; and
    what nothing resends, command acknowledgements and hellos: a share of them would wait in a killed
    replica's broker session (until it expires, then be dropped), while the replica holding a command
    times out or the PC stays on record with its previous hello. Every replica records an
    acknowledgement's outcome (one conditional write wins, ``hub.mqtt.cmd_ack``) and a hello (one replica
    acts on it, ``hub.mqtt.hello``)."""
    return [_wildcard(kind) for kind in (TopicKind.STATUS, TopicKind.CMD_ACK, TopicKind.HELLO)]


def agent_subscriptions(site: str, pc_id: str) -> list[str]:
    return [topic(site, pc_id, kind) for kind in sorted(HUB_PUBLISHES)]
