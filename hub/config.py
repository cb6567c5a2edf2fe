"""Typed hub settings from ``ICAFE_*`` environment variables and, optionally, a TOML file.

Environment variables win over the file (``ICAFE_CONFIG``). Every default is safe on one machine:
nothing listens beyond loopback unless told to.
"""

from __future__ import annotations

import os
import socket
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.errors import ConfigError

PREFIX = "ICAFE_"


class HubSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    http_host: str = "127.0.0.1"
    http_port: Annotated[int, Field(ge=1, le=65535)] = 8000
    hub_id: str = Field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    site: str = "main"

    mongo_url: str = "mongodb://127.0.0.1:27017"
    mongo_db: str = "icafe"
    redis_url: str = "redis://127.0.0.1:6379/0"

    mqtt_host: str = "localhost"
    mqtt_port: Annotated[int, Field(ge=1, le=65535)] = 8883
    mqtt_ca: Path
    mqtt_cert: Path
    mqtt_key: Path

    jwt_secret: Annotated[str, Field(min_length=32)]
    access_token_ttl_s: Annotated[int, Field(ge=60, le=86400)] = 900
    # Creates the owner `admin` with this password when the store has no staff user yet.
    admin_password: str | None = None

    # Development and tests: fail any call that blocks the event loop (blockbuster).
    detect_blocking: bool = False

    command_timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0
    telemetry_retention_h: Annotated[float, Field(gt=0)] = 72.0
    telemetry_flush_s: Annotated[float, Field(gt=0, le=10)] = 0.25


def load_settings(env: Mapping[str, str] | None = None) -> HubSettings:
    env = os.environ if env is None else env
    values: dict[str, object] = {}
    config_file = env.get(f"{PREFIX}CONFIG")
    if config_file:
        try:
            values.update(tomllib.loads(Path(config_file).read_text()))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{PREFIX}CONFIG={config_file}: {exc}") from None
    for name in HubSettings.model_fields:
        key = f"{PREFIX}{name.upper()}"
        if key in env:
            values[name] = env[key]
    try:
        return HubSettings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{PREFIX}{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid hub configuration: {problems}") from None
