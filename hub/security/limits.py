"""Abuse limits in Redis, shared by every hub replica.

- ``RateLimiter``: a fixed-window request counter per key (the general API limit).
- ``LoginLimiter``: failed authentication attempts (passwords, second factors, confirmations) within a
  one-hour window, counted three ways, with the decisions taken by the pure ``after_failure`` (the
  README's table, tested as one):

  - per account *and* address: the first ``free`` failures cost nothing, then each further failure makes
    that pair wait 1 s, 2 s, 4 s... (at most 15 min). Only whoever guesses waits: one address guessing at
    an account never locks that account out for anyone else, and gets about 18 guesses an hour at most;
  - per account, from every address: at ``max_per_hour`` (never more than 100) the account locks for the
    rest of the hour. With the back-off above, reaching it takes several addresses;
  - per address, on every account: at ``ip_max_per_hour`` the address is locked out. From it, a password
    is still checked, but only a login that goes on to a second factor gets through (after its own
    back-off, from the first failure on); every other answer is the same refusal, right password or not,
    so spraying passwords from there learns nothing. The accounts themselves stay open everywhere else.

  A success clears the failures of its account and pair, never those of the address.

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

# KEYS: the pair, account and address failure counters. ARGV: window ms.
# Returns [pair, account, address, account ttl ms, address ttl ms]: the counts with this failure.
_FAIL = """
local out = {}
for i = 1, 3 do
  local n = redis.call('INCR', KEYS[i])
  if n == 1 or redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
  out[i] = n
end
out[4] = redis.call('PTTL', KEYS[2])
out[5] = redis.call('PTTL', KEYS[3])
return out
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
    free: int = 5  # failures per account and address before the back-off starts
    max_per_hour: int = 50  # failures per account, from any address, before it locks for the hour
    ip_max_per_hour: int = 200  # failures per address, on any account, before the address is locked out
    max_backoff_s: int = MAX_LOCK_S


@dataclass(frozen=True)
class Failures:
    """Failed attempts within the hour, the one just counted included."""

    pair: int  # of this account from this address
    account: int  # of this account from any address
    address: int  # from this address on any account


@dataclass(frozen=True)
class Locks:
    """What a failure sets in force."""

    pair_s: float = 0  # this account from this address waits this long
    account: bool = False  # the account is locked, for everyone, for the rest of its hour
    address: bool = False  # the address is locked out for the rest of its hour: second factors only


def after_failure(policy: LoginPolicy, failures: Failures) -> Locks:
    """The login-limiting policy, as a pure decision on the counts after a failure."""
    address = failures.address >= policy.ip_max_per_hour
    # From a locked-out address nothing is free: the back-off starts at the first failure.
    first = 1 if address else policy.free
    pair_s = 0.0
    if failures.pair >= first:
        pair_s = float(min(2 ** (failures.pair - first), policy.max_backoff_s))
    return Locks(pair_s=pair_s, account=failures.account >= policy.max_per_hour, address=address)


@dataclass(frozen=True)
class Gate:
    """Whether an attempt may go on: ``wait_s`` > 0 refuses it (429); ``second_factor_only`` lets it go on
    only towards a second factor (its address is locked out)."""

    wait_s: float = 0
    second_factor_only: bool = False
    address_wait_s: float = 0  # until the address lock ends


class LoginLimiter:
    def __init__(self, redis: Redis, policy: LoginPolicy, prefix: str = "icafe:login") -> None:
        self._redis = redis
        self.policy = policy
        self._prefix = prefix
        self._fail = redis.register_script(_FAIL)

    @staticmethod
    def account_key(username: str) -> str:
        return username.strip().lower()

    def _key(self, what: str, kind: str, username: str, ip: str) -> str:
        subject = {"pair": f"{ip}/{self.account_key(username)}", "acct": self.account_key(username), "ip": ip}
        return f"{self._prefix}:{what}:{kind}:{subject[kind]}"

    async def check(self, username: str, ip: str) -> Gate:
        """What holds for an attempt on ``username`` from ``ip`` now."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for kind in ("pair", "acct", "ip"):
                pipe.pttl(self._key("lock", kind, username, ip))
            pair, account, address = (max(int(ttl), 0) / 1000 for ttl in await pipe.execute())
        return Gate(wait_s=max(pair, account), second_factor_only=address > 0, address_wait_s=address)

    async def failed(self, username: str, ip: str) -> Locks:
        """Count a failure and set the locks it brings."""
        counters = [self._key("fail", kind, username, ip) for kind in ("pair", "acct", "ip")]
        pair, account, address, account_ttl, address_ttl = (
            int(v) for v in await self._fail(keys=counters, args=[WINDOW_S * 1000])
        )
        locks = after_failure(self.policy, Failures(pair, account, address))
        async with self._redis.pipeline(transaction=False) as pipe:
            if locks.pair_s > 0:
                pipe.set(self._key("lock", "pair", username, ip), pair, px=int(locks.pair_s * 1000))
            if locks.account:
                pipe.set(self._key("lock", "acct", username, ip), account, px=max(account_ttl, 1))
            if locks.address:
                pipe.set(self._key("lock", "ip", username, ip), address, px=max(address_ttl, 1))
            await pipe.execute()
        return locks

    async def succeeded(self, username: str, ip: str) -> None:
        """A full success: the account's and this pair's failures are forgiven (not the address's)."""
        await self._redis.delete(
            *(self._key(what, kind, username, ip) for what in ("fail", "lock") for kind in ("pair", "acct"))
        )
