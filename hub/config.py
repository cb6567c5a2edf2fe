"""Typed hub settings from ``ICAFE_*`` environment variables and, optionally, a TOML file.

Environment variables win over the file (``ICAFE_CONFIG``). Every default is safe on one machine:
nothing listens beyond loopback unless told to.
"""

from __future__ import annotations

import os
import socket
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hub.auth.permissions import Role
from hub.errors import ConfigError
from hub.locale import CurrencyCode, Language, Timezone
from hub.security.crypto import CipherError, parse_keys
from hub.security.network import parse_networks

ROLES = tuple(role.value for role in Role)

PREFIX = "ICAFE_"


class HubSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    http_host: str = "127.0.0.1"
    http_port: Annotated[int, Field(ge=1, le=65535)] = 8000
    hub_id: str = Field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    site: str = "main"

    # The branch this hub serves first: printed on receipts; currency and language are settings, never
    # hard-coded. Used to create the branch once; after that `PUT /api/v1/branches/<id>` edits it.
    branch_name: str = "icafe"
    branch_address: str = ""
    branch_tax_id: str = ""
    branch_phone: str = ""
    currency: CurrencyCode = "UZS"
    language: Language = "en"
    timezone: Timezone = "Asia/Tashkent"

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

    # Sessions: warnings before the end, logout after idleness, journal checkpoint interval.
    session_warn_minutes: tuple[Annotated[int, Field(ge=1, le=120)], ...] = (5, 1)
    session_idle_timeout_s: Annotated[int, Field(ge=30)] | None = None
    session_checkpoint_s: Annotated[int, Field(ge=1, le=3600)] = 60
    # What a member with cached credentials may spend at a PC that cannot reach the hub (minor units).
    session_offline_credit: Annotated[int, Field(ge=0)] = 0
    # How much faster than real time the hub lets a PC's session clock run when it bounds the time a PC
    # reports (hub.sessions.checks): 1 for real PCs; tests and benchmarks run simulated PCs faster.
    agent_clock_scale: Annotated[float, Field(ge=1, le=1000)] = 1.0
    # The demo creates a few members with balances so a trial needs no set-up.
    demo_seed: bool = False

    # The built admin console served at / (default: admin_web/dist next to the hub's package).
    console_dir: Path | None = None
    # The hub's own files: exports are written to <data_dir>/exports (0700, files 0600). Replicas behind
    # one address share it, so that any of them serves a file another made.
    data_dir: Path = Path("data")
    # How long a finished export's file is kept for download.
    export_keep_h: Annotated[float, Field(gt=0, le=2160)] = 24.0
    # Scheduled backups (README "Backups and recovery"): off unless a folder is set; one replica at a time
    # (a Redis lock) backs the embedded store under <data_dir>/store up this often, then keeps the newest
    # of each of the last backup_keep_days days and of each of the last backup_keep_months months.
    # A folder or s3://bucket/prefix (hub.backups.destination).
    backup_dir: str | None = None
    backup_every_h: Annotated[float, Field(ge=0.01, le=744)] = 24.0
    backup_keep_days: Annotated[int, Field(ge=1, le=3660)] = 30
    backup_keep_months: Annotated[int, Field(ge=0, le=1200)] = 12
    # New alerts to a Telegram chat through the Bot API (hub.notify) when both are set; the API's address
    # is settable for a proxy (and the tests' fake Telegram).
    telegram_bot_token: str | None = None
    telegram_chat_id: str | None = None
    telegram_api_url: str = "https://api.telegram.org"

    # Enrolling PCs (README "Certificates and enrollment"): the certificate signer's Unix socket
    # (`icafe ca serve`; the hub never holds the CA's key), and the broker an approved PC is told to use:
    # its public name and the PCs' port (not the hub's own mqtt_host, often an internal name).
    signer_socket: Path | None = None
    enroll_broker_host: str | None = None
    enroll_broker_port: Annotated[int, Field(ge=1, le=65535)] = 8883

    # Development and tests: fail any call that blocks the event loop (blockbuster).
    detect_blocking: bool = False

    command_timeout_s: Annotated[float, Field(gt=0, le=300)] = 10.0
    telemetry_retention_h: Annotated[float, Field(gt=0)] = 72.0
    telemetry_flush_s: Annotated[float, Field(gt=0, le=10)] = 0.25
    # At most one telemetry sample per PC this often goes into the store's history and onto the PC's
    # record (hub.mqtt.telemetry_plan); the live feed carries every reading.
    telemetry_sample_s: Annotated[float, Field(ge=0, le=3600)] = 30.0
    # Freeze start-up's objects out of the garbage collector's walks and space its young collections out
    # (hub.gc_pauses); off only to measure what it saves (bench/commands.py --no-gc-tuning).
    gc_tuning: bool = True

    # ---- staff security (the README's Security section) ----------------------------------------
    # AES-256-GCM keys for fields encrypted at rest: "kid1:<base64 32 bytes>,kid0:<...>", first is
    # current. The hub refuses to start without one (`icafe keys generate` prints one).
    encryption_keys: str | None = None
    # Roles that must use TOTP 2FA; a user of such a role without it may only enrol.
    require_2fa_roles: frozenset[str] = frozenset({"owner", "manager"})
    # The owner created from ICAFE_ADMIN_PASSWORD need not enrol 2FA (the local demo; never production).
    admin_2fa_optional: bool = False
    # A staff login session ends after this long without a token refresh, and this long after the
    # login at most.
    staff_session_idle_s: Annotated[int, Field(ge=60, le=7 * 86400)] = 1800
    staff_session_absolute_s: Annotated[int, Field(ge=300, le=30 * 86400)] = 43200
    # Failed logins (hub.security.limits): per account and address, free attempts then exponential back-off;
    # per account from any address, an hourly cap (at most 100) that locks it until the hour ends; per
    # address, an hourly cap after which only logins with a second factor get through from it.
    login_free_failures: Annotated[int, Field(ge=1, le=100)] = 5
    login_max_failures: Annotated[int, Field(ge=1, le=100)] = 50
    login_ip_max_failures: Annotated[int, Field(ge=1, le=100000)] = 200
    # General API rate limit: requests per window, per user (per source address on public routes).
    api_rate_limit: Annotated[int, Field(ge=1)] = 1200
    api_rate_window_s: Annotated[int, Field(ge=1, le=3600)] = 60
    # Networks (CIDRs, comma-separated) allowed to reach /api/v1; empty allows all. Loopback is not
    # implied: list 127.0.0.0/8 if local tools need it.
    staff_networks: str = ""
    # How many reverse proxies in front of the hub to trust for X-Forwarded-For / -Proto (0: none).
    proxies_count: Annotated[int, Field(ge=0, le=10)] = 0
    # Origins allowed by CORS (comma-separated); empty: CORS closed (the console is same-origin).
    cors_origins: str = ""

    @field_validator("encryption_keys")
    @classmethod
    def _keys_parse(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_keys(value)
            except CipherError as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _telegram_both(self) -> HubSettings:
        if (self.telegram_chat_id is None) != (self.telegram_bot_token is None):
            raise ValueError("set both ICAFE_TELEGRAM_BOT_TOKEN and ICAFE_TELEGRAM_CHAT_ID, or neither")
        return self

    @field_validator("require_2fa_roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> frozenset[str]:
        items = value.split(",") if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        roles = frozenset(str(item).strip().lower() for item in items if str(item).strip())
        unknown = roles - set(ROLES)
        if unknown:
            raise ValueError(f"unknown roles {sorted(unknown)}; roles are {list(ROLES)}")
        return roles

    @field_validator("staff_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("staff_session_idle_s")
    @classmethod
    def _idle_outlives_access(cls, value: int, info: ValidationInfo) -> int:
        ttl = info.data.get("access_token_ttl_s")
        if ttl is not None and value < ttl:
            raise ValueError(f"must be at least the access-token lifetime ({ttl} s)")
        return value

    @field_validator("staff_session_absolute_s")
    @classmethod
    def _absolute_outlives_idle(cls, value: int, info: ValidationInfo) -> int:
        idle = info.data.get("staff_session_idle_s")
        if idle is not None and value < idle:
            raise ValueError(f"must be at least ICAFE_STAFF_SESSION_IDLE_S ({idle} s)")
        return value

    @field_validator("session_warn_minutes", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # From the environment: "5,1".
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value


def config_values(env: Mapping[str, str], fields: Iterable[str]) -> dict[str, object]:
    """The raw values of ``fields``: from the TOML file named by ICAFE_CONFIG, overridden by ICAFE_*."""
    values: dict[str, object] = {}
    config_file = env.get(f"{PREFIX}CONFIG")
    if config_file:
        try:
            values.update(tomllib.loads(Path(config_file).read_text()))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{PREFIX}CONFIG={config_file}: {exc}") from None
    for name in fields:
        key = f"{PREFIX}{name.upper()}"
        if key in env:
            values[name] = env[key]
    return values


def load_settings(env: Mapping[str, str] | None = None) -> HubSettings:
    env = os.environ if env is None else env
    values = config_values(env, HubSettings.model_fields)
    try:
        return HubSettings.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{PREFIX}{'.'.join(str(p) for p in err['loc']).upper()}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(f"invalid hub configuration: {problems}") from None
