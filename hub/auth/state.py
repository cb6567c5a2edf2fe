"""Live authentication state in Redis, checked on every authenticated request.

- the user's token generation (cached from the store for ``GENERATION_CACHE_S``; the store is the truth,
  so losing Redis loses nothing): a token from an older generation is dead;
- logged-out login sessions (``sid``), kept for as long as their access tokens could live;
- the last TOTP step each user spent, so a code is accepted once only;
- one-time tokens already spent (the MFA-pending token of the second login step).

Ending sessions also publishes a revocation notice on the live channel (``hub.live``), so every hub
replica closes the WebSockets those sessions hold at once instead of at their next periodic check.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis

from hub.auth.tokens import LEEWAY_S, AccessClaims
from hub.live import CHANNEL

REVOKED = "auth.revoked"

GENERATION_CACHE_S = 60
_PREFIX = "icafe:auth"

# Raise the cached generation, never lower it: a slow reader must not undo a bump it did not see.
_SET_MAX = """
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
local wanted = tonumber(ARGV[1])
if wanted > current then current = wanted end
redis.call('SET', KEYS[1], current, 'EX', ARGV[2])
return current
"""

# Accept a TOTP step only if it is later than the last one spent.
_USE_STEP = """
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
local step = tonumber(ARGV[1])
if step <= last then return 0 end
redis.call('SET', KEYS[1], step, 'EX', ARGV[2])
return 1
"""

LoadGeneration = Callable[[str], Awaitable[int | None]]


class AuthState:
    def __init__(self, redis: Redis, access_ttl_s: int) -> None:
        self._redis = redis
        self._revoked_ttl_s = access_ttl_s + LEEWAY_S + 5
        self._set_max = redis.register_script(_SET_MAX)
        self._use_step = redis.register_script(_USE_STEP)

    @staticmethod
    def _gen_key(user_id: str) -> str:
        return f"{_PREFIX}:gen:{user_id}"

    @staticmethod
    def _revoked_key(session_id: str) -> str:
        return f"{_PREFIX}:revoked:{session_id}"

    async def rejection(self, claims: AccessClaims, load_generation: LoadGeneration) -> str | None:
        """Why this (validly signed) token may no longer be used, or None if it may."""
        keys = [self._gen_key(claims.user_id)]
        if claims.session_id:
            keys.append(self._revoked_key(claims.session_id))
        values = await self._redis.mget(keys)
        if len(values) > 1 and values[1] is not None:
            return "the session was logged out"
        generation = int(values[0]) if values[0] is not None else None
        if generation is None:
            stored = await load_generation(claims.user_id)
            if stored is None:
                return "the user no longer exists"
            generation = await self.set_generation(claims.user_id, stored)
        if claims.generation != generation:
            return "the user's sessions were ended (disabled, or a password, role or 2FA change)"
        return None

    async def set_generation(self, user_id: str, generation: int) -> int:
        result = await self._set_max(keys=[self._gen_key(user_id)], args=[generation, GENERATION_CACHE_S])
        return int(result)

    async def revoke_sessions(self, session_ids: list[str]) -> None:
        if not session_ids:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for session_id in session_ids:
                pipe.set(self._revoked_key(session_id), 1, ex=self._revoked_ttl_s)
            await pipe.execute()
        await self._notify({"type": REVOKED, "session_ids": session_ids})

    async def end_user_sessions(self, user_id: str, generation: int) -> None:
        """The user's token generation changed (disabled, password, role or 2FA change): every token of
        an older generation is dead from now on."""
        await self.set_generation(user_id, generation)
        await self._notify({"type": REVOKED, "user_id": user_id})

    async def _notify(self, notice: dict[str, Any]) -> None:
        await self._redis.publish(CHANNEL, json.dumps(notice))

    async def use_totp_step(self, user_id: str, step: int) -> bool:
        # Kept a little longer than the drift window, after which an old step cannot match anyway.
        used = await self._use_step(keys=[f"{_PREFIX}:totp:{user_id}"], args=[step, 300])
        return bool(used)

    async def use_once(self, token_id: str, ttl_s: int) -> bool:
        """True the first time a one-time token id is spent."""
        return bool(await self._redis.set(f"{_PREFIX}:once:{token_id}", 1, ex=max(ttl_s, 1), nx=True))
