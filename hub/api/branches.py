"""Branch settings: the name, address and tax id printed on receipts; currency, language, timezone; which
payment methods the cashiers may take."""

from __future__ import annotations

import asyncio
import base64
import binascii
import dataclasses
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sanic import Blueprint, Request
from sanic_ext import openapi

from hub.api.answers import Answer, Page, answers
from hub.api.audited import audits
from hub.api.bodies import parse_body
from hub.api.guard import requires
from hub.api.schema import json_body
from hub.auth.permissions import Permission
from hub.errors import not_found
from hub.locale import CurrencyCode, Language, Timezone
from hub.money.methods import METHODS
from hub.store import BranchRecord

bp = Blueprint("branches", url_prefix="/branches")


class BranchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    address: str = Field(default="", max_length=200)
    tax_id: str = Field(default="", max_length=40)
    phone: str = Field(default="", max_length=40)
    currency: CurrencyCode
    language: Language
    timezone: Timezone
    payment_methods: list[str] = Field(min_length=1)
    # The PCs' lock screens show it: base64 of a PNG of at most 6 KiB ("" or absent for none).
    logo_png: str = Field(default="", max_length=8192)

    @field_validator("logo_png")
    @classmethod
    def _logo(cls, value: str) -> str:
        if not value:
            return ""
        try:
            data = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("logo_png must be base64 of a PNG file") from None
        if not data.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError("logo_png must be a PNG image (export the logo as PNG, at most 6 KiB)")
        return value

    @field_validator("payment_methods")
    @classmethod
    def _methods(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(METHODS))
        if unknown:
            raise ValueError(f"unknown methods {unknown}; methods are {sorted(METHODS)}")
        return list(dict.fromkeys(value))


class Branch(Answer):
    id: str
    name: str
    address: str
    tax_id: str
    phone: str
    currency: str
    language: str
    timezone: str
    payment_methods: list[str]
    logo_png: str = Field(description="base64 of the PNG the lock screens show; empty for none")


def branch_view(branch: BranchRecord) -> dict[str, Any]:
    view = dataclasses.asdict(branch)
    view["payment_methods"] = list(branch.payment_methods)
    return view


@bp.get("")
@openapi.definition(summary="Branches and their settings", tag="branches")
@requires(Permission.SETTINGS_READ)
@answers(Page[Branch])
async def list_branches(request: Request) -> dict[str, Any]:
    branches = await request.app.ctx.store.branches.all()
    return {"items": [branch_view(b) for b in branches], "total": len(branches)}


@bp.get("/<branch_id:str>")
@openapi.definition(summary="One branch's settings", tag="branches")
@requires(Permission.SETTINGS_READ)
@answers(Branch, errors=(404,))
async def get_branch(request: Request, branch_id: str) -> dict[str, Any]:
    branch = await request.app.ctx.store.branches.get(branch_id)
    if branch is None:
        raise not_found(f"branch {branch_id!r}")
    return branch_view(branch)


@bp.put("/<branch_id:str>")
@openapi.definition(
    summary="Create or replace a branch's settings",
    body=json_body(BranchSettings),
    tag="branches",
)
@requires(Permission.SETTINGS_MANAGE)
@audits("branch.update")
@answers(Branch)
async def put_branch(request: Request, branch_id: str) -> dict[str, Any]:
    # In a thread: checking the timezone may read its file from disk the first time.
    body = await asyncio.to_thread(parse_body, request, BranchSettings)
    fields = body.model_dump()
    fields["payment_methods"] = tuple(fields["payment_methods"])
    branch = BranchRecord(id=branch_id, **fields)
    await request.app.ctx.money.books.branches.save(branch)
    # The lock screens show the branch's name, language and logo: their PCs get it now.
    await request.app.ctx.pc_settings.push_all()
    await request.app.ctx.audit.record(
        "branch.update", request=request, target=branch_id, details=body.model_dump()
    )
    return branch_view(branch)
