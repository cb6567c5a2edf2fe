"""The wire contract between edge agents and the hub: MQTT topics and message models.

Both sides import only this package's public names. Every payload is JSON carrying a schema
version ``v``; anything that does not validate is a :class:`ProtocolError`.
"""

from protocol.codec import ProtocolError, decode, encode
from protocol.messages import (
    SCHEMA_VERSION,
    Command,
    CommandAck,
    CommandOutcome,
    CommandType,
    Event,
    EventsAck,
    Hardware,
    Hello,
    Message,
    PcState,
    Status,
    Telemetry,
)
from protocol.topics import (
    NAME_PATTERN,
    Topic,
    TopicKind,
    agent_subscriptions,
    hub_shared_subscriptions,
    hub_subscriptions,
    is_valid_name,
    parse_topic,
    topic,
)

__all__ = [
    "NAME_PATTERN",
    "SCHEMA_VERSION",
    "Command",
    "CommandAck",
    "CommandOutcome",
    "CommandType",
    "Event",
    "EventsAck",
    "Hardware",
    "Hello",
    "Message",
    "PcState",
    "ProtocolError",
    "Status",
    "Telemetry",
    "Topic",
    "TopicKind",
    "agent_subscriptions",
    "decode",
    "encode",
    "hub_shared_subscriptions",
    "hub_subscriptions",
    "is_valid_name",
    "parse_topic",
    "topic",
]
