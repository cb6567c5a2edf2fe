"""Every API route declares who may call it: ``@requires(permission)`` or ``@public``.

The app factory refuses to start if an ``/api/v1`` route declares neither.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from sanic import Request

from hub.auth.permissions import Permission, allows
from hub.auth.tokens import AccessClaims, InvalidToken
from hub.errors import ApiError

P = ParamSpec("P")
R = TypeVar("R")
Handler = Callable[..., Awaitable[Any]]

DECLARATION = "__icafe_access__"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        return token.strip()
    # Browsers cannot set headers on a WebSocket handshake; the console passes the token in the query.
    if request.scheme in ("ws", "wss"):
        query_token: str | None = request.args.get("token")
        return query_token
    return None


def authenticate(request: Request) -> AccessClaims:
    token = _bearer(request)
    if not token:
        raise ApiError(401, "unauthenticated", "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = request.app.ctx.tokens.verify(token)
    except InvalidToken:
        raise ApiError(
            401,
            "invalid_token",
            "the access token is invalid or expired; log in again",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None
    assert isinstance(claims, AccessClaims)
    return claims


def requires(permission: Permission) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> Any:
            claims = authenticate(request)
            if claims.expires_at <= time.time():
                raise ApiError(401, "invalid_token", "the access token expired; log in again")
            if not allows(claims.role, permission):
                raise ApiError(403, "forbidden", f"your role may not {permission.value}")
            request.ctx.claims = claims
            return await handler(request, *args, **kwargs)

        setattr(guarded, DECLARATION, permission.value)
        return guarded

    return decorate


def public(handler: Handler) -> Handler:
    setattr(handler, DECLARATION, "public")
    return handler


def declared_access(handler: Any) -> str | None:
    return getattr(handler, DECLARATION, None)
