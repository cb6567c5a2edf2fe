"""Outages of the store, Redis or the broker, told apart from bugs, so the API answers them 503 with
``Retry-After``.

The drivers' own exceptions are recognised here, in one place, for the app's error handler: a request that
meets a store or Redis that is down, restarting or too slow fails within the drivers' timeouts (set where
the clients are opened: ``hub.store.database.open_store`` and the app's Redis client) and says to retry.
"""

from __future__ import annotations

from pymongo.errors import ConnectionFailure, ExecutionTimeout, PyMongoError, WTimeoutError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from hub.errors import StoreUnavailable
from hub.mqtt.bridge import BrokerUnavailable

# Seconds a client should wait before retrying: about what a restarted Redis or store needs.
RETRY_AFTER_S = 5


def outage(exc: BaseException) -> str | None:
    """Which service is unavailable (``store``, ``redis`` or ``broker``) if ``exc`` says one is, else None."""
    if isinstance(exc, BrokerUnavailable):
        return "broker"  # a command (a session's start or stop) the hub could not publish
    if isinstance(exc, StoreUnavailable):
        return "store"
    if isinstance(exc, ConnectionFailure | ExecutionTimeout | WTimeoutError):
        return "store"  # unreachable, no server selected in time, a network timeout, a lost primary
    if isinstance(exc, PyMongoError) and (
        exc.timeout
        or exc.has_error_label("RetryableWriteError")
        or exc.has_error_label("TransientTransactionError")
    ):
        return "store"
    if isinstance(exc, RedisConnectionError | RedisTimeoutError | ReadOnlyError):
        return "redis"  # refused, reset, timed out, still loading its data, or a replica that cannot write
    if isinstance(exc, RuntimeError) and _raised_in(exc, "redis."):
        # The event loop refusing the Redis client a write on a connection that closed under it, as Redis
        # died while the client was connecting (found by bench/soak.py); the client says no more than that.
        return "redis"
    return None


def _raised_in(exc: BaseException, package: str) -> bool:
    """True when ``exc`` was raised in code of ``package`` (or passed through it)."""
    frame = exc.__traceback__
    while frame is not None:
        if str(frame.tb_frame.f_globals.get("__name__", "")).startswith(package):
            return True
        frame = frame.tb_next
    return False
