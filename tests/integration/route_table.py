"""The hub's API routes, read from the app's own router (no server needed): tests that must cover every
route walk this table, so a route added later is covered without touching them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from hub.api.query import QueryModel, query_model
from hub.app import create_app
from hub.config import load_settings
from hub.security.crypto import generate_key

API = "api/v1/"


@dataclass(frozen=True)
class ApiRoute:
    method: str
    template: str  # "/api/v1/pcs/<pc_id:str>"
    params: tuple[str, ...]
    handler: Any
    query: type[QueryModel]
    websocket: bool

    def path(self, **values: str) -> str:
        """The concrete path, each parameter replaced by ``values[name]`` (``x-dummy-0`` by default)."""
        return re.sub(r"<([^:>]+)[^>]*>", lambda m: values.get(m.group(1), "x-dummy-0"), self.template)


def build_app(name: str) -> Any:
    """A hub app (nothing opened, nothing listening); Sanic wants a name unique in the process."""
    settings = load_settings(
        {
            "ICAFE_MQTT_CA": "/unused/ca.crt",
            "ICAFE_MQTT_CERT": "/unused/hub.crt",
            "ICAFE_MQTT_KEY": "/unused/hub.key",
            "ICAFE_JWT_SECRET": "t" * 48,
            "ICAFE_ENCRYPTION_KEYS": generate_key("table"),
        }
    )
    return create_app(settings, name=name)


@functools.cache
def _app() -> Any:
    return build_app("api_route_table")


def api_routes(app: Any = None) -> list[ApiRoute]:
    app = app or _app()
    routes = []
    for route in app.router.routes:
        if not route.path.startswith(API):
            continue
        handler = route.handler
        websocket = isinstance(handler, functools.partial)
        if websocket:
            handler = handler.args[0]
        params = tuple(param.name for param in route.defined_params.values())
        for method in sorted(route.methods):
            if method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                routes.append(
                    ApiRoute(method, "/" + route.path, params, handler, query_model(route), websocket)
                )
    # The router's order differs between processes: tests parametrised by route are collected alike in
    # every pytest-xdist worker only in a fixed order.
    return sorted(routes, key=lambda api_route: (api_route.template, api_route.method))
