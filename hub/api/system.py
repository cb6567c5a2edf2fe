"""``/healthz`` and ``/metrics``: for load balancers, supervisors and Prometheus."""

from __future__ import annotations

import asyncio

from sanic import Blueprint, Request, json
from sanic.response import HTTPResponse, raw
from sanic_ext import openapi

from hub.api.guard import public
from hub.backups.schedule import backup_health
from hub.clock import now_ms

bp = Blueprint("system")


@bp.get("/healthz")
@openapi.definition(summary="Health of broker, store and Redis; 200 only when all are up", tag="system")
@public
async def healthz(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    store_ok, redis_ok = await asyncio.gather(ctx.store.ping(), ctx.live.ping())
    checks = {
        "broker": "up" if ctx.bridge.connected.is_set() else "down",
        "store": "up" if store_ok else "down",
        "redis": "up" if redis_ok else "down",
    }
    healthy = all(state == "up" for state in checks.values())
    body = {"status": "ok" if healthy else "degraded", "checks": checks, "hub_id": ctx.settings.hub_id}
    if ctx.settings.backup_dir is not None and redis_ok:
        # Shown, not judged: an old backup is an alert, not a reason to take the hub out of service.
        body["backup"] = await backup_health(ctx.redis, now_ms())
    return json(body, status=200 if healthy else 503)


@bp.get("/metrics")
@openapi.exclude()
@public
async def metrics(request: Request) -> HTTPResponse:
    ctx = request.app.ctx
    return raw(ctx.metrics.render(), content_type=ctx.metrics.content_type)
