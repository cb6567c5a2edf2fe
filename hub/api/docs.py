"""``/docs``: the API's documentation, browsable with nothing but the hub.

The viewer is Swagger UI from the pinned ``swagger-ui-bundle-v2`` wheel (a PyPI package that ships its
built files), served by the hub under ``/docs/assets/<version>/`` — a cafe without internet still reads
its API, and the page's Content-Security-Policy names no other host. Sanic Extensions serves the page
(``docs.tmpl``) and the document (``/docs/openapi.json``, the same as ``icafe openapi``); the page has no
inline script or style: it loads the viewer and ``/docs/init.js``, which points it at the document.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, raw
from sanic_ext import openapi
from swagger_ui_bundle import swagger_ui_path

from hub.api.guard import public
from hub.errors import not_found

bp = Blueprint("docs", url_prefix="/docs")

VIEWER_DIR = Path(str(swagger_ui_path))
VERSION = VIEWER_DIR.name.removeprefix("swagger-ui-")
# What the page loads; nothing else of the package is served.
ASSETS = ("swagger-ui.css", "index.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png")
PAGE_TEMPLATE = Path(__file__).with_name("docs.tmpl")
# The files never change under a versioned path.
IMMUTABLE = "public, max-age=31536000, immutable"

INIT = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/docs/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
"""


@bp.get("/init.js")
@openapi.exclude()
@public
async def init(request: Request) -> HTTPResponse:
    return raw(INIT, content_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-cache"})


@bp.get(f"/assets/{VERSION}/<name:str>")
@openapi.exclude()
@public
async def asset(request: Request, name: str) -> HTTPResponse:
    if name not in _FILES:
        raise not_found(f"{name!r}")
    body, content_type = _FILES[name]
    return raw(body, content_type=content_type, headers={"Cache-Control": IMMUTABLE})


def configure(app: Sanic[Any, Any]) -> None:
    """Sanic Extensions' documentation settings: our page at /docs, no CDN viewer."""
    app.config.OAS_UI_DEFAULT = "swagger"
    app.config.OAS_UI_REDOC = False
    app.config.OAS_UI_SWAGGER = True
    app.config.OAS_PATH_TO_SWAGGER_HTML = str(PAGE_TEMPLATE)
    app.config.OAS_UI_SWAGGER_VERSION = VERSION  # the page's __VERSION__: the assets' path
    app.config.OAS_UI_SWAGGER_HTML_TITLE = "icafe hub API"


# Read once when the hub starts (2 MB), never from the event loop.
_FILES = {
    name: ((VIEWER_DIR / name).read_bytes(), mimetypes.guess_type(name)[0] or "application/octet-stream")
    for name in ASSETS
}
