"""How many times a PC's lock screen may try a member's secret: limited per member and per PC, with
back-off, counted in Redis (the hub restarts without forgetting; Redis keeps them in its append-only file).

The policy is a pure table (``LimitPolicy``): after ``free`` failures, each further failure makes the next
attempt wait twice as long as the last, from ``first_delay_s`` up to ``max_delay_s``; a key is forgotten
after ``forget_after_s`` without a failure. An attempt is counted as a failure *before* the secret is
checked (atomically for both keys, so parallel guesses cannot slip through between a check and a count);
only a login that succeeds gives it back. A right secret that is refused anyway (the member is busy,
their balance is empty) therefore counts like a wrong one: the lockout reveals nothing either.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from redis.asyncio import Redis

from hub.live import claim_once

PREFIX = "icafe:pc-login"
# A PC sends its login request again until answered (``edge_agent.login``); a copy is recognised this long.
COPIES_KEPT_S = 120


@dataclass(frozen=True)
class LimitPolicy:
    name: str
    free: int
    first_delay_s: int
    max_delay_s: int
    forget_after_s: int

    def delay_s(self, failures: int) -> int:
        """How long after the last failure the next attempt must wait, with ``failures`` counted."""
        if failures < self.free:
            return 0
        doubled: int = self.first_delay_s * 2 ** min(failures - self.free, 32)
        return min(doubled, self.max_delay_s)

    def table_ms(self) -> list[int]:
        """``delay_s`` for 0, 1, 2... failures, in ms, up to the first at the cap (repeated beyond)."""
        table: list[int] = []
        failures = 0
        while not table or table[-1] < self.max_delay_s * 1000:
            table.append(self.delay_s(failures) * 1000)
            failures += 1
        return table

    def attempts_within(self, seconds: int) -> int:
        """The most attempts an attacker gets in ``seconds`` from a clean start (the guessing budget)."""
        at, failures = 0, 0
        while True:
            failures += 1
            at += self.delay_s(failures)
            if at > seconds:
                return failures


# A member: 5 tries, then 1 min, 2, 4... up to an hour between tries; forgotten after a day of quiet.
MEMBER_POLICY = LimitPolicy("member", free=5, first_delay_s=60, max_delay_s=3600, forget_after_s=86_400)
# A PC (any logins from it, codes included): 10 tries, then 30 s, 1 min... up to 15 min; forgotten after
# an hour of quiet. It stops one PC from trying one common PIN against every member.
PC_POLICY = LimitPolicy("pc", free=10, first_delay_s=30, max_delay_s=900, forget_after_s=3600)

# KEYS: one hash per limited key. ARGV: now, then per key: forget_ms, n, n delays (ms, by failures).
# Refuses (without counting) while any key must still wait; else counts a failure on every key.
# Returns {0, failures of each key...} or {index of the waiting key, ms to wait}.
_ATTEMPT = """
local now = tonumber(ARGV[1])
local pos = 2
local forget = {}
for i, key in ipairs(KEYS) do
  forget[i] = tonumber(ARGV[pos])
  local n = tonumber(ARGV[pos + 1])
  local failures = tonumber(redis.call('HGET', key, 'failures') or '0')
  local last = tonumber(redis.call('HGET', key, 'last') or '0')
  local delay = tonumber(ARGV[pos + 1 + math.min(failures + 1, n)])
  pos = pos + 2 + n
  if last + delay > now then return {i, last + delay - now} end
end
local counts = {0}
for i, key in ipairs(KEYS) do
  counts[i + 1] = redis.call('HINCRBY', key, 'failures', 1)
  redis.call('HSET', key, 'last', now)
  redis.call('PEXPIRE', key, forget[i])
end
return counts
"""

# Gives one failure back to a key that still exists (a success must never leave a negative count).
_GIVE_BACK = """
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
if failures > 0 then return redis.call('HINCRBY', KEYS[1], 'failures', -1) end
return 0
"""


@dataclass(frozen=True)
class Attempt:
    """``allowed``: the secret may be checked (and the attempt is already counted as a failure);
    otherwise ``wait_ms``. ``failures``: the counts after this attempt, by policy name."""

    allowed: bool
    wait_ms: int = 0
    failures: dict[str, int] | None = None

    def locks(self, policy: LimitPolicy) -> bool:
        """True when this failure puts ``policy``'s key into back-off (worth an alert)."""
        return self.failures is not None and policy.delay_s(self.failures.get(policy.name, 0)) > 0


def member_key(login: str) -> str:
    # Hashed: logins (which may not exist) never appear in Redis as typed.
    return f"{PREFIX}:member:{hashlib.sha256(login.encode()).hexdigest()[:32]}"


def pc_key(pc_id: str) -> str:
    return f"{PREFIX}:pc:{pc_id}"


class PcLoginLimiter:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._attempt = redis.register_script(_ATTEMPT)
        self._give_back = redis.register_script(_GIVE_BACK)

    async def first_copy(self, pc_id: str, request_id: str) -> bool:
        """True for the first copy of a PC's login request to reach any replica: the others are dropped
        (neither counted as attempts nor answered; the first copy's answer is on its way)."""
        return await claim_once(self._redis, f"pc-login:{pc_id}:{request_id}", COPIES_KEPT_S)

    async def attempt(self, keys: list[tuple[str, LimitPolicy]], now_ms: int) -> Attempt:
        args: list[int] = [now_ms]
        for _, policy in keys:
            table = policy.table_ms()
            args += [policy.forget_after_s * 1000, len(table), *table]
        result = [int(x) for x in await self._attempt(keys=[key for key, _ in keys], args=args)]
        if result[0] != 0:
            return Attempt(False, wait_ms=result[1])
        return Attempt(
            True, failures={policy.name: count for (_, policy), count in zip(keys, result[1:], strict=True)}
        )

    async def succeeded(self, member: str | None, pc: str) -> None:
        """A login went through: the member's count is cleared, the PC's attempt given back."""
        if member is not None:
            await self._redis.delete(member)
        await self._give_back(keys=[pc], args=[])
