"""What the API answers 503 (an outage, retry shortly) rather than 500 (a bug)."""

from __future__ import annotations

from pymongo.errors import ServerSelectionTimeoutError
from redis.exceptions import ConnectionError as RedisConnectionError

from hub.mqtt.bridge import BrokerUnavailable
from hub.outages import outage


def test_outages_are_told_apart_from_bugs() -> None:
    assert outage(ServerSelectionTimeoutError("no primary")) == "store"
    assert outage(RedisConnectionError("refused")) == "redis"
    # A session's start or stop meeting a hub that is reconnecting to the broker (found by bench/soak.py).
    assert outage(BrokerUnavailable("the hub is not connected to the MQTT broker")) == "broker"
    assert outage(ValueError("a bug")) is None
