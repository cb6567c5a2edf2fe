"""What the API answers 503 (an outage, retry shortly) rather than 500 (a bug)."""

from __future__ import annotations

import types

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


def _fail(error: BaseException) -> None:
    raise error


def raised_in(module: str, error: BaseException) -> BaseException:
    """``error`` as raised by code of ``module`` (the same function, with that module's name)."""
    fail = types.FunctionType(_fail.__code__, {"__name__": module})
    try:
        fail(error)
    except BaseException as raised:
        return raised
    raise AssertionError("nothing raised")


def test_a_write_refused_on_a_connection_redis_closed_is_an_outage() -> None:
    closed = "unable to perform operation on <TCPTransport closed=True>; the handler is closed"
    assert outage(raised_in("redis.asyncio.connection", RuntimeError(closed))) == "redis"
    assert outage(raised_in("hub.api.payments", RuntimeError(closed))) is None
