"""The admin console (``admin_web/``) served by the hub at ``/``.

The built files (``admin_web/dist``, made by ``make console``) are read into memory when the app is
created, each compressed once with gzip, so serving never touches the disk or blocks the loop:

- ``/assets/*`` carry a content hash in their names: cached for a year, immutable;
- every other path that is not the API's (``/api/``, ``/docs``, ``/healthz``, ``/metrics``) answers the
  app's ``index.html`` (client-side routes), never cached, with a fresh CSP nonce: the page's scripts
  and the ``<style>`` tags that MUI/emotion inject carry it, so the policy needs no ``unsafe-inline``;
- when the console is not built, ``/`` says how to build it.
"""

from __future__ import annotations

import gzip
import html
import mimetypes
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sanic import Blueprint, Request
from sanic.response import HTTPResponse
from sanic_ext import openapi

from hub.api.guard import public
from hub.errors import not_found
from hub.security.headers import console_csp

# Vite writes this placeholder wherever the page needs the nonce (``html.cspNonce`` in vite.config.ts).
NONCE_PLACEHOLDER = "__CSP_NONCE__"
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "admin_web" / "dist"
# Paths that belong to the API and its tools: an unknown one is a 404, never the console's page.
RESERVED_PREFIXES = ("api/", "api", "docs", "healthz", "metrics")
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
# Worth compressing: text. Images and fonts in assets/ are compressed already.
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")

NOT_BUILT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>icafe: console not built</title></head>
<body>
<h1>The icafe console is not built yet</h1>
<p>Build it from the repository with <code>make console</code> (or start everything with
<code>make demo</code>, which builds it), then reload this page.</p>
<p>The hub looked for it in <code>{where}</code>. The API is at <a href="/api/v1/auth/me">/api/v1</a>
and its documentation at <a href="/docs">/docs</a>.</p>
</body></html>
"""


@dataclass(frozen=True)
class StaticFile:
    body: bytes
    gzipped: bytes | None
    content_type: str


@dataclass(frozen=True)
class ConsoleFiles:
    root: Path
    index: str | None
    files: Mapping[str, StaticFile]

    @property
    def built(self) -> bool:
        return self.index is not None

    @classmethod
    def load(cls, root: Path) -> ConsoleFiles:
        """Everything under ``root``; called once when the app is created (before the loop runs)."""
        index_path = root / "index.html"
        if not index_path.is_file():
            return cls(root, None, {})
        files: dict[str, StaticFile] = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root).as_posix()
            if relative == "index.html" or relative.startswith("."):
                continue
            body = path.read_bytes()
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if content_type.startswith("text/") or content_type.endswith("javascript"):
                content_type += "; charset=utf-8"
            compress = content_type.startswith(COMPRESSIBLE) and len(body) > 1024
            files[relative] = StaticFile(body, gzip.compress(body, 9) if compress else None, content_type)
        return cls(root, index_path.read_text(encoding="utf-8"), files)


def _accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def _file_response(request: Request, item: StaticFile, cache: str) -> HTTPResponse:
    headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
    body = item.body
    if item.gzipped is not None and _accepts_gzip(request):
        body = item.gzipped
        headers["Content-Encoding"] = "gzip"
    return HTTPResponse(body, headers=headers, content_type=item.content_type)


def _page(content: str, nonce: str) -> HTTPResponse:
    return HTTPResponse(
        content,
        headers={"Cache-Control": REVALIDATE, "Content-Security-Policy": console_csp(nonce)},
        content_type="text/html; charset=utf-8",
    )


def console_blueprint(files: ConsoleFiles) -> Blueprint:
    bp = Blueprint("console")

    @bp.get("/")
    @openapi.exclude()
    @public
    async def console_index(request: Request) -> HTTPResponse:
        return _index(request)

    @bp.get("/<path:path>")
    @openapi.exclude()
    @public
    async def console_path(request: Request, path: str) -> HTTPResponse:
        if path.startswith(RESERVED_PREFIXES):
            raise not_found(f"/{path}")
        item = files.files.get(path)
        if item is not None:
            return _file_response(request, item, IMMUTABLE if path.startswith("assets/") else REVALIDATE)
        if path.startswith("assets/"):
            # A missing asset must not answer HTML, which the browser would try to run as a script.
            raise not_found(f"/{path}")
        return _index(request)

    def _index(request: Request) -> HTTPResponse:
        # 128 bits from the OS's generator, new for every page load (CSP3: a nonce is never reused).
        nonce = secrets.token_urlsafe(16)
        if files.index is None:
            return _page(NOT_BUILT.format(where=html.escape(str(files.root))), nonce)
        return _page(files.index.replace(NONCE_PLACEHOLDER, nonce), nonce)

    return bp
