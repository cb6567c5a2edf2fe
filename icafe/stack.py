"""The local icafe stack: Mosquitto (mutual TLS), Redis, the embedded MongoDB-wire store, the hub and
simulated agents, on private ports with all state under one data directory.

Used by `icafe demo`, the integration tests and the benchmarks.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import string
import sys
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from icafe.supervisor import (
    Service,
    ServiceSpec,
    Supervisor,
    SupervisorError,
    free_port,
    redis_ready,
    tcp_ready,
)
from provisioning import HUB_IDENTITY, CertificateAuthority, Identity, write_agent_bundle

LOOPBACK = "127.0.0.1"


def _broker_template(name: str) -> str:
    # broker/ is a data folder at the top of the repository, next to this package.
    path = Path(__file__).resolve().parent.parent / "broker" / name
    if path.exists():
        return path.read_text()
    return resources.files("icafe").joinpath(name).read_text()  # pragma: no cover - installed wheel


def pc_name(index: int) -> str:
    return f"pc-{index:03d}"


@dataclass
class StackConfig:
    data_dir: Path
    http_port: int = 8000
    site: str = "main"
    pcs: int = 10
    # When set, the hub uses this MongoDB and no embedded store is started.
    mongo_url: str | None = None
    admin_password: str | None = None
    telemetry_s: float = 5.0
    hub_env: Mapping[str, str] = field(default_factory=dict)
    simulator_env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ports:
    broker: int
    redis: int
    store: int


class LocalStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.data_dir = config.data_dir.resolve()
        self.supervisor = Supervisor()
        self.ports = Ports(broker=free_port(), redis=free_port(), store=free_port())
        self.ca: CertificateAuthority | None = None
        self.secrets: dict[str, str] = {}

    # ---- paths -------------------------------------------------------------------------------
    @property
    def certs_dir(self) -> Path:
        return self.data_dir / "certs"

    @property
    def agents_dir(self) -> Path:
        return self.data_dir / "agents"

    def log(self, name: str) -> Path:
        return self.data_dir / "logs" / f"{name}.log"

    @property
    def api_url(self) -> str:
        return f"http://{LOOPBACK}:{self.config.http_port}"

    @property
    def mongo_url(self) -> str:
        return self.config.mongo_url or f"mongodb://{LOOPBACK}:{self.ports.store}"

    @property
    def redis_url(self) -> str:
        return f"redis://{LOOPBACK}:{self.ports.redis}/0"

    # ---- set-up ------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Directories, the development CA, the hub's identity and the secrets; idempotent."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.ca = CertificateAuthority.init(self.certs_dir, exist_ok=True)
        self.ca.ensure(HUB_IDENTITY, kind="hub")
        self.secrets = self._load_secrets()

    def _load_secrets(self) -> dict[str, str]:
        path = self.data_dir / "secrets.json"
        stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
        stored.setdefault("jwt_secret", secrets.token_urlsafe(48))
        # AES-256-GCM key for fields encrypted at rest (2FA secrets, members' contact data).
        stored.setdefault("encryption_keys", f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}")
        if self.config.admin_password:
            stored["admin_password"] = self.config.admin_password
        stored.setdefault("admin_password", secrets.token_urlsafe(12))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(stored, out)
        return stored

    def require_ca(self) -> CertificateAuthority:
        if self.ca is None:
            raise SupervisorError("call prepare() first")
        return self.ca

    def enroll_pcs(self, count: int) -> list[Path]:
        """Agent bundles (config and certificate) for pc-001..pc-<count>, pointing at this broker."""
        ca = self.require_ca()
        names = [pc_name(i) for i in range(1, count + 1)]
        return [self.enroll(identity.name, identity) for identity in ca.issue_many(names)]

    def enroll(self, pc_id: str, identity: Identity | None = None) -> Path:
        return write_agent_bundle(
            self.require_ca(),
            pc_id,
            site=self.config.site,
            broker_host="localhost",
            broker_port=self.ports.broker,
            out_dir=self.agents_dir / pc_id,
            identity=identity,
        )

    # ---- services ----------------------------------------------------------------------------
    def start_broker(self) -> Service:
        ca = self.require_ca()
        ca.refresh_crl()
        broker_dir = self.data_dir / "broker"
        (broker_dir / "persistence").mkdir(parents=True, exist_ok=True)
        acl = broker_dir / "acl.conf"
        acl.write_text(_broker_template("acl.conf"))
        identity = ca.broker_identity()
        values = {
            # Mosquitto started as root drops to user `mosquitto`, which could not read this data
            # directory; a development broker keeps the invoking user.
            "user_line": "user root" if os.geteuid() == 0 else "",
            "persistence_dir": str(broker_dir / "persistence"),
            "log_file": str(self.log("mosquitto")),
            "acl_file": str(acl),
            "port": str(self.ports.broker),
            "bind_address": LOOPBACK,
            "ca_file": str(ca.ca_cert_path),
            "cert_file": str(identity.cert_path),
            "key_file": str(identity.key_path),
            "crl_file": str(ca.crl_path),
            "extra": "",
        }
        conf = broker_dir / "mosquitto.conf"
        conf.write_text(string.Template(_broker_template("mosquitto.conf.tmpl")).substitute(values))
        self.log("mosquitto").parent.mkdir(parents=True, exist_ok=True)
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        return self.supervisor.start(
            ServiceSpec(
                name="mosquitto",
                argv=[mosquitto, "-c", str(conf)],
                log_path=self.log("mosquitto-stdout"),
                ready=tcp_ready(self.ports.broker),
            )
        )

    def reload_broker(self) -> None:
        """Make Mosquitto re-read its configuration and CRL (after a revocation)."""
        self.require_ca().refresh_crl()
        self.supervisor.restart("mosquitto")

    def start_redis(self) -> Service:
        redis_dir = self.data_dir / "redis"
        redis_dir.mkdir(parents=True, exist_ok=True)
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        argv = [server, "--port", str(self.ports.redis), "--bind", LOOPBACK, "--dir", str(redis_dir)]
        argv += ["--save", "60 1", "--appendonly", "no", "--protected-mode", "yes"]
        return self.supervisor.start(
            ServiceSpec(
                name="redis", argv=argv, log_path=self.log("redis"), ready=redis_ready(self.ports.redis)
            )
        )

    def start_store(self) -> Service | None:
        if self.config.mongo_url:
            return None
        store_dir = self.data_dir / "store"
        store_dir.mkdir(parents=True, exist_ok=True)
        pid_file = store_dir / "nx-27017.pid"

        def remove_stale_pid() -> None:
            # After a kill -9 the server otherwise refuses to start, saying it already runs.
            pid_file.unlink(missing_ok=True)

        argv = [sys.executable, "-m", "nx_27017.nx_27017", "--data-dir", str(store_dir), "--host", LOOPBACK]
        argv += ["--port", str(self.ports.store), "--pid-file", str(pid_file)]
        argv += ["--log-file", str(self.log("store"))]
        return self.supervisor.start(
            ServiceSpec(
                name="store",
                argv=argv,
                log_path=self.log("store-stdout"),
                ready=tcp_ready(self.ports.store),
                before_start=remove_stale_pid,
            )
        )

    def hub_environment(self) -> dict[str, str]:
        ca = self.require_ca()
        hub = ca.get(HUB_IDENTITY)
        env = {
            "ICAFE_HTTP_HOST": LOOPBACK,
            "ICAFE_HTTP_PORT": str(self.config.http_port),
            "ICAFE_MONGO_URL": self.mongo_url,
            "ICAFE_REDIS_URL": self.redis_url,
            "ICAFE_MQTT_HOST": "localhost",
            "ICAFE_MQTT_PORT": str(self.ports.broker),
            "ICAFE_MQTT_CA": str(ca.ca_cert_path),
            "ICAFE_MQTT_CERT": str(hub.cert_path),
            "ICAFE_MQTT_KEY": str(hub.key_path),
            "ICAFE_JWT_SECRET": self.secrets["jwt_secret"],
            "ICAFE_ENCRYPTION_KEYS": self.secrets["encryption_keys"],
            "ICAFE_ADMIN_PASSWORD": self.secrets["admin_password"],
            # The local stack's owner `admin` needs no phone unless ICAFE_DEMO_2FA=1.
            "ICAFE_ADMIN_2FA_OPTIONAL": "0" if os.environ.get("ICAFE_DEMO_2FA") == "1" else "1",
        }
        env.update(self.config.hub_env)
        return env

    def start_hub(self, name: str = "hub", http_port: int | None = None) -> Service:
        env = self.hub_environment()
        port = http_port or self.config.http_port
        env["ICAFE_HTTP_PORT"] = str(port)
        env["ICAFE_HUB_ID"] = name
        self.write_hub_config(env)
        return self.supervisor.start(
            ServiceSpec(
                name=name,
                argv=[sys.executable, "-m", "icafe", "hub"],
                env=env,
                log_path=self.log(name),
                ready=http_ready(f"http://{LOOPBACK}:{port}/healthz"),
                ready_timeout_s=60,
            )
        )

    @property
    def hub_config_path(self) -> Path:
        return self.data_dir / "hub.toml"

    def write_hub_config(self, env: Mapping[str, str]) -> Path:
        """The running hub's settings as TOML (0600: it holds secrets), so that command-line tools given
        this data directory (``ICAFE_DATA_DIR``) reach the same store."""
        lines = [
            f"{key.removeprefix('ICAFE_').lower()} = {json.dumps(value)}"
            for key, value in sorted(env.items())
            if key.startswith("ICAFE_")
        ]
        fd = os.open(self.hub_config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(
                "# Written by the local stack at each hub start; do not edit.\n" + "\n".join(lines) + "\n"
            )
        return self.hub_config_path

    def start_simulator(self, pcs: int | None = None) -> Service:
        count = self.config.pcs if pcs is None else pcs
        self.enroll_pcs(count)
        env = {"ICAFE_TELEMETRY_S": str(self.config.telemetry_s), **self.config.simulator_env}
        argv = [sys.executable, "-m", "icafe", "simulate", "--pcs", str(count)]
        argv += ["--agents-dir", str(self.agents_dir)]
        return self.supervisor.start(
            ServiceSpec(
                name="simulator",
                argv=argv,
                env=env,
                log_path=self.log("simulator"),
                ready=lambda: True,
            )
        )

    def start_front_desk(self, pace_s: float) -> Service:
        """The demo's simulated cashier, a client of the API like any other."""
        argv = [sys.executable, "-m", "icafe", "front-desk", "--api", self.api_url, "--pace", str(pace_s)]
        return self.supervisor.start(
            ServiceSpec(
                name="front-desk",
                argv=argv,
                env={"ICAFE_ADMIN_PASSWORD": self.secrets["admin_password"]},
                log_path=self.log("front-desk"),
                ready=lambda: True,
            )
        )

    def start_infrastructure(self) -> None:
        self.prepare()
        self.start_broker()
        self.start_redis()
        self.start_store()

    def stop(self) -> None:
        self.supervisor.stop_all()


def http_ready(url: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL we built
                return bool(response.status == 200)
        except urllib.error.HTTPError:
            return False

    return check
