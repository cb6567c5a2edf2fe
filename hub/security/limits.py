"""Abuse limits in Redis, shared by every hub replica.

- ``RateLimiter``: a fixed-window request counter per key (the general API limit).
- ``LoginLimiter``: failed authentication attempts per account and per source address, within a one-hour
  window. An account gets ``free`` failures, then each further failure locks it for an exponentially
  growing time (1 s, 2 s, 4 s... capped at 15 min), and at ``max_per_hour`` it stays locked until the
  window ends (ASVS 5.0 V6.3.1: no more than 100 failed attempts per hour). A source address has only the
  hourly cap (a cafe's staff share one address; a spray across accounts still hits it). A success clears
  the account's failures, not the address's.

Every "no" carries the seconds to wait, for ``Retry-After``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from redis.asyncio import Redis

from hub.errors import ApiError

WINDOW_S = 3600
MAX_LOCK_S = 900

# KEYS: counter. ARGV: window ms. Returns [count, ttl ms].
_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
"""

# KEYS: failures counter, lock key. ARGV: window ms, free, max, max lock ms.
# Returns the lock now in force, in ms (0 if none).
_FAIL = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
local free, max, cap = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local lock = 0
if n >= max then
  lock = ttl
elseif n >= free and free > 0 then
  lock = math.min(1000 * (2 ^ (n - free)), cap)
end
if lock > 0 then redis.call('SET', KEYS[2], n, 'PX', math.floor(lock)) end
return math.floor(lock)
"""


def too_many(retry_after_s: float, what: str) -> ApiError:
    wait = max(1, math.ceil(retry_after_s))
    return ApiError(
        429,
        "rate_limited",
        f"too many {what}; try again in {wait} s",
        headers={"Retry-After": str(wait)},
    )


class RateLimiter:
    def __init__(self, redis: Redis, prefix: str = "icafe:rl") -> None:
        self._redis = redis
        self._prefix = prefix
        self._hit = redis.register_script(_HIT)

    async def hit(self, key: str, limit: int, window_s: int) -> float | None:
        """Count one request; None if within the limit, else the seconds until the window resets."""
        count, ttl_ms = await self._hit(keys=[f"{self._prefix}:{key}"], args=[window_s * 1000])
        if int(count) > limit:
            return max(int(ttl_ms), 1) / 1000
        return None


@dataclass(frozen=True)
class LoginPolicy:
    free: int = 5
    max_per_hour: int = 50
    ip_max_per_hour: int = 200


class LoginLimiter:
    def __init__(self, redis: Redis, policy: LoginPolicy, prefix: str = "icafe:login") -> None:
        self._redis = redis
        self.policy = policy
        self._prefix = prefix
        self._fail = redis.register_script(_FAIL)

    def _keys(self, kind: str, subject: str) -> list[str]:
        return [f"{self._prefix}:fail:{kind}:{subject}", f"{self._prefix}:lock:{kind}:{subject}"]

    @staticmethod
    def account_key(username: str) -> str:
        return username.strip().lower()

    async def locked_for(self, username: str, ip: str) -> float:
        """Seconds the account or the address must still wait (0: go ahead)."""
        account_lock = self._keys("acct", self.account_key(username))[1]
        ip_lock = self._keys("ip", ip)[1]
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.pttl(account_lock)
            pipe.pttl(ip_lock)
            ttls = await pipe.execute()
        return max(0, *(int(t) for t in ttls)) / 1000

    async def failed(self, username: str, ip: str) -> float:
        """Count a failure; the lock now in force, in seconds (0 if none)."""
        window_ms = WINDOW_S * 1000
        account = await self._fail(
            keys=self._keys("acct", self.account_key(username)),
            args=[window_ms, self.policy.free, self.policy.max_per_hour, MAX_LOCK_S * 1000],
        )
        address = await self._fail(
            keys=self._keys("ip", ip), args=[window_ms, 0, self.policy.ip_max_per_hour, MAX_LOCK_S * 1000]
        )
        return max(int(account), int(address)) / 1000

    async def succeeded(self, username: str) -> None:
        await self._redis.delete(*self._keys("acct", self.account_key(username)))

    async def failures(self, username: str) -> int:
        value = await self._redis.get(self._keys("acct", self.account_key(username))[0])
        return int(value or 0)
