"""Printable documents over HTTP: ``?layout=a4|thermal&lang=uz|ru|en`` and a PDF response."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from sanic.response import HTTPResponse, raw

from hub.api.query import QueryModel, enum_schema, one_of
from hub.locale import LANGUAGES
from hub.receipts.model import Layout


class PrintQuery(QueryModel):
    layout: Layout = Field(default=Layout.A4, description="a4, or thermal (80 mm roll)")
    lang: Annotated[str, one_of(LANGUAGES), enum_schema(LANGUAGES)] | None = Field(
        default=None, description="the language; the branch's when left out"
    )


def print_options(query: PrintQuery, default_language: str) -> tuple[Layout, str]:
    return query.layout, query.lang or default_language


def pdf_response(pdf: bytes, filename: str) -> HTTPResponse:
    return raw(
        pdf, content_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
