"""Short-lived JWT access tokens, HS256 only, with issuer and audience checked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import jwt

ALGORITHMS = ["HS256"]
ISSUER = "icafe-hub"
AUDIENCE = "icafe-staff-api"


class InvalidToken(Exception):
    """Missing, malformed, expired or forged token."""


@dataclass(frozen=True)
class AccessClaims:
    user_id: str
    username: str
    role: str
    token_id: str
    expires_at: int


class TokenIssuer:
    def __init__(self, secret: str, ttl_s: int) -> None:
        self._secret = secret
        self.ttl_s = ttl_s

    def issue(self, user_id: str, username: str, role: str, now_s: int) -> tuple[str, AccessClaims]:
        claims = AccessClaims(user_id, username, role, uuid.uuid4().hex, now_s + self.ttl_s)
        payload = {
            "sub": user_id,
            "name": username,
            "role": role,
            "jti": claims.token_id,
            "iat": now_s,
            "exp": claims.expires_at,
            "iss": ISSUER,
            "aud": AUDIENCE,
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHMS[0]), claims

    def verify(self, token: str) -> AccessClaims:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=ALGORITHMS,
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "jti"]},
            )
            return AccessClaims(
                user_id=str(payload["sub"]),
                username=str(payload["name"]),
                role=str(payload["role"]),
                token_id=str(payload["jti"]),
                expires_at=int(payload["exp"]),
            )
        except (jwt.PyJWTError, KeyError, ValueError) as exc:
            raise InvalidToken(str(exc)) from None
