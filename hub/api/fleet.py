"""Agent releases and their rollouts in rings (README "Fleet updates"); the rules are in ``hub.fleet``."""

from __future__ import annotations

import asyncio
from typing import IO, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, Page, answers, reply
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import Confirmation, confirm_sensitive, public, requires
from hub.api.query import MAX_MOMENT_MS, Name, Paging, QueryModel, enum_schema, one_of, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.errors import ApiError, not_found
from hub.fleet import VERSION_PATTERN, Ring, RingError, TargetState, fleet_summary
from hub.mqtt.bridge import BrokerUnavailable
from hub.store.fleet import AgentRelease

bp = Blueprint("fleet")

RINGS = tuple(ring.value for ring in Ring)
CHUNK_BYTES = 64 * 1024
PACKAGE_TYPE = "application/gzip"
# The whole API's body limit (hub.app): a release holds the agent's own packages, not its dependencies.
MAX_PACKAGE_NOTE = "at most 1 MiB"


class UploadQuery(QueryModel):
    version: Annotated[str, Field(pattern=VERSION_PATTERN, description="the version the release reports")]


class PackageQuery(QueryModel):
    pc: Name
    expires: Annotated[int, Field(ge=0, le=MAX_MOMENT_MS)]
    sig: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class Release(Answer):
    version: str
    sha256: str = Field(description="computed by the hub from what was uploaded")
    size: int
    uploaded_by: str
    uploaded_at: int


class RolloutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str = Field(min_length=1, max_length=64)
    ring: Annotated[str, one_of(RINGS), enum_schema(RINGS)]
    pc_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="ring 'one' only: that PC (else the first canary)",
    )
    # Updating PCs is a sensitive action: a reason, and the password or a 2FA code.
    confirmation: Confirmation | None = None


class RolloutTargetView(Answer):
    pc_id: str
    command_id: str
    state: TargetState
    detail: str


class Rollout(Answer):
    id: str
    version: str
    ring: str
    created_by: str
    created_at: int
    targets: list[RolloutTargetView]
    left_out: list[str] = Field(description="PCs the ring took that were offline: roll out again later")
    counts: dict[str, int] = Field(description="targets per state")


class FleetVersions(Answer):
    total: int
    versions: dict[str, int] = Field(description="PCs per agent version")
    os: dict[str, int] = Field(description="PCs per operating system")
    hardening: dict[str, int] = Field(description="PCs per lock-hardening grade")


class RolloutPage(Page[Rollout]):
    fleet: FleetVersions


def release_view(release: AgentRelease) -> dict[str, Any]:
    return {
        "version": release.version,
        "sha256": release.sha256,
        "size": release.size,
        "uploaded_by": release.uploaded_by,
        "uploaded_at": release.uploaded_at,
    }


@bp.post("/agent-releases")
@openapi.definition(
    summary=f"Upload an agent release (icafe agent-package), the gzipped tar as the body, {MAX_PACKAGE_NOTE}",
    body={PACKAGE_TYPE: {"type": "string", "format": "binary"}},
    tag="fleet",
)
@requires(Permission.FLEET_UPDATE)
@with_query(UploadQuery)
@audits("agent.release.upload")
@answers(Release, status=201, errors=(409, 422))
async def upload_release(request: Request, query: UploadQuery) -> Any:
    data = request.body or b""
    if not data.startswith(b"\x1f\x8b"):
        raise ApiError(422, "not_a_package", "send the release as a gzipped tar (icafe agent-package)")
    ctx = request.app.ctx
    release = await ctx.fleet.upload(query.version, data, request.ctx.claims.username)
    if release is None:
        raise ApiError(
            409, "release_exists", f"version {query.version} was uploaded already: give a new version"
        )
    await ctx.audit.record(
        "agent.release.upload",
        request=request,
        target=f"agent-release:{release.version}",
        details={"sha256": release.sha256, "size": release.size},
    )
    return reply(Release.model_validate(release_view(release)), 201)


@bp.get("/agent-releases")
@openapi.definition(summary="Agent releases uploaded, newest first", tag="fleet")
@requires(Permission.PCS_READ)
@with_query(Paging)
@answers(Page[Release])
async def list_releases(request: Request, query: Paging) -> dict[str, Any]:
    releases, total = await request.app.ctx.store.agent_releases.page(skip=query.offset, limit=query.limit)
    return {"items": [release_view(r) for r in releases], "total": total}


