"""HTTP API blueprints. Handlers reach the store only through the repository layer in hub.store."""

from sanic import Blueprint
from sanic.blueprint_group import BlueprintGroup

from hub.api.auth import bp as auth_bp
from hub.api.live import bp as live_bp
from hub.api.pcs import bp as pcs_bp
from hub.api.system import bp as system_bp

API_PREFIX = "/api/v1"


def blueprints() -> list[Blueprint | BlueprintGroup]:
    return [Blueprint.group(auth_bp, pcs_bp, live_bp, url_prefix=API_PREFIX), system_bp]
