"""``/api/v1/exports``: every list and report as CSV, XLSX or PDF, made by a background job.

``POST`` starts a job and answers its id at once (202); the job's progress comes over the WebSocket
(``export.progress``, then ``export.done`` with the download link, or ``export.failed``) and from ``GET
/exports/{id}``; ``GET /exports/{id}/download`` streams the file. Only the user who asked, or an owner,
sees a job or its file, and only while their role still holds the permission of what was exported. The
kinds and their filters are in ``hub.api.export_kinds``; the jobs in ``hub.exports.jobs``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from typing import IO, Annotated, Any, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sanic import Blueprint, Request
from sanic_ext import openapi

from billing.tariffs import zone
from hub.api.answers import Answer, Page, absent, answers, reply
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.export_kinds import ANY_EXPORT, KINDS, ExportKind
from hub.api.guard import check_permission, requires
from hub.api.query import Paging, QueryModel, enum_schema, one_of, with_query
from hub.api.schema import json_body
from hub.auth.permissions import Role
from hub.auth.tokens import AccessClaims
from hub.clock import now_ms
from hub.context import HubContext
from hub.errors import ApiError, bad_request
from hub.exports.cells import printed_time
from hub.exports.formats import FORMATS, Format
from hub.exports.jobs import Started, download_path
from hub.exports.pdf import fits_in_print
from hub.exports.sheet import Sheet
from hub.exports.table import Locale, RowSource
from hub.exports.texts import kind_title, word
from hub.store.exports import ExportRecord, JobState

bp = Blueprint("exports", url_prefix="/exports")

# Jobs one user may have queued or running at once.
MAX_UNFINISHED = 3
CHUNK_BYTES = 256 * 1024
KIND_NAMES = tuple(sorted(KINDS))
FORMAT_NAMES = tuple(f.value for f in Format)
# Filters that are times (epoch ms once validated): printed in the branch's timezone on a PDF.
MOMENTS = frozenset({"from", "to", "since", "until"})


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Annotated[str, one_of(KIND_NAMES), enum_schema(KIND_NAMES)] = Field(
        description="what to export: a list (payments, sessions, members, audit, shifts, products, vouchers, "
        "commands, stock, stock_movements) or a report (report_takings, report_revenue, report_usage, "
        "report_members, report_staff, report_inventory: a table per section)"
    )
    format: Annotated[str, one_of(FORMAT_NAMES), enum_schema(FORMAT_NAMES)] = Field(
        description="csv (for programs), xlsx (a spreadsheet) or pdf (printable kinds only)"
    )
    filters: dict[str, str | int | bool] = Field(
        default_factory=dict,
        description="the query parameters of the kind's own list or report route, without offset and "
        "limit (payments: from, to, method, purpose, kind, staff, member_id, branch, shift_id), e.g. "
        '{"from": "2026-11-01T00:00+05:00", "method": "cash"}',
    )


class ExportJob(Answer):
    id: str
    kind: str
    format: str
    state: JobState
    filters: dict[str, Any]
    requested_by: str
    rows: int = Field(description="rows written so far")
    total: int = Field(description="rows expected (counted when the job started)")
    percent: int
    error: str | None = Field(description="why it failed: what to do next")
    retryable: bool = Field(description="a failed job that POST /exports/{id}/retry runs again")
    size: int | None = Field(description="the file's size in bytes, once done")
    created_at: int
    started_at: int | None
    finished_at: int | None
    expires_at: int | None = Field(description="when the file is deleted")
    download: str | None = absent("the file's link, once done")


def job_view(record: ExportRecord) -> dict[str, Any]:
    done = record.state is JobState.DONE
    percent = 100 if done else (record.rows * 100 // record.total if record.total else 0)
    view: dict[str, Any] = {
        "id": record.id,
        "kind": record.kind,
        "format": record.format,
        "state": record.state,
        "filters": record.filters,
        "requested_by": record.username,
        "rows": record.rows,
        "total": record.total,
        "percent": min(percent, 100),
        "error": record.error,
        "retryable": record.retryable,
        "size": record.size,
        "created_at": record.created_at,
        "started_at": record.started_at,
        "finished_at": record.finished_at,
        "expires_at": record.expires_at,
    }
    if done:
        view["download"] = download_path(record.id)
    return view


def _kind_filters(kind: ExportKind, filters: dict[str, Any]) -> QueryModel:
    # As JSON, strictly, like every body: an enum's value is its text, false is not 0.
    try:
        return kind.filters.model_validate_json(json.dumps(filters), strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        if first["type"] == "extra_forbidden":
            known = ", ".join(kind.filters.model_fields) or "none"
            raise bad_request(
                f"filters.{where}: not a filter of {kind.name} (its filters: {known})"
            ) from None
        raise bad_request(f"filters.{where}: {first['msg'].removeprefix('Value error, ')}") from None


async def _job(request: Request, record: ExportRecord) -> tuple[ExportKind, QueryModel, RowSource, Sheet]:
    """The kind, filters, rows and sheet of ``record``, as its user may still see them."""
    ctx = request.app.ctx
    kind = KINDS[record.kind]
    await check_permission(request, request.ctx.claims, [kind.permission])
    filters = _kind_filters(kind, record.filters)
    branch = await ctx.money.branch(kind.branch_of(filters))
    locale = Locale(branch.currency, branch.timezone, branch.language)
    # A zone's first use reads its file: off the loop (ZoneInfo then keeps it for the calls below).
    await asyncio.to_thread(zone, locale.timezone)
    title = kind_title(kind.name, locale.language)

    def shown(name: str, value: Any) -> str:
        moment = name in MOMENTS and isinstance(value, int)
        return printed_time(value, locale.timezone) if moment else str(value)

    given = ", ".join(f"{name}={shown(name, value)}" for name, value in sorted(record.filters.items()))
    generated = printed_time(now_ms(), locale.timezone)
    notes = [
        f"{word('branch', locale.language)}: {branch.name} ({branch.id})",
        f"{word('generated', locale.language)}: {generated} · {record.username}",
    ]
    if given:
        notes.append(f"{word('filters', locale.language)}: {given}")
    source = kind.source(cast(HubContext, ctx), filters, locale)
    return kind, filters, source, Sheet.of(title, source, locale, notes)


def _may_see(claims: AccessClaims, record: ExportRecord) -> bool:
    return record.user_id == claims.user_id or claims.role == Role.OWNER


async def _visible(request: Request, job_id: str) -> ExportRecord:
    """The job, to its user or an owner; anyone else is told it does not exist."""
    record: ExportRecord | None = await request.app.ctx.store.exports.get(job_id)
    if record is None or not _may_see(request.ctx.claims, record):
        raise ApiError(404, "not_found", f"export {job_id} not found")
    return record


async def _check_printable(kind: ExportKind, fmt: Format, source: RowSource) -> None:
    if fmt is not Format.PDF:
        return
    if not kind.printable:
        printable = ", ".join(sorted(k.name for k in KINDS.values() if k.printable))
        raise bad_request(f"{kind.name} does not print; export it as csv or xlsx (pdf: {printable})")
    rows = await source.count()
    if not fits_in_print(rows):
        raise ApiError(
            422,
            "too_long_to_print",
            f"{rows} rows are too many to print; export csv or xlsx, or narrow the filters",
        )


@bp.post("")
@openapi.definition(
    summary="Export a list or report as CSV, XLSX or PDF: starts a background job and answers its id; "
    "progress comes on the WebSocket (export.progress, export.done)",
    body=json_body(ExportRequest),
    tag="exports",
)
@requires(*ANY_EXPORT)
@audits("export.create")
@answers(ExportJob, status=202, errors=(409, 422))
async def create_export(request: Request) -> Any:
    body = parse_body(request, ExportRequest)
    ctx = request.app.ctx
    claims: AccessClaims = request.ctx.claims
    if await ctx.store.exports.unfinished_of(claims.user_id) >= MAX_UNFINISHED:
        raise ApiError(
            409, "too_many_exports", f"you have {MAX_UNFINISHED} exports running; wait for one to finish"
        )
    now = now_ms()
    kind = KINDS[body.kind]
    filters = _kind_filters(kind, body.filters)
    record = ExportRecord(
        id=uuid.uuid4().hex,
        user_id=claims.user_id,
        username=claims.username,
        kind=body.kind,
        format=body.format,
        filters=filters.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True),
        created_at=now,
        runner=ctx.settings.hub_id,
        beat_at=now,
    )
    _, _, source, sheet = await _job(request, record)
    await _check_printable(kind, Format(body.format), source)
    await ctx.store.exports.insert(record)
    await ctx.audit.record(
        "export.create",
        request=request,
        target=f"export:{record.id}",
        details={"kind": record.kind, "format": record.format, "filters": record.filters},
    )
    ctx.exports.start(Started(record, source, sheet))
    return reply(job_view(record), 202)


@bp.get("")
@openapi.definition(summary="My exports, newest first (an owner sees everyone's)", tag="exports")
@requires(*ANY_EXPORT)
@with_query(Paging)
@answers(Page[ExportJob])
async def list_exports(request: Request, query: Paging) -> dict[str, Any]:
    claims: AccessClaims = request.ctx.claims
    mine = None if claims.role == Role.OWNER else claims.user_id
    records, total = await request.app.ctx.store.exports.page(mine, skip=query.offset, limit=query.limit)
    return {"items": [job_view(r) for r in records], "total": total}


@bp.get("/<export_id:str>")
@openapi.definition(
    summary="An export job: its state, progress and, once done, its download link", tag="exports"
)
@requires(*ANY_EXPORT)
@answers(ExportJob, errors=(404,))
async def get_export(request: Request, export_id: str) -> dict[str, Any]:
    return job_view(await _visible(request, export_id))


@bp.post("/<export_id:str>/retry")
@openapi.definition(
    summary="Run a failed export again (one the hub stopped during, or that met an outage)", tag="exports"
)
@requires(*ANY_EXPORT)
@audits("export.retry")
@answers(ExportJob, status=202, errors=(404, 409))
async def retry_export(request: Request, export_id: str) -> Any:
    ctx = request.app.ctx
    record = await _visible(request, export_id)
    _, _, source, sheet = await _job(request, record)
    queued = await ctx.store.exports.requeue(record.id, runner=ctx.settings.hub_id, at=now_ms())
    if queued is None:
        raise ApiError(
            409, "not_retryable", f"export {export_id} is {record.state}, not a failed one to retry"
        )
    await ctx.audit.record(
        "export.retry", request=request, target=f"export:{record.id}", details={"attempt": queued.attempt}
    )
    ctx.exports.start(Started(queued, source, sheet))
    return reply(job_view(queued), 202)


@bp.get("/<export_id:str>/download")
@openapi.definition(summary="The export's file (CSV, XLSX or PDF), once done", tag="exports")
@requires(*ANY_EXPORT)
@answers(None, file=tuple(spec.media_type for spec in FORMATS.values()), errors=(404, 409))
async def download_export(request: Request, export_id: str) -> None:
    ctx = request.app.ctx
    record = await _visible(request, export_id)
    await check_permission(request, request.ctx.claims, [KINDS[record.kind].permission])
    path = ctx.exports.path_of(record)
    if record.state is not JobState.DONE or path is None:
        state = (
            "expired: export it again" if record.state is JobState.EXPIRED else f"{record.state}, not done"
        )
        raise ApiError(409, "not_ready", f"export {export_id} is {state}")
    try:
        file: IO[bytes] = await asyncio.to_thread(path.open, "rb")
    except FileNotFoundError:
        raise ApiError(409, "not_ready", f"export {export_id}'s file is gone: export it again") from None
    spec = FORMATS[Format(record.format)]
    stamp = dt.datetime.fromtimestamp(record.created_at / 1000, dt.UTC).strftime("%Y-%m-%d-%H%M")
    name = f"{record.kind}-{stamp}.{spec.extension}"
    try:
        response = await request.respond(
            content_type=spec.media_type,
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )
        while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
            await response.send(chunk)
        await response.eof()
    finally:
        await asyncio.to_thread(file.close)