@bp.get("/agent-releases/<version:str>/package")
@openapi.definition(
    summary="A release's package, for a PC: the signed link its update command carries (15 minutes)",
    tag="fleet",
)
@public
@with_query(PackageQuery)
@answers(None, file=PACKAGE_TYPE, errors=(403, 404))
async def download_package(request: Request, version: str, query: PackageQuery) -> None:
    ctx = request.app.ctx
    if not ctx.fleet.may_download(version, query.pc, query.expires, query.sig):
        raise ApiError(
            403, "link_invalid", "this download link is wrong or expired: roll the update out again"
        )
    release = await ctx.store.agent_releases.get(version)
    if release is None:
        raise not_found(f"agent release {version!r}")
    try:
        file: IO[bytes] = await asyncio.to_thread(ctx.fleet.path_of(release).open, "rb")
    except FileNotFoundError:
        raise not_found(f"agent release {version!r}'s package") from None
    try:
        response = await request.respond(
            content_type=PACKAGE_TYPE,
            headers={"Content-Length": str(release.size), "Cache-Control": "no-store"},
        )
        while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
            await response.send(chunk)
        await response.eof()
    finally:
        await asyncio.to_thread(file.close)


@bp.post("/agent-rollouts")
@openapi.definition(
    summary="Roll a release out to a ring of PCs (one, 10 %, all): each online PC gets an update command",
    body=json_body(RolloutRequest),
    tag="fleet",
)
@requires(Permission.FLEET_UPDATE)
@audits("agent.rollout")
@answers(Rollout, status=201, errors=(403, 404, 409, 503))
async def create_rollout(request: Request) -> Any:
    body = parse_body(request, RolloutRequest)
    ctx = request.app.ctx
    release = await ctx.store.agent_releases.get(body.version)
    if release is None:
        raise not_found(f"agent release {body.version!r}: upload it first")
    reason = await confirm_sensitive(request, body.confirmation, "agent.rollout")
    base_url = f"{request.scheme}://{request.host}"
    try:
        rollout = await ctx.fleet.roll_out(
            release, Ring(body.ring), body.pc_id, request.ctx.claims.username, base_url
        )
    except RingError as exc:
        raise ApiError(409, "ring_empty", str(exc)) from None
    except BrokerUnavailable as exc:
        raise ApiError(503, "broker_unavailable", f"{exc}; try again shortly") from None
    await ctx.audit.record(
        "agent.rollout",
        request=request,
        target=f"agent-release:{release.version}",
        reason=reason,
        details={"rollout": rollout.id, "ring": rollout.ring, "pcs": [t.pc_id for t in rollout.targets]},
    )
    [view] = await ctx.fleet.states([rollout])
    return reply(Rollout.model_validate(view), 201)


@bp.get("/agent-rollouts")
@openapi.definition(
    summary="Rollouts, newest first, with each PC's state; and the fleet's agent versions, OS and hardening",
    tag="fleet",
)
@requires(Permission.PCS_READ)
@with_query(Paging)
@answers(RolloutPage)
async def list_rollouts(request: Request, query: Paging) -> dict[str, Any]:
    ctx = request.app.ctx
    rollouts, total = await ctx.store.rollouts.page(skip=query.offset, limit=query.limit)
    return {
        "items": await ctx.fleet.states(rollouts),
        "total": total,
        "fleet": fleet_summary(await ctx.fleet.fleet()),
    }


@bp.get("/agent-rollouts/<rollout_id:str>")
@openapi.definition(summary="One rollout with each PC's state", tag="fleet")
@requires(Permission.PCS_READ)
@answers(Rollout, errors=(404,))
async def get_rollout(request: Request, rollout_id: str) -> dict[str, Any]:
    ctx = request.app.ctx
    rollout = await ctx.store.rollouts.get(rollout_id)
    if rollout is None:
        raise not_found(f"rollout {rollout_id!r}")
    views: list[dict[str, Any]] = await ctx.fleet.states([rollout])
    return views[0]
