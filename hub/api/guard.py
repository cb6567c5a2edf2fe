"""Every API route declares who may call it: ``@requires(permission, ...)`` (any one of them) or ``@public``.

The app factory refuses to start if an ``/api/v1`` route declares neither. ``requires`` checks, in order:
a valid access token (401), that its session is still live — not logged out, the user's token generation
unchanged (401) —, the role's and the token scope's permission (403, audited), and the per-user API rate
limit (429). Sensitive actions add ``confirm_sensitive`` (re-exported here) in the handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from functools import wraps
from typing import Any

from sanic import Request

from hub.auth.confirm import Confirmation, confirm_sensitive, confirmation_required
from hub.auth.permissions import Permission, allows
from hub.auth.tokens import AccessClaims, InvalidToken
from hub.errors import ApiError
from hub.security.audit import DENIED
from hub.security.limits import too_many

Handler = Callable[..., Awaitable[Any]]

DECLARATION = "__icafe_access__"
PUBLIC = "public"
# A route open to any of several permissions declares them joined: "pcs:command|pcs:lock|pcs:message".
ACCESS_SEPARATOR = "|"

__all__ = [
    "Confirmation",
    "authenticate",
    "check_permission",
    "confirm_sensitive",
    "confirmation_required",
    "declared_access",
    "public",
    "requires",
]


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


def _invalid(message: str) -> ApiError:
    return ApiError(
        401, "invalid_token", message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
    )


async def authenticate(request: Request) -> AccessClaims:
    """The verified claims of a live session, or a 401."""
    token = _bearer(request)
    if not token:
        raise ApiError(401, "unauthenticated", "missing bearer token", headers={"WWW-Authenticate": "Bearer"})
    ctx = request.app.ctx
    try:
        claims = ctx.tokens.verify(token)
    except InvalidToken:
        raise _invalid("the access token is invalid or expired; log in again") from None
    assert isinstance(claims, AccessClaims)
    rejection = await ctx.auth_state.rejection(claims, ctx.store.users.generation)
    if rejection:
        raise _invalid(f"{rejection}; log in again")
    return claims


async def check_permission(request: Request, claims: AccessClaims, permissions: Iterable[Permission]) -> None:
    """A 403 (audited) unless the token's role and scope hold one of ``permissions``."""
    wanted = sorted(permissions)
    if any(allows(claims.role, permission, claims.scope) for permission in wanted):
        return
    named = " or ".join(p.value for p in wanted)
    await request.app.ctx.audit.record(
        "access.denied",
        request=request,
        target=f"{request.method} {request.path}",
        outcome=DENIED,
        details={"permission": named, "scope": claims.scope},
    )
    if claims.scope != "full":
        raise ApiError(403, "forbidden", "finish the required actions first (change password / enrol 2FA)")
    raise ApiError(403, "forbidden", f"your role may not {named}")


def requires(*permissions: Permission) -> Callable[[Handler], Handler]:
    """The route needs a live session whose role holds one of ``permissions`` (usually one)."""
    if not permissions:
        raise ValueError("name the permission, or use @public")

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: Request, *args: Any, **kwargs: Any) -> Any:
            claims = await authenticate(request)
            request.ctx.claims = claims
            ctx = request.app.ctx
            await check_permission(request, claims, permissions)
            settings = ctx.settings
            wait = await ctx.rate_limiter.hit(
                f"user:{claims.user_id}", settings.api_rate_limit, settings.api_rate_window_s
            )
            if wait is not None:
                raise too_many(wait, "requests")
            return await handler(request, *args, **kwargs)

        setattr(guarded, DECLARATION, ACCESS_SEPARATOR.join(sorted(p.value for p in permissions)))
        return guarded

    return decorate


def public(handler: Handler) -> Handler:
    setattr(handler, DECLARATION, PUBLIC)
    return handler


def declared_access(handler: Any) -> str | None:
    return getattr(handler, DECLARATION, None)
