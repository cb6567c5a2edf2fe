"""Tariffs, PC groups (zones) and which group a PC is in."""

from __future__ import annotations

from json import dumps
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sanic import Blueprint, Request
from sanic_ext import openapi

from billing import TariffError
from hub.api.answers import Answer, Page, answers
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.clock import now_ms
from hub.errors import ApiError, bad_request, not_found
from hub.sessions.pricing import check_tariff
from hub.store.tariffs import PcGroup
from protocol import TariffSpec

bp = Blueprint("tariffs")


class GroupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    tariff_id: str = Field(min_length=1, max_length=64)


class PcGroupBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    group: str = Field(min_length=1, max_length=64)


class Group(Answer):
    id: str
    name: str
    tariff_id: str


class PcInGroup(Answer):
    pc_id: str
    group: str


async def _audit(request: Request, action: str, target: str, details: dict[str, Any]) -> None:
    await request.app.ctx.audit.record(action, request=request, target=target, details=details)


async def _valid_tariff(request: Request, tariff_id: str | None = None) -> TariffSpec:
    try:
        raw = request.json
    except Exception:
        raise bad_request("body: invalid JSON") from None
    if not isinstance(raw, dict):
        raise bad_request("body: a JSON object is required")
    if tariff_id is not None:
        raw = {**raw, "id": tariff_id}
    try:
        # JSON rules, strict as the model is: false is not 0, "5" is not 5.
        spec = TariffSpec.model_validate_json(dumps(raw))
        await check_tariff(spec)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise bad_request(f"{'.'.join(str(p) for p in first['loc']) or 'body'}: {first['msg']}") from None
    except TariffError as exc:
        raise bad_request(str(exc)) from None
    return spec


@bp.get("/tariffs")
@openapi.definition(summary="Tariffs", tag="tariffs")
@requires(Permission.SETTINGS_READ)
@answers(Page[TariffSpec])
async def list_tariffs(request: Request) -> dict[str, Any]:
    tariffs = await request.app.ctx.store.tariffs.all()
    return {"items": tariffs, "total": len(tariffs)}


@bp.post("/tariffs")
@openapi.definition(summary="Create a tariff", body=json_body(TariffSpec), tag="tariffs")
@requires(Permission.SETTINGS_MANAGE)
@audits("tariff.create")
@answers(TariffSpec, status=201, errors=(409,))
async def create_tariff(request: Request) -> TariffSpec:
    spec = await _valid_tariff(request)
    if not await request.app.ctx.store.tariffs.create(spec, now_ms()):
        raise ApiError(409, "exists", f"tariff {spec.id!r} exists; PUT /tariffs/{spec.id} changes it")
    await _audit(request, "tariff.create", f"tariff:{spec.id}", spec.model_dump(mode="json"))
    return spec


@bp.get("/tariffs/<tariff_id:str>")
@openapi.definition(summary="One tariff", tag="tariffs")
@requires(Permission.SETTINGS_READ)
@answers(TariffSpec, errors=(404,))
async def get_tariff(request: Request, tariff_id: str) -> TariffSpec:
    spec: TariffSpec | None = await request.app.ctx.store.tariffs.get(tariff_id)
    if spec is None:
        raise not_found(f"tariff {tariff_id!r}")
    return spec


@bp.put("/tariffs/<tariff_id:str>")
@openapi.definition(summary="Change a tariff; PCs get it at once", tag="tariffs")
@requires(Permission.SETTINGS_MANAGE)
@audits("tariff.update")
@answers(TariffSpec)
async def put_tariff(request: Request, tariff_id: str) -> TariffSpec:
    spec = await _valid_tariff(request, tariff_id)
    ctx = request.app.ctx
    await ctx.store.tariffs.save(spec, now_ms())
    await _audit(request, "tariff.update", f"tariff:{spec.id}", spec.model_dump(mode="json"))
    await ctx.pc_settings.push_all()
    return spec


@bp.get("/groups")
@openapi.definition(summary="PC groups (zones) and their tariffs", tag="tariffs")
@requires(Permission.SETTINGS_READ)
@answers(Page[Group])
async def list_groups(request: Request) -> dict[str, Any]:
    groups = await request.app.ctx.store.tariffs.groups()
    items = [{"id": g.id, "name": g.name, "tariff_id": g.tariff_id} for g in groups]
    return {"items": items, "total": len(items)}


@bp.put("/groups/<group_id:str>")
@openapi.definition(
    summary="Create or change a PC group",
    body=json_body(GroupBody),
    tag="tariffs",
)
@requires(Permission.SETTINGS_MANAGE)
@audits("group.update")
@answers(Group)
async def put_group(request: Request, group_id: str) -> dict[str, Any]:
    body = parse_body(request, GroupBody)
    ctx = request.app.ctx
    if await ctx.store.tariffs.get(body.tariff_id) is None:
        raise bad_request(f"tariff {body.tariff_id!r} does not exist")
    await ctx.store.tariffs.save_group(PcGroup(group_id, body.name, body.tariff_id))
    await _audit(request, "group.update", f"group:{group_id}", body.model_dump())
    await ctx.pc_settings.push_all()
    return {"id": group_id, "name": body.name, "tariff_id": body.tariff_id}


@bp.put("/pcs/<pc_id:str>/group")
@openapi.definition(summary="Put a PC in a group", body=json_body(PcGroupBody), tag="tariffs")
@requires(Permission.SETTINGS_MANAGE)
@audits("pc.group")
@answers(PcInGroup, errors=(404,))
async def put_pc_group(request: Request, pc_id: str) -> dict[str, Any]:
    body = parse_body(request, PcGroupBody)
    ctx = request.app.ctx
    if await ctx.store.tariffs.group(body.group) is None:
        raise bad_request(f"group {body.group!r} does not exist")
    if not await ctx.store.pcs.set_group(pc_id, body.group):
        raise not_found(f"PC {pc_id!r}")
    await _audit(request, "pc.group", f"pc:{pc_id}", {"group": body.group})
    await ctx.pc_settings.push(pc_id)
    return {"pc_id": pc_id, "group": body.group}
