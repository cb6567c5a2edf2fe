"""Printable documents over HTTP: ``?layout=a4|thermal&lang=uz|ru|en`` and a PDF response."""

from __future__ import annotations

from sanic import Request
from sanic.response import HTTPResponse, raw

from hub.errors import bad_request
from hub.locale import LANGUAGES
from hub.receipts.model import Layout


def print_options(request: Request, default_language: str) -> tuple[Layout, str]:
    try:
        layout = Layout(request.args.get("layout", Layout.A4.value))
    except ValueError:
        raise bad_request("layout is a4 or thermal") from None
    language = request.args.get("lang", default_language)
    if language not in LANGUAGES:
        raise bad_request(f"lang is one of {', '.join(LANGUAGES)}")
    return layout, language


def pdf_response(pdf: bytes, filename: str) -> HTTPResponse:
    return raw(
        pdf, content_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )
