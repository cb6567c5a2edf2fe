"""Short-lived JWTs: HS256 only (an explicit allow-list), with exp, iat, iss, aud and type checked.

Two kinds, told apart by both ``typ`` and audience so one can never stand in for the other:

- access tokens (``typ: access``): carry the user, role, scope (``full`` or ``limited``), the login
  session (``sid``, the refresh-token family) and the user's token generation (``gen``); the guard
  compares ``gen`` and ``sid`` with live state in Redis, so disabling a user or logging out takes effect
  at once, not when the token expires;
- MFA-pending tokens (``typ: mfa``): proof that the password step passed, good only for the second step.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from hub.auth.permissions import Scope

ALGORITHMS = ["HS256"]
ISSUER = "icafe-hub"
AUDIENCE = "icafe-staff-api"
MFA_AUDIENCE = "icafe-staff-mfa"
ACCESS = "access"
MFA = "mfa"
# Clock skew tolerated between hub replicas when checking exp and iat.
LEEWAY_S = 5


class InvalidToken(Exception):
    """Missing, malformed, expired or forged token."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    username: str
    role: str
    token_id: str
    expires_at: int
    issued_at: int = 0
    scope: str = Scope.FULL.value
    session_id: str = ""
    generation: int = 0


@dataclass(frozen=True)
class MfaClaims:
    user_id: str
    token_id: str
    generation: int
    expires_at: int


class TokenIssuer:
    def __init__(self, secret: str, ttl_s: int, mfa_ttl_s: int = 300) -> None:
        self._secret = secret
        self.ttl_s = ttl_s
        self.mfa_ttl_s = mfa_ttl_s

    def issue(
        self,
        user_id: str,
        username: str,
        role: str,
        now_s: int,
        *,
        scope: str = Scope.FULL.value,
        session_id: str = "",
        generation: int = 0,
        not_after_s: int | None = None,
    ) -> tuple[str, AccessClaims]:
        """An access token; ``not_after_s`` caps its expiry (the login session's absolute end)."""
        expires = now_s + self.ttl_s if not_after_s is None else min(now_s + self.ttl_s, not_after_s)
        claims = AccessClaims(
            user_id=user_id,
            username=username,
            role=role,
            token_id=uuid.uuid4().hex,
            expires_at=expires,
            issued_at=now_s,
            scope=scope,
            session_id=session_id,
            generation=generation,
        )
        payload = {
            "typ": ACCESS,
            "sub": user_id,
            "name": username,
            "role": role,
            "scope": scope,
            "sid": session_id,
            "gen": generation,
            "jti": claims.token_id,
            "iat": now_s,
            "exp": claims.expires_at,
            "iss": ISSUER,
            "aud": AUDIENCE,
        }
        return self._encode(payload), claims

    def issue_mfa(self, user_id: str, generation: int, now_s: int) -> tuple[str, MfaClaims]:
        claims = MfaClaims(user_id, uuid.uuid4().hex, generation, now_s + self.mfa_ttl_s)
        payload = {
            "typ": MFA,
            "sub": user_id,
            "gen": generation,
            "jti": claims.token_id,
            "iat": now_s,
            "exp": claims.expires_at,
            "iss": ISSUER,
            "aud": MFA_AUDIENCE,
        }
        return self._encode(payload), claims

    def verify(self, token: str) -> AccessClaims:
        payload = self._decode(token, AUDIENCE, ACCESS)
        try:
            return AccessClaims(
                user_id=str(payload["sub"]),
                username=str(payload["name"]),
                role=str(payload["role"]),
                token_id=str(payload["jti"]),
                expires_at=int(payload["exp"]),
                issued_at=int(payload["iat"]),
                scope=str(Scope(payload.get("scope", Scope.FULL.value))),
                session_id=str(payload.get("sid", "")),
                generation=int(payload.get("gen", 0)),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken(f"malformed claims: {exc}") from None

    def verify_mfa(self, token: str) -> MfaClaims:
        payload = self._decode(token, MFA_AUDIENCE, MFA)
        try:
            return MfaClaims(
                user_id=str(payload["sub"]),
                token_id=str(payload["jti"]),
                generation=int(payload["gen"]),
                expires_at=int(payload["exp"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise InvalidToken(f"malformed claims: {exc}") from None

    def _encode(self, payload: dict[str, object]) -> str:
        return jwt.encode(payload, self._secret, algorithm=ALGORITHMS[0], headers={"typ": "JWT"})

    def _decode(self, token: str, audience: str, kind: str) -> dict[str, Any]:
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=ALGORITHMS,  # never taken from the token's header
                audience=audience,
                issuer=ISSUER,
                leeway=LEEWAY_S,
                options={
                    "require": ["exp", "iat", "sub", "iss", "aud", "jti", "typ"],
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_iat": True,
                    "verify_aud": True,
                    "verify_iss": True,
                },
            )
        except (jwt.PyJWTError, ValueError) as exc:
            raise InvalidToken(str(exc)) from None
        if payload.get("typ") != kind:
            raise InvalidToken(f"not an {kind} token")
        return payload
