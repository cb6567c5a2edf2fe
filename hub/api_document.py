"""The hub's OpenAPI document without a running server (``icafe openapi``).

The console's API types are generated from it (``admin_web/src/api/schema.d.ts``) and ``make test``
checks they match, so the console and the hub cannot drift apart. The document is the one ``/docs``
serves: the same app is created, its routes finalised, and Sanic Extensions' builder run, with
placeholder settings (no connection is opened and nothing listens). Once per process: Sanic keeps
apps and their signals in process-wide registries.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import secrets
from typing import Any

from hub.config import load_settings
from hub.security.crypto import generate_key

_PLACEHOLDERS = {
    "ICAFE_MQTT_CA": "unused-ca.pem",
    "ICAFE_MQTT_CERT": "unused-cert.pem",
    "ICAFE_MQTT_KEY": "unused-key.pem",
}


def openapi_document() -> dict[str, Any]:
    """The document (a copy: the app behind it is built once per process)."""
    return copy.deepcopy(_document())


@functools.cache
def _document() -> dict[str, Any]:
    from sanic_ext.extensions.openapi.builders import SpecificationBuilder

    from hub.app import create_app

    settings = load_settings(
        {
            **_PLACEHOLDERS,
            "ICAFE_JWT_SECRET": secrets.token_urlsafe(48),
            "ICAFE_ENCRYPTION_KEYS": generate_key("export"),
        }
    )
    app = create_app(settings, name="icafe_openapi_export")
    # Sanic finalises routes and attaches Sanic Extensions (which adds the OpenAPI blueprint) at start-up;
    # the blueprint then builds the document in its own before_server_start listener. Run just those.
    # (Both are Sanic internals, untyped: hence Any.)
    sanic_app: Any = app
    asyncio.run(sanic_app._startup())
    for future in sanic_app.blueprints["openapi"]._future_listeners:
        if future.event == "before_server_start":
            future.listener(app)
    builder: Any = SpecificationBuilder()
    document: dict[str, Any] = builder.build(app).serialize()
    # The builder is a process-wide singleton whose serialiser keeps or drops empty top-level lists
    # depending on what ran before in the process: drop them, so the document is the same every time.
    for key in ("servers", "security"):
        if not document.get(key):
            document.pop(key, None)
    return document
