"""The local icafe stack: Mosquitto (mutual TLS), Redis, the embedded MongoDB-wire store, the hub and
simulated agents, on private ports with all state under one data directory.

Used by `icafe demo`, the integration tests and the benchmarks.

Locked down as production should be: the data directory and everything in it is readable by its owner
only (folders 0700, files 0600; every service starts with umask 077), except the CA's public
certificates; Redis has a password for an ACL user of the hub's own, in a 0600 configuration file, and an
append-only file fsync'd every second; no secret is ever on a command line (``/proc/<pid>/cmdline``).
The embedded store (nx-27017) has no authentication at all: it listens on loopback only.
"""

from __future__ import annotations

import base64
import glob
import json
import os
import secrets
import shutil
import string
import sys
import urllib.parse
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
    all_ready,
    free_port,
    redis_ready,
    tcp_ready,
)
from protocol.transport import tls_context
from provisioning import HUB_IDENTITY, CertificateAuthority, Identity, write_agent_bundle
from provisioning.broker_acl import (
    BrokerAdmin,
    ensure_services,
    grant_commands,
    granted_pcs,
    revoke_commands,
    write_broker_acl,
)
from provisioning.ca import BROKER_ADMIN_IDENTITY, BROKER_LOG_IDENTITY, atomic_write
from provisioning.crl_dir import CRL_DIR

LOOPBACK = "127.0.0.1"
# The hub's own Redis user (the default user is switched off).
REDIS_USER = "icafe-hub"
PRIVATE_DIR = 0o700


def _broker_template(name: str) -> str:
    # broker/ is a data folder at the top of the repository, next to this package.
    path = Path(__file__).resolve().parent.parent / "broker" / name
    if path.exists():
        return path.read_text()
    return resources.files("icafe").joinpath(name).read_text()  # pragma: no cover - installed wheel


def pc_name(index: int) -> str:
    return f"pc-{index:03d}"


def private_dir(path: Path) -> Path:
    """``path`` as a folder only its owner can enter (created if missing, tightened if not)."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR)
    return path


def dynsec_plugin() -> str:
    """Mosquitto's dynamic-security plugin, where Debian (any architecture) or a source build puts it."""
    for pattern in ("/usr/lib/*/mosquitto_dynamic_security.so", "/usr/lib/mosquitto_dynamic_security.so"):
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    raise SupervisorError("Mosquitto's dynamic-security plugin is missing: install Debian's mosquitto 2.0+")


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
    # Hub replicas behind the broker's shared subscription, on consecutive HTTP ports from ``http_port``.
    hubs: int = 1
    hub_env: Mapping[str, str] = field(default_factory=dict)
    simulator_env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ports:
    # The PCs' listener (client id forced to the certificate's CN) and the hub's.
    broker: int
    broker_hub: int
    redis: int
    store: int


class LocalStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.data_dir = config.data_dir.resolve()
        self.supervisor = Supervisor()
        self.ports = Ports(broker=free_port(), broker_hub=free_port(), redis=free_port(), store=free_port())
        self.ca: CertificateAuthority | None = None
        self.secrets: dict[str, str] = {}
        # The PCs the running broker admits, with their sites.
        self._granted: dict[str, str] = {}

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
    def hub_ports(self) -> list[int]:
        """Each replica's HTTP port: ``http_port`` and the next ones."""
        return [self.config.http_port + index for index in range(self.config.hubs)]

    @property
    def hub_names(self) -> list[str]:
        """Each replica's service name, also its ``ICAFE_HUB_ID``: ``hub``, then ``hub-2``, ``hub-3``..."""
        return ["hub", *(f"hub-{index}" for index in range(2, self.config.hubs + 1))]

    @property
    def api_urls(self) -> list[str]:
        return [f"http://{LOOPBACK}:{port}" for port in self.hub_ports]

    @property
    def mongo_url(self) -> str:
        return self.config.mongo_url or f"mongodb://{LOOPBACK}:{self.ports.store}"

    @property
    def redis_url(self) -> str:
        """The hub's Redis URL: it carries the password, so never log it (see ``redacted``)."""
        password = urllib.parse.quote(self.secrets["redis_password"], safe="")
        return f"redis://{REDIS_USER}:{password}@{LOOPBACK}:{self.ports.redis}/0"

    # ---- set-up ------------------------------------------------------------------------------
    def prepare(self) -> None:
        """Directories, the development CA, the hub's and the broker tools' identities, the PCs the
        configuration asks for (so the broker admits them from its start) and the secrets; idempotent."""
        private_dir(self.data_dir)
        for folder in (self.data_dir / "logs", self.agents_dir):
            private_dir(folder)
        self.ca = CertificateAuthority.init(self.certs_dir, exist_ok=True)
        self.ca.ensure(HUB_IDENTITY, kind="hub")
        ensure_services(self.ca)
        self.ca.issue_many([pc_name(i) for i in range(1, self.config.pcs + 1)], site=self.config.site)
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
        stored.setdefault("redis_password", secrets.token_urlsafe(32))
        # Atomic: a crash mid-write must not leave the keys that decrypt the store half-written.
        atomic_write(path, json.dumps(stored).encode(), 0o600)
        return stored

    def require_ca(self) -> CertificateAuthority:
        if self.ca is None:
            raise SupervisorError("call prepare() first")
        return self.ca

    def enroll_pcs(self, count: int) -> list[Path]:
        """Agent bundles (config and certificate) for pc-001..pc-<count>, pointing at this broker."""
        ca = self.require_ca()
        names = [pc_name(i) for i in range(1, count + 1)]
        identities = ca.issue_many(names, site=self.config.site)
        self.grant(identities)
        return [self._bundle(identity.name, identity) for identity in identities]

    def enroll(self, pc_id: str, identity: Identity | None = None) -> Path:
        """The agent bundle of ``pc_id`` at this stack's site; the running broker admits it at once."""
        identity = self.ensure_pc(pc_id) if identity is None else identity
        self.grant([identity])
        return self._bundle(pc_id, identity)

    def _bundle(self, pc_id: str, identity: Identity) -> Path:
        return write_agent_bundle(
            self.require_ca(),
            pc_id,
            site=self.config.site,
            broker_host="localhost",
            broker_port=self.ports.broker,
            out_dir=self.agents_dir / pc_id,
            identity=identity,
        )

    def ensure_pc(self, pc_id: str, site: str | None = None) -> Identity:
        """A valid certificate for ``pc_id`` enrolled at ``site`` (this stack's by default), admitted by
        the running broker."""
        identity = self.require_ca().ensure(pc_id, site=site or self.config.site)
        self.grant([identity])
        return identity

    def revoke_pc(self, pc_id: str) -> Identity:
        """Revoke the PC's certificate and remove it from the running broker, which disconnects it at
        once; its certificate is refused at the TLS handshake from now on (the new CRL in crl.d/)."""
        identity = self.require_ca().revoke(pc_id)
        if self._broker_running() and self._granted.pop(pc_id, None) is not None:
            self._broker_admin(revoke_commands(pc_id))
        return identity

    def grant(self, identities: list[Identity]) -> None:
        """Add PCs to the running broker's access list (they are in its file from its next start)."""
        if not self._broker_running():
            return
        changed = [pc for pc in granted_pcs(identities) if self._granted.get(pc.name) != pc.site]
        commands = []
        for pc in changed:
            assert pc.site is not None
            commands += grant_commands(pc.site, pc.name)
        if commands:
            self._broker_admin(commands)
        for pc in changed:
            assert pc.site is not None
            self._granted[pc.name] = pc.site

    def _broker_running(self) -> bool:
        service = self.supervisor.services.get("mosquitto")
        return service is not None and service.alive()

    def _broker_admin(self, commands: list[dict[str, object]]) -> None:
        ca = self.require_ca()
        admin = ca.get(BROKER_ADMIN_IDENTITY)
        tls = tls_context(ca.ca_cert_path, admin.cert_path, admin.key_path)
        with BrokerAdmin("localhost", self.ports.broker_hub, tls) as broker:
            broker.apply(commands)

    # ---- services ----------------------------------------------------------------------------
    @property
    def broker_dir(self) -> Path:
        return self.data_dir / "broker"

    def start_broker(self) -> Service:
        """Mosquitto under `icafe broker-log`, with the access list generated from the CA's records."""
        ca = self.require_ca()
        ca.refresh_crl()
        broker_dir = private_dir(self.broker_dir)
        private_dir(broker_dir / "persistence")
        identity = ca.broker_identity()
        values = {
            # Mosquitto started as root drops to user `mosquitto`, which could not read this data
            # directory; a development broker keeps the invoking user.
            "user_line": "user root" if os.geteuid() == 0 else "",
            "persistence_dir": str(broker_dir / "persistence"),
            "dynsec_plugin": dynsec_plugin(),
            "dynsec_file": str(self.broker_acl_path),
            "port": str(self.ports.broker),
            "bind_address": LOOPBACK,
            "hub_port": str(self.ports.broker_hub),
            "hub_bind_address": LOOPBACK,
            "ca_file": str(ca.ca_cert_path),
            "cert_file": str(identity.cert_path),
            "key_file": str(identity.key_path),
            "crl_file": str(ca.crl_path),
            "crl_dir": str(ca.root / CRL_DIR),
            "extra": "",
        }
        conf = broker_dir / "mosquitto.conf"
        rendered = string.Template(_broker_template("mosquitto.conf.tmpl")).substitute(values)
        atomic_write(conf, rendered.encode(), 0o600)
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        watcher = ca.get(BROKER_LOG_IDENTITY)
        argv = [sys.executable, "-m", "icafe", "broker-log", "--log-file", str(self.log("mosquitto"))]
        argv += ["--mqtt-host", "localhost", "--mqtt-port", str(self.ports.broker_hub)]
        argv += [
            "--ca",
            str(ca.ca_cert_path),
            "--cert",
            str(watcher.cert_path),
            "--key",
            str(watcher.key_path),
        ]
        argv += ["--", mosquitto, "-c", str(conf)]
        service = self.supervisor.start(
            ServiceSpec(
                name="mosquitto",
                argv=argv,
                log_path=self.log("mosquitto-stdout"),
                ready=all_ready(tcp_ready(self.ports.broker), tcp_ready(self.ports.broker_hub)),
                before_start=self.write_broker_acl,
            )
        )
        self._granted = {pc.name: pc.site for pc in granted_pcs(ca.valid_identities()) if pc.site}
        return service

    @property
    def broker_acl_path(self) -> Path:
        return self.broker_dir / "dynamic-security.json"

    def write_broker_acl(self) -> None:
        """The dynamic-security plugin's file, from the CA's records (before every broker start)."""
        private_dir(self.broker_dir)
        write_broker_acl(self.require_ca(), self.broker_acl_path, 0o600)

    def reload_broker(self) -> None:
        """Make Mosquitto re-read its configuration, access list and CRL (after a revocation)."""
        ca = self.require_ca()
        ca.refresh_crl()
        self.supervisor.restart("mosquitto")
        self._granted = {pc.name: pc.site for pc in granted_pcs(ca.valid_identities()) if pc.site}

    @property
    def signer_socket(self) -> Path:
        return self.data_dir / "signer" / "signer.sock"

    def start_signer(self) -> Service:
        """The certificate signer (``icafe ca serve``), the only process holding the CA's key: the hub asks
        it to sign approved PCs and revoke them, and it changes the running broker's access list. Start
        it before the hub, which then enrolls PCs (``hub_environment``)."""
        self.require_ca()
        private_dir(self.signer_socket.parent)
        argv = [sys.executable, "-m", "icafe", "ca", "serve", "--certs-dir", str(self.certs_dir)]
        argv += ["--socket", str(self.signer_socket), "--broker-host", "localhost"]
        argv += ["--broker-port", str(self.ports.broker_hub)]
        return self.supervisor.start(
            ServiceSpec(
                name="signer",
                argv=argv,
                log_path=self.log("signer"),
                ready=self.signer_socket.exists,
                # A socket left by a signer that was killed would look ready before this one listens.
                before_start=lambda: self.signer_socket.unlink(missing_ok=True),
            )
        )

    def start_redis(self) -> Service:
        """Redis with an append-only file fsync'd every second, and the hub's own ACL user with a password;
        both in a 0600 configuration file, so the password is never on the command line."""
        redis_dir = private_dir(self.data_dir / "redis")
        conf = redis_dir / "redis.conf"
        lines = [
            "# Written by the local stack at every start: it holds the hub's Redis password (mode 0600).",
            f"port {self.ports.redis}",
            f"bind {LOOPBACK}",
            "protected-mode yes",
            f'dir "{redis_dir}"',
            'logfile ""',
            # Revoked tokens, refresh-token families and lockouts must survive a crash: every write is in
            # the append-only file at once (a kill loses nothing) and on disk within a second.
            "appendonly yes",
            "appendfsync everysec",
            'save ""',
            # Nobody gets in without the password; the hub has a user of its own.
            "user default off",
            f"user {REDIS_USER} on >{self.secrets['redis_password']} ~* &* +@all",
        ]
        atomic_write(conf, ("\n".join(lines) + "\n").encode(), 0o600)
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        return self.supervisor.start(
            ServiceSpec(
                name="redis",
                argv=[server, str(conf)],
                log_path=self.log("redis"),
                ready=redis_ready(self.ports.redis, REDIS_USER, self.secrets["redis_password"]),
            )
        )

    def start_store(self) -> Service | None:
        if self.config.mongo_url:
            return None
        # nx-27017 has no authentication at all: loopback only, and files its owner's only.
        store_dir = private_dir(self.data_dir / "store")
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
            "ICAFE_MQTT_PORT": str(self.ports.broker_hub),
            "ICAFE_MQTT_CA": str(ca.ca_cert_path),
            "ICAFE_MQTT_CERT": str(hub.cert_path),
            "ICAFE_MQTT_KEY": str(hub.key_path),
            "ICAFE_JWT_SECRET": self.secrets["jwt_secret"],
            # The hub's own files (exports) under the stack's private folder.
            "ICAFE_DATA_DIR": str(self.data_dir),
            "ICAFE_ENCRYPTION_KEYS": self.secrets["encryption_keys"],
            "ICAFE_ADMIN_PASSWORD": self.secrets["admin_password"],
            # The local stack's owner `admin` needs no phone unless ICAFE_DEMO_2FA=1.
            "ICAFE_ADMIN_2FA_OPTIONAL": "0" if os.environ.get("ICAFE_DEMO_2FA") == "1" else "1",
        }
        if "signer" in self.supervisor.services:
            # PCs enroll with a code and the hub's approval (start_signer); they reach this broker.
            env["ICAFE_SIGNER_SOCKET"] = str(self.signer_socket)
            env["ICAFE_ENROLL_BROKER_HOST"] = "localhost"
            env["ICAFE_ENROLL_BROKER_PORT"] = str(self.ports.broker)
        env.update(self.config.hub_env)
        return env

    def replica_environment(self, name: str, http_port: int) -> dict[str, str]:
        """One replica's settings: the stack's, with its own HTTP port and hub id (its broker client id)."""
        return {**self.hub_environment(), "ICAFE_HTTP_PORT": str(http_port), "ICAFE_HUB_ID": name}

    def start_hub(
        self, name: str = "hub", http_port: int | None = None, *, ready_timeout_s: float = 60
    ) -> Service:
        """A hub process; ``ready_timeout_s`` longer for benchmarks on a busy machine (its start-up, which
        builds the API's documentation, then takes minutes)."""
        port = http_port or self.config.http_port
        env = self.replica_environment(name, port)
        self.write_hub_config(env)
        return self.supervisor.start(
            ServiceSpec(
                name=name,
                argv=[sys.executable, "-m", "icafe", "hub"],
                env=env,
                log_path=self.log(name),
                ready=http_ready(f"http://{LOOPBACK}:{port}/healthz"),
                ready_timeout_s=ready_timeout_s,
            )
        )

    def start_hubs(self, *, ready_timeout_s: float = 60) -> list[Service]:
        """The configured replicas (``hubs``), each on its own port with its own hub id, one after the
        other (the first sets the store up alone); command-line tools get the first's settings."""
        started = [
            self.start_hub(name, port, ready_timeout_s=ready_timeout_s)
            for name, port in zip(self.hub_names, self.hub_ports, strict=True)
        ]
        self.write_hub_config(self.replica_environment(self.hub_names[0], self.hub_ports[0]))
        return started

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
        header = "# Written by the local stack at each hub start; do not edit.\n"
        atomic_write(self.hub_config_path, (header + "\n".join(lines) + "\n").encode(), 0o600)
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
