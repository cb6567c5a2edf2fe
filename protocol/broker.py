"""What the broker's log watcher tells the hub: the publishes and subscriptions the broker refused.

Mosquitto reports a refused PUBLISH or SUBSCRIBE only in its debug log, which never reaches a topic. The
watcher (``icafe broker-log``, next to the broker) reads that log, counts the refusals per client and
kind, and publishes at most one :class:`BrokerDenials` per period on :data:`BROKER_DENIALS`, however fast
a hostile PC tries: the hub counts them (``icafe_broker_denied_total``) and alerts on known PCs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from protocol.messages import Message, Millis
from protocol.topics import BROKER_DENIALS, NAME_PATTERN

__all__ = ["BROKER_DENIALS", "MAX_CLIENTS", "BrokerDenials", "ClientDenials", "DenialKind"]
# One report names at most this many clients; the totals still count every refusal.
MAX_CLIENTS = 100
MAX_COUNT = 10**12


class DenialKind(StrEnum):
    # A PUBLISH outside the client's own topics (another PC's, another site's, a topic it may only read).
    PUBLISH = "publish"
    # A SUBSCRIBE filter outside them: another PC's topics, a wildcard, the hub's `$share/...` group.
    SUBSCRIBE = "subscribe"
    # A packet over the broker's max_packet_size: the client was disconnected.
    OVERSIZE = "oversize"


Count = Annotated[int, Field(ge=1, le=MAX_COUNT)]


class ClientDenials(BaseModel):
    """Refusals of one client (its broker username, i.e. its certificate's CN) of one kind."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    client: Annotated[str, Field(pattern=f"^{NAME_PATTERN}$")]
    kind: DenialKind
    count: Count
    # The last topic or filter refused, cut to a bound: for the operator's eyes only.
    last_topic: Annotated[str, Field(max_length=256)] = ""


class BrokerDenials(Message):
    """The refusals seen since ``since``: exact totals per kind, and the clients behind the most of them."""

    totals: dict[DenialKind, Count]
    clients: list[ClientDenials] = Field(default_factory=list, max_length=MAX_CLIENTS)
    since: Millis
    sent_at: Millis
