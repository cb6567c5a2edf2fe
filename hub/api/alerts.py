"""``/api/v1/alerts``: every alert (a PC's and stock's), newest first, and staff acknowledging (someone is
on it) or resolving (done) one. Changes are audited and pushed live like new alerts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.alerts import AlertDesk, any_alert_view
from hub.api.answers import Answer, Page, answers
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.query import Name, Paging, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.store.alerts import ACKNOWLEDGED, RESOLVED, UNRESOLVED

bp = Blueprint("alerts", url_prefix="/alerts")


class AlertsQuery(Paging):
    state: Literal["unresolved", "open", "acknowledged", "resolved"] = Field(
        default="unresolved", description="unresolved: open or acknowledged"
    )
    kind: Name | None = None
    pc_id: Name | None = None
    branch: Name | None = Field(default=None, description="a stock alert's branch")


class Alert(Answer):
    id: str
    pc_id: str | None = Field(description="the PC; null for a stock alert")
    branch: str | None = Field(description="a stock alert's branch")
    product_id: str | None = Field(description="a stock alert's product")
    kind: str
    state: str = Field(description="open, acknowledged or resolved")
    message: str
    details: dict[str, Any]
    count: int = Field(description="occurrences since it opened")
    first_at: int
    last_at: int
    updated_by: str | None = Field(description="who last acknowledged or resolved it")
    updated_at: int | None = Field(description="when (epoch ms)")


class AlertChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None = Field(default=None, max_length=500, description="kept in the audit log")


@bp.get("")
@openapi.definition(
    summary="Alerts, newest first; filters: state (default unresolved), kind, pc_id, branch", tag="alerts"
)
@requires(Permission.PCS_READ)
@with_query(AlertsQuery)
@answers(Page[Alert])
async def list_alerts(request: Request, query: AlertsQuery) -> dict[str, Any]:
    states = UNRESOLVED if query.state == "unresolved" else (query.state,)
    filters = {
        name: value
        for name, value in (("kind", query.kind), ("pc_id", query.pc_id), ("branch", query.branch))
        if value is not None
    }
    alerts, total = await request.app.ctx.store.alerts.page(
        tuple(states), filters, skip=query.offset, limit=query.limit
    )
    return {"items": [any_alert_view(alert) for alert in alerts], "total": total}


async def _change(request: Request, alert_id: str, state: str, action: str) -> dict[str, Any]:
    body = parse_body(request, AlertChange)
    ctx = request.app.ctx
    desk = AlertDesk(ctx.store.alerts, ctx.live)
    alert = await desk.set_state(alert_id, state, by=request.ctx.claims.username)
    await ctx.audit.record(
        action,
        request=request,
        target=alert.id,
        reason=body.note,
        details={
            "kind": alert.kind,
            "pc_id": alert.pc_id,
            "branch": alert.branch,
            "product_id": alert.product_id,
        },
    )
    return any_alert_view(alert)


@bp.post("/<alert_id:str>/acknowledge")
@openapi.definition(
    summary="Acknowledge an alert: someone is on it (repeats still add to it)",
    body=json_body(AlertChange),
    tag="alerts",
)
@requires(Permission.ALERTS_MANAGE)
@audits("alert.acknowledge")
@answers(Alert, errors=(404, 409))
async def acknowledge_alert(request: Request, alert_id: str) -> dict[str, Any]:
    return await _change(request, alert_id, ACKNOWLEDGED, "alert.acknowledge")


@bp.post("/<alert_id:str>/resolve")
@openapi.definition(
    summary="Resolve an alert: done (the next occurrence opens a new one)",
    body=json_body(AlertChange),
    tag="alerts",
)
@requires(Permission.ALERTS_MANAGE)
@audits("alert.resolve")
@answers(Alert, errors=(404, 409))
async def resolve_alert(request: Request, alert_id: str) -> dict[str, Any]:
    return await _change(request, alert_id, RESOLVED, "alert.resolve")
