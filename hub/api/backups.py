"""``/api/v1/backups/status``: what the console shows of scheduled backups (README "Scheduled backups"):
the last good archive and its age, the last failure, and whether the newest is overdue. The same figures
as ``GET /healthz``'s ``backup`` block, behind a permission, and judged: overdue past one interval and an
hour (a day and an hour by default, as the example Prometheus rule)."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, answers
from hub.api.guard import requires
from hub.auth.permissions import Permission
from hub.backups.schedule import backup_health
from hub.clock import now_ms

bp = Blueprint("backups", url_prefix="/backups")

# Slack past the interval before the newest backup counts as overdue: a backup takes minutes.
GRACE_S = 3600


class BackupFailure(Answer):
    at_ms: int
    error: str | None


class BackupStatus(Answer):
    configured: bool = Field(description="scheduled backups are on (ICAFE_BACKUP_DIR is set)")
    every_h: float | None = Field(description="hours between backups")
    last_good: str | None = Field(description="the newest good archive's name")
    last_good_at: int | None = Field(description="when it was taken (epoch ms)")
    last_good_age_s: int | None
    last_failure: BackupFailure | None = Field(description="the last failed run, cleared by a good one")
    overdue: bool = Field(description="on, and no good backup within the interval and an hour")


def backup_status(every_h: float | None, health: dict[str, Any] | None, now: int) -> dict[str, Any]:
    """The answer from the settings' interval (None: backups off) and ``backup_health``'s figures."""
    if every_h is None or health is None:
        return {
            "configured": False,
            "every_h": None,
            "last_good": None,
            "last_good_at": None,
            "last_good_age_s": None,
            "last_failure": None,
            "overdue": False,
        }
    age = health["last_good_age_s"]
    return {
        "configured": True,
        "every_h": every_h,
        "last_good": health["last_good"],
        "last_good_at": None if age is None else now - age * 1000,
        "last_good_age_s": age,
        "last_failure": health["last_failure"],
        "overdue": age is None or age > every_h * 3600 + GRACE_S,
    }


@bp.get("/status")
@openapi.definition(summary="Scheduled backups: the last good one, its age, the last failure", tag="system")
@requires(Permission.BACKUPS_READ)
@answers(BackupStatus)
async def status(request: Request) -> dict[str, Any]:
    ctx = request.app.ctx
    now = now_ms()
    if ctx.settings.backup_dir is None:
        return backup_status(None, None, now)
    return backup_status(ctx.settings.backup_every_h, await backup_health(ctx.redis, now), now)
