"""Wiring of staff security into the app: two calls from the app factory.

- ``configure_security(app)`` at creation: the field cipher (the hub refuses to start without a key),
  the staff-network allow-list, proxy trust, CORS, and the request/response middleware;
- ``await open_security(ctx)`` once Redis and the store are open: audit log, limiters, live auth state,
  account and login-session services, and the pruning of expired refresh tokens.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, Any

from sanic import Request

from hub.auth.accounts import AccountService
from hub.auth.logins import LoginTimeouts, StaffLogins
from hub.auth.state import AuthState
from hub.clock import now_ms
from hub.errors import ApiError, ConfigError
from hub.security.audit import AuditLog
from hub.security.crypto import CipherError, FieldCipher
from hub.security.headers import add_security_headers
from hub.security.limits import LoginLimiter, LoginPolicy, RateLimiter, too_many
from hub.security.network import NetworkAllowList, client_ip, parse_networks

if TYPE_CHECKING:
    from sanic import Sanic
    from sanic.config import Config

    from hub.context import HubContext

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
PRUNE_EVERY_S = 3600
# Expired refresh tokens are kept a day, so a late reuse is still recognised (and answered as such).
PRUNE_GRACE_MS = 86_400_000


def configure_security(app: Sanic[Config, HubContext]) -> None:
    ctx = app.ctx
    settings = ctx.settings
    if not settings.encryption_keys:
        raise ConfigError(
            "ICAFE_ENCRYPTION_KEYS is required: the hub encrypts 2FA secrets at rest "
            "(generate one with `icafe keys generate`)"
        )
    try:
        ctx.cipher = FieldCipher.from_setting(settings.encryption_keys)
    except CipherError as exc:
        raise ConfigError(f"ICAFE_ENCRYPTION_KEYS: {exc}") from None
    ctx.staff_networks = NetworkAllowList(parse_networks(settings.staff_networks))
    if settings.proxies_count:
        # Only then are X-Forwarded-For / -Proto believed (client address, HTTPS for HSTS).
        app.config.PROXIES_COUNT = settings.proxies_count
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.config.CORS = True
        app.config.CORS_ORIGINS = ",".join(origins)
        app.config.CORS_SUPPORTS_CREDENTIALS = False
    app.register_middleware(_staff_gate, "request")
    app.register_middleware(add_security_headers, "response")


def _declared(route: Any) -> str | None:
    handler = route.handler
    if isinstance(handler, functools.partial):
        # Sanic's WebSocket wrapper holds the handler as its first argument; Sanic Extensions' automatic
        # OPTIONS handler is a bare partial.
        handler = handler.args[0] if handler.args else handler.func
    value = getattr(handler, "__icafe_access__", None)
    return str(value) if value is not None else None


async def _staff_gate(request: Request) -> None:
    """Staff API only: the network allow-list, and the per-address rate limit of public routes (the
    authenticated ones are limited per user by the guard)."""
    if not request.path.startswith(API_PREFIX):
        return
    ctx = request.app.ctx
    ip = client_ip(request)
    if not ctx.staff_networks.allows(ip):
        log.info("refused %s %s from %s: not on ICAFE_STAFF_NETWORKS", request.method, request.path, ip)
        raise ApiError(403, "network_forbidden", "the staff API is not reachable from this network")
    route = request.route
    if route is not None and _declared(route) == "public":
        settings = ctx.settings
        wait = await ctx.rate_limiter.hit(f"ip:{ip}", settings.api_rate_limit, settings.api_rate_window_s)
        if wait is not None:
            raise too_many(wait, "requests")


async def open_security(ctx: HubContext) -> None:
    settings = ctx.settings
    ctx.audit = AuditLog(ctx.store.audit, settings.hub_id)
    ctx.auth_state = AuthState(ctx.redis, settings.access_token_ttl_s)
    ctx.rate_limiter = RateLimiter(ctx.redis)
    ctx.login_limiter = LoginLimiter(
        ctx.redis,
        LoginPolicy(
            free=settings.login_free_failures,
            max_per_hour=settings.login_max_failures,
            ip_max_per_hour=settings.login_ip_max_failures,
        ),
    )
    ctx.accounts = AccountService(
        ctx.store.users,
        ctx.store.refresh_tokens,
        ctx.cipher,
        ctx.audit,
        ctx.auth_state,
        require_2fa_roles=settings.require_2fa_roles,
        admin_2fa_optional=settings.admin_2fa_optional,
    )
    ctx.logins = StaffLogins(
        ctx.tokens,
        ctx.store.refresh_tokens,
        ctx.auth_state,
        ctx.accounts,
        LoginTimeouts(idle_s=settings.staff_session_idle_s, absolute_s=settings.staff_session_absolute_s),
    )
    ctx.tasks.append(asyncio.create_task(_prune_refresh_tokens(ctx), name="refresh-token-retention"))


async def _prune_refresh_tokens(ctx: HubContext) -> None:
    while True:
        try:
            await ctx.store.refresh_tokens.prune(now_ms() - PRUNE_GRACE_MS)
        except Exception:
            log.exception("refresh-token pruning failed; will retry")
        await asyncio.sleep(PRUNE_EVERY_S)
