"""The production deployment artefacts, checked offline.

No Docker engine runs here, so the compose stack itself is never started: its file is checked for
structure (services, the replica set, published ports, the hub's settings against ``HubSettings``,
secrets, healthchecks, volumes). What can run without Docker does run: Mosquitto with the compose
broker's configuration and with the Ansible role's, ``ansible-playbook --syntax-check`` and the roles'
templates rendered by Ansible itself, ``systemd-analyze verify`` on the agent's unit, and ``caddy adapt`` on
the proxy's configuration where caddy is installed.
"""

from __future__ import annotations

import base64
import configparser
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import string
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from hub.config import HubSettings, load_settings
from icafe.stack import dynsec_plugin
from provisioning import CertificateAuthority, Identity
from provisioning.broker_acl import write_broker_acl
from provisioning.crl_dir import CRL_DIR

yaml = pytest.importorskip("yaml", reason="PyYAML comes with the dev extra: pip install -e .[dev]")

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / "deploy" / "icafe.env.example"
BROKER_CONF = ROOT / "deploy" / "mosquitto" / "mosquitto.conf"
BROKER_TEMPLATE = ROOT / "broker" / "mosquitto.conf.tmpl"
MONGO_INIT = ROOT / "deploy" / "mongo" / "init-replica-set.js"
CADDYFILE = ROOT / "deploy" / "caddy" / "Caddyfile"
ANSIBLE = ROOT / "ansible"
ROLES = ANSIBLE / "roles"

MONGO_SERVICES = ("mongo1", "mongo2", "mongo3")
HUB = re.compile(r"hub-\d+")
# Settings the hub can start without but production cannot: HubSettings defaults them to loopback or
# leaves them empty, the hub refuses to start without encryption keys, and each replica needs its own
# stable id.
PRODUCTION_SETTINGS = {
    "mongo_url",
    "redis_url",
    "mqtt_host",
    "mqtt_port",
    "encryption_keys",
    "admin_password",
    "proxies_count",
    "hub_id",
}
SECRET_SETTINGS = (
    "ICAFE_JWT_SECRET",
    "ICAFE_ENCRYPTION_KEYS",
    "ICAFE_ADMIN_PASSWORD",
    "ICAFE_REDIS_PASSWORD",
)
REFERENCE = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


def hubs(services: Mapping[str, dict[str, Any]]) -> list[str]:
    """The hub replicas: services hub-1, hub-2, ..."""
    return sorted(name for name in services if HUB.fullmatch(name))


def long_running(services: Mapping[str, dict[str, Any]]) -> list[str]:
    return [*MONGO_SERVICES, "redis", "mosquitto", *hubs(services), "proxy"]


def hub_environment(service: Mapping[str, Any]) -> dict[str, str]:
    env = service["environment"]
    assert isinstance(env, dict), "list the hub's environment as a mapping"
    return {str(key): str(value) for key, value in env.items()}


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Compose's variable interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, $$."""

    def one(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3) or ""
        present = name in env
        filled = present and env[name] != ""
        if operator in (":?", "?") and not (filled if operator == ":?" else present):
            raise KeyError(f"{name}: {argument}")
        if operator == ":-" and not filled:
            return argument
        if operator == "-" and not present:
            return argument
        return env.get(name, "")

    return REFERENCE.sub(one, value.replace("$$", "\0")).replace("\0", "$")


def env_example() -> dict[str, str]:
    """KEY=value lines of the env example, commented-out ones included (with their example value)."""
    values: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^#?([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    return values


def directives(text: str) -> list[tuple[str, str]]:
    """A Mosquitto configuration as (option, value) pairs, without comments and blank lines."""
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition(" ")
            pairs.append((name, value.strip()))
    return pairs


def mounts(service: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The service's volumes in short syntax as (source, target, options)."""
    result = []
    for volume in service.get("volumes", []):
        assert isinstance(volume, str), "use the short volume syntax: source:target[:ro]"
        source, target, *options = volume.split(":")
        result.append((source, target, options[0] if options else ""))
    return result


def tasks_in(node: Any) -> Iterator[dict[str, Any]]:
    """Every task of a task list, blocks opened."""
    for task in node or []:
        assert isinstance(task, dict)
        inner = [task[key] for key in ("block", "rescue", "always") if key in task]
        if inner:
            for tasks in inner:
                yield from tasks_in(tasks)
        else:
            yield task


TASK_KEYWORDS = {
    "name",
    "when",
    "loop",
    "loop_control",
    "register",
    "notify",
    "become",
    "become_user",
    "delegate_to",
    "changed_when",
    "failed_when",
    "no_log",
    "diff",
    "tags",
    "vars",
    "environment",
    "ignore_errors",
    "run_once",
    "listen",
    "args",
}


def module_of(task: Mapping[str, Any]) -> str:
    names = [key for key in task if key not in TASK_KEYWORDS]
    assert len(names) == 1, f"task {task.get('name')!r}: expected one module, found {names}"
    return names[0]


def ansible_playbook() -> str:
    candidate = Path(sys.executable).with_name("ansible-playbook")
    found = str(candidate) if candidate.exists() else shutil.which("ansible-playbook")
    if found is None:
        pytest.skip("ansible-playbook is not installed (it comes with the dev extra: pip install -e .[dev])")
    return found


def ansible_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_HOME=str(tmp / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(tmp / "ansible-tmp"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_RETRY_FILES_ENABLED="0",
        ANSIBLE_DEPRECATION_WARNINGS="0",
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


# --------------------------------------------------------------------------- docker-compose.yml


def test_compose_declares_the_production_services(compose: dict[str, Any]) -> None:
    assert "version" not in compose, "the Compose specification has no `version:` key"
    services = compose["services"]
    assert set(services) >= {*MONGO_SERVICES, "mongo-init", "redis", "mosquitto", "proxy"}
    assert len(hubs(services)) >= 3, "three hub replicas: hub-1, hub-2, hub-3"
    images = {name: service.get("image", "") for name, service in compose["services"].items()}
    assert all(images[name] == "mongo:7" for name in (*MONGO_SERVICES, "mongo-init"))
    assert images["redis"] == "redis:7"
    # Debian's Mosquitto with its dynamic-security plugin, under `icafe broker-log`: the Dockerfile's stage.
    assert images["mosquitto"] == "${ICAFE_BROKER_IMAGE:-icafe-broker:latest}"
    assert services["mosquitto"]["build"] == {"context": ".", "target": "broker"}
    assert any(line == "FROM ${PYTHON_IMAGE} AS broker" for line in dockerfile_lines())
    assert images["proxy"].split(":")[0] in ("caddy", "nginx")


def test_mongodb_is_a_replica_set_of_three(services: dict[str, dict[str, Any]]) -> None:
    for name in MONGO_SERVICES:
        command = services[name]["command"]
        assert command[0] == "mongod"
        assert command[command.index("--replSet") + 1] == "rs0"
    for hub in hubs(services):
        url = hub_environment(services[hub])["ICAFE_MONGO_URL"]
        match = re.fullmatch(r"mongodb://([^/]+)/\?(.*)", url)
        assert match, url
        assert sorted(host.split(":")[0] for host in match.group(1).split(",")) == list(MONGO_SERVICES)
        assert "replicaSet=rs0" in match.group(2).split("&")
        depends = services[hub]["depends_on"]
        assert depends["mongo-init"]["condition"] == "service_completed_successfully"
    # The one-shot initiation lists the same members and runs once all of them are up.
    script = MONGO_INIT.read_text()
    assert re.search(r'_id:\s*"rs0"', script)
    assert sorted(re.findall(r'host:\s*"(mongo\d):27017"', script)) == list(MONGO_SERVICES)
    assert "rs.initiate(" in script
    assert "NotYetInitialized" in script
    init = services["mongo-init"]
    assert init["restart"] == "no"
    assert {name: dep["condition"] for name, dep in init["depends_on"].items()} == dict.fromkeys(
        MONGO_SERVICES, "service_healthy"
    )
    assert any(target.endswith("init-replica-set.js") for _, target, _ in mounts(init))


def test_only_the_proxy_and_the_broker_publish_ports(services: dict[str, dict[str, Any]]) -> None:
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"proxy", "mosquitto"}
    assert [str(port) for port in services["mosquitto"]["ports"]] == ["8883:8883"]
    for name in (*MONGO_SERVICES, "redis", *hubs(services)):
        assert "ports" not in services[name], f"{name} must not be reachable from the host"
        assert "network_mode" not in services[name]


def test_databases_sit_on_an_internal_network(compose: dict[str, Any]) -> None:
    networks = compose["networks"]
    internal = {name for name, spec in networks.items() if (spec or {}).get("internal")}
    assert internal, "the backend network must be internal"
    for name in (*MONGO_SERVICES, "mongo-init", "redis", *hubs(compose["services"])):
        assert set(compose["services"][name]["networks"]) <= internal, name


def test_hub_replicas_have_distinct_stable_ids(services: dict[str, dict[str, Any]]) -> None:
    """Each replica's ICAFE_HUB_ID names its MQTT client (icafe-hub-<id>), whose persistent session holds
    its share of the shared subscription. Two replicas with one id would kick each other off the broker;
    an id that changes when a container is recreated (the default, <hostname>-<pid>) would leave behind a
    session to which Mosquitto keeps handing a share of the messages until it expires."""
    names = hubs(services)
    ids = [hub_environment(services[name]).get("ICAFE_HUB_ID") for name in names]
    assert ids == names, "give each replica its service name as ICAFE_HUB_ID"
    for name in names:
        hub = services[name]
        assert hub.get("hostname") == name
        assert "container_name" not in hub
        assert hub.get("deploy", {}).get("replicas", 1) == 1, "replicas of one service would share an id"

    # Otherwise the replicas are one definition.
    def without_identity(service: dict[str, Any]) -> dict[str, Any]:
        env = {k: v for k, v in service["environment"].items() if k != "ICAFE_HUB_ID"}
        return {**{k: v for k, v in service.items() if k != "hostname"}, "environment": env}

    first = without_identity(services[names[0]])
    assert all(without_identity(services[name]) == first for name in names[1:])


def test_proxy_spreads_over_every_hub_replica(services: dict[str, dict[str, Any]]) -> None:
    text = CADDYFILE.read_text()
    match = re.search(r"(?m)^\s*reverse_proxy ([^{]+)\{(.*?)\n\s*\}", text, re.DOTALL)
    assert match, "the Caddyfile proxies to the hubs"
    assert match.group(1).split() == [f"{name}:8000" for name in hubs(services)]
    assert re.search(r"(?m)^\s*health_uri /healthz$", match.group(2))
    assert "{$ICAFE_PUBLIC_HOST}" in text
    assert set(services["proxy"]["environment"]) >= {"ICAFE_PUBLIC_HOST", "ICAFE_TLS"}
    assert any(source == "./deploy/caddy/Caddyfile" for source, _, _ in mounts(services["proxy"]))


def test_caddyfile_adapts(tmp_path: Path) -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed here (the compose stack runs it from the caddy:2 image)")
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path),
    }
    for tls in ("internal", "ops@example.com", "/etc/caddy/tls/site.crt /etc/caddy/tls/site.key"):
        env.update(ICAFE_PUBLIC_HOST="cafe.example.com", ICAFE_TLS=tls)
        result = subprocess.run(
            [caddy, "adapt", "--config", str(CADDYFILE)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["apps"]["http"]["servers"]


def test_hub_environment_sets_every_required_setting(services: dict[str, dict[str, Any]]) -> None:
    known = {f"ICAFE_{name.upper()}" for name in HubSettings.model_fields}
    # Read from HubSettings, so that a new required setting fails here until the replicas get it.
    required = {name for name, field in HubSettings.model_fields.items() if field.is_required()}
    assert required, "HubSettings has required fields (certificates, JWT secret)"
    for name in hubs(services):
        env = hub_environment(services[name])
        assert set(env) <= known, f"{name}: not hub settings: {sorted(set(env) - known)}"
        missing = {f"ICAFE_{field.upper()}" for field in required | PRODUCTION_SETTINGS} - set(env)
        assert not missing, f"{name} lacks {sorted(missing)}"


@pytest.mark.parametrize("replica", ["hub-1", "hub-2", "hub-3"])
def test_hub_environment_is_valid_hub_settings(services: dict[str, dict[str, Any]], replica: str) -> None:
    dummy = {
        "ICAFE_JWT_SECRET": secrets.token_urlsafe(48),
        "ICAFE_ENCRYPTION_KEYS": f"k1:{base64.b64encode(secrets.token_bytes(32)).decode()}",
        "ICAFE_REDIS_PASSWORD": secrets.token_hex(32),
        "ICAFE_ADMIN_PASSWORD": "",
    }
    env = {key: interpolate(value, dummy) for key, value in hub_environment(services[replica]).items()}
    env["ICAFE_HTTP_HOST"] = dockerfile_env()["ICAFE_HTTP_HOST"]
    settings = load_settings(env)
    assert settings.http_host == "0.0.0.0"
    assert settings.hub_id == replica
    assert settings.mqtt_host == "mosquitto"
    assert settings.mqtt_port == 8884  # the hub's listener; the PCs use 8883
    assert settings.redis_url == f"redis://icafe-hub:{dummy['ICAFE_REDIS_PASSWORD']}@redis:6379/0"
    assert settings.proxies_count == 1
    assert settings.admin_password == ""  # empty: no owner is created (hub/bootstrap.py)
    # The certificate paths are the targets of the hub's read-only mounts.
    targets = {target: (source, options) for source, target, options in mounts(services[replica])}
    for path in (settings.mqtt_ca, settings.mqtt_cert, settings.mqtt_key):
        assert str(path) in targets
        assert targets[str(path)][1] == "ro"


def test_secrets_come_only_from_the_env_file(services: dict[str, dict[str, Any]]) -> None:
    for name in hubs(services):
        env = hub_environment(services[name])
        for key in ("ICAFE_JWT_SECRET", "ICAFE_ENCRYPTION_KEYS", "ICAFE_ADMIN_PASSWORD"):
            match = REFERENCE.fullmatch(env[key])
            assert match is not None, f"{name}: {key} must be exactly ${{{key}...}}"
            assert match.group(1) == key
        assert "${ICAFE_REDIS_PASSWORD" in env["ICAFE_REDIS_URL"]
    # Anything else that carries a secret holds it only through a reference, and Redis's password is
    # never on its command line (it goes from the environment into an ACL file).
    redis_env = services["redis"]["environment"]
    assert REFERENCE.fullmatch(redis_env["REDISCLI_AUTH"])
    assert REFERENCE.fullmatch(redis_env["ICAFE_REDIS_PASSWORD"])
    assert "${ICAFE_REDIS_PASSWORD" not in " ".join(services["redis"]["command"])
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            if re.search(r"SECRET|PASSWORD|_KEYS|AUTH", key):
                assert "${" in str(value), f"{name}: {key} must come from .env"
    # Nothing that looks like a generated secret (long, mixed case and digits) is written in the file.
    for token in re.findall(r"[A-Za-z0-9+/=_-]{24,}", REFERENCE.sub("", COMPOSE.read_text())):
        looks_random = all(re.search(kind, token) for kind in ("[a-z]", "[A-Z]", "[0-9]"))
        assert not looks_random, f"literal secret in {COMPOSE.name}? {token}"


def test_env_example_documents_every_variable_and_holds_no_secret() -> None:
    example = env_example()
    referenced = set(REFERENCE.findall(COMPOSE.read_text()))
    names = {name for name, _, _ in referenced}
    assert names <= set(example), f"undocumented in {ENV_EXAMPLE.name}: {sorted(names - set(example))}"
    required = {name for name, operator, _ in referenced if operator in (":?", "?")}
    assert set(SECRET_SETTINGS) - {"ICAFE_ADMIN_PASSWORD"} <= required
    for name in SECRET_SETTINGS:
        assert example[name] == "", f"{ENV_EXAMPLE.name} must not hold a value for {name}"
    for line in ENV_EXAMPLE.read_text().splitlines():
        assert "$" not in line.split("#", 1)[0], "a $ in .env would be interpolated"


def test_long_running_services_have_healthchecks_and_restart(services: dict[str, dict[str, Any]]) -> None:
    for name in long_running(services):
        service = services[name]
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert check.get("test"), name
        assert not check.get("disable"), name
        assert check["test"][0] in ("CMD", "CMD-SHELL")
        assert service.get("restart") in ("always", "unless-stopped"), f"{name} has no restart policy"
        assert "logging" in service, f"{name}: bound the logs"
    for name in hubs(services):
        assert "/healthz" in " ".join(services[name]["healthcheck"]["test"])
    assert "mongosh" in services["mongo1"]["healthcheck"]["test"]
    assert "redis-cli --user icafe-hub ping" in " ".join(services["redis"]["healthcheck"]["test"])


def test_dependencies_wait_until_healthy(services: dict[str, dict[str, Any]]) -> None:
    for hub in hubs(services):
        depends = services[hub]["depends_on"]
        for name in (*MONGO_SERVICES, "redis", "mosquitto"):
            assert depends[name]["condition"] == "service_healthy", f"{hub} -> {name}"
        assert services["proxy"]["depends_on"][hub]["condition"] == "service_healthy"
    for name, service in services.items():
        for target, spec in (service.get("depends_on") or {}).items():
            assert isinstance(spec, dict), f"{name}: use the long depends_on syntax with a condition"
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[target], (
                    f"{name} waits for {target}, which has no healthcheck"
                )


def test_volumes_are_named_and_bind_mounts_exist(compose: dict[str, Any]) -> None:
    declared = set(compose["volumes"])
    used: set[str] = set()
    for name, service in compose["services"].items():
        for source, target, options in mounts(service):
            if source.startswith("./"):
                assert options == "ro", f"{name}: bind mount {source} must be read-only"
                assert not source.endswith("ca.key"), "the CA's key never leaves the CA folder"
                if not source.startswith("./certs/"):  # certs/ exists only where the CA was created
                    assert (ROOT / source).is_file(), f"{name}: {source} does not exist"
            else:
                assert source in declared, f"{name}: volume {source} is not declared"
                used.add(source)
            assert target.startswith("/")
    assert used == declared, f"declared but unused: {sorted(declared - used)}"
    for name in MONGO_SERVICES:
        targets = {target: source for source, target, _ in mounts(compose["services"][name])}
        assert set(targets) == {"/data/db", "/data/configdb"}
    assert {source for source, _, _ in mounts(compose["services"]["redis"])} == {"redis-data"}


# --------------------------------------------------------------------------- the broker


def listeners(conf: list[tuple[str, str]]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The global options, and each listener's own (from its `listener` line to the next)."""
    first = next(i for i, (name, _) in enumerate(conf) if name == "listener")
    blocks: list[dict[str, str]] = []
    for name, value in conf[first:]:
        if name == "listener":
            blocks.append({})
        blocks[-1][name] = value
    return dict(conf[:first]), blocks


def test_compose_broker_requires_certificates_and_uses_the_access_list(
    services: dict[str, dict[str, Any]],
) -> None:
    conf = directives(BROKER_CONF.read_text())
    options, (pcs, hub) = listeners(conf)
    assert options["allow_anonymous"] == "false"
    assert ("allow_anonymous", "true") not in conf
    assert "acl_file" not in options
    assert "password_file" not in options
    assert int(options["max_packet_size"]) == 20480
    for listener in (pcs, hub):
        assert listener["require_certificate"] == "true"
        assert listener["use_identity_as_username"] == "true"
        assert listener["tls_version"] in ("tlsv1.2", "tlsv1.3")
    # The PCs' listener forces the client id to the certificate's CN; only it is published.
    assert (pcs["listener"], pcs["use_username_as_clientid"]) == ("8883", "true")
    assert (hub["listener"], "use_username_as_clientid" in hub) == ("8884", False)
    # Every file the configuration names is mounted, read-only: the access list is the CA folder's.
    mounted = {target: source for source, target, _ in mounts(services["mosquitto"])}
    assert mounted[options["plugin_opt_config_file"]] == "./certs/broker/dynamic-security.json"
    assert mounted["/mosquitto/config/mosquitto.conf"] == "./deploy/mosquitto/mosquitto.conf"
    for listener in (pcs, hub):
        for key in ("cafile", "certfile", "keyfile", "crlfile"):
            assert mounted[listener[key]].startswith("./certs/"), key
        assert mounted[listener["cafile"]] == "./certs/ca.crt"
        assert mounted[listener["crlfile"]] == "./certs/crl.pem"
        assert mounted[listener["capath"]] == "./certs/crl.d"
    assert options["persistence_location"].rstrip("/") in mounted
    # `icafe broker-log` runs the broker and reports to the hub over the hub's listener, with its identity.
    command = services["mosquitto"]["command"]
    assert command[:2] == ["icafe", "broker-log"]
    assert command[command.index("--") + 1 :] == ["mosquitto", "-c", "/mosquitto/config/mosquitto.conf"]
    assert command[command.index("--mqtt-port") + 1] == hub["listener"]
    for flag in ("--ca", "--cert", "--key"):
        assert command[command.index(flag) + 1] in mounted, flag
    assert mounted[command[command.index("--key") + 1]] == "./certs/clients/icafe-broker-log.key"


def test_compose_redis_keeps_an_append_only_file_and_a_password_off_the_command_line(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """The compose file's Redis command, run with the local redis-server: append-only file fsync'd every
    second, default user off, the hub's user with the password, which no process's arguments show."""
    redis = services["redis"]
    assert redis["user"] == "999:999", "Redis runs as the image's `redis` user"
    shell, flag, script = redis["command"]
    assert (shell, flag) == ("sh", "-c")
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    password = secrets.token_hex(32)
    port = free_port()
    script = interpolate(script, {}).replace("/data/", f"{tmp_path}/")
    script = script.replace(
        "exec redis-server", f"exec {server} --port {port} --bind 127.0.0.1 --dir {tmp_path} --save ''"
    )
    process = subprocess.Popen(
        ["sh", "-c", script], env={**os.environ, "ICAFE_REDIS_PASSWORD": password}, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "redis did not listen"
                time.sleep(0.05)

        def ask(*command: str) -> str:
            done = subprocess.run(
                ["redis-cli", "-p", str(port), *command], capture_output=True, text=True, timeout=10
            )
            return done.stdout.strip()

        assert "NOAUTH" in ask("ping")
        assert ask("--user", "icafe-hub", "--pass", password, "--no-auth-warning", "ping") == "PONG"
        config = ["--user", "icafe-hub", "--pass", password, "--no-auth-warning", "config", "get"]
        assert ask(*config, "appendonly").split() == ["appendonly", "yes"]
        assert ask(*config, "appendfsync").split() == ["appendfsync", "everysec"]
        assert (tmp_path / "users.acl").stat().st_mode & 0o777 == 0o600
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert "redis-server" in cmdline
        assert password not in cmdline
    finally:
        os.killpg(process.pid, 15)
        process.wait(10)


def test_compose_broker_matches_the_template() -> None:
    """The same options as broker/mosquitto.conf.tmpl, with the container's paths (logs go to stdout)."""
    template = directives(BROKER_TEMPLATE.read_text())
    deploy = directives(BROKER_CONF.read_text())
    ignore = {"$user_line", "$extra"}
    expected = [(name, value) for name, value in template if name not in ignore]
    assert [name for name, _ in deploy] == [name for name, _ in expected]
    for (name, template_value), (_, value) in zip(expected, deploy, strict=True):
        if "$" not in template_value:
            assert value == template_value, name
    # Into `icafe broker-log`, which passes the operator's lines on to the container's log.
    assert dict(deploy)["log_dest"] == "file /dev/stdout"


def _start_mosquitto(conf: Path, port: int, tmp: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(binary).exists():
        pytest.skip("mosquitto is not installed (make test installs Debian's)")
    with (tmp / "mosquitto.out").open("wb") as log:
        process = subprocess.Popen([binary, "-c", str(conf)], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"mosquitto exited {process.returncode}:\n{(tmp / 'mosquitto.out').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    pytest.fail("mosquitto did not listen within 10 s")


def _mqtt_connect(port: int, ca: CertificateAuthority, identity: Identity | None) -> bool:
    """An MQTT 3.1.1 CONNECT over TLS; True when the broker accepts it (CONNACK, return code 0)."""
    context = ssl.create_default_context(cafile=str(ca.ca_cert_path))
    if identity is not None:
        context.load_cert_chain(str(identity.cert_path), str(identity.key_path))
    client_id = b"deploy-test"
    body = b"\x00\x04MQTT\x04\x02\x00\x1e" + len(client_id).to_bytes(2, "big") + client_id
    try:
        with (
            socket.create_connection(("127.0.0.1", port), 3) as raw,
            context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            tls.sendall(b"\x10" + bytes([len(body)]) + body)
            return tls.recv(4) == b"\x20\x02\x00\x00"
    except (ssl.SSLError, OSError):
        return False


@pytest.fixture
def broker_ca(tmp_path: Path) -> CertificateAuthority:
    ca = CertificateAuthority.init(tmp_path / "certs", broker_hosts=["localhost"])
    ca.issue("pc-001", site="main")
    ca.issue("pc-002", site="main")
    ca.revoke("pc-002")
    return ca


def _mqtt_subscribe(port: int, ca: CertificateAuthority, name: str, topic_filter: str) -> int:
    """SUBSCRIBE ``topic_filter`` with MQTT 3.1.1 as ``name``: the broker's return code (0x80: refused)."""
    identity = ca.get(name)
    context = ssl.create_default_context(cafile=str(ca.ca_cert_path))
    context.load_cert_chain(str(identity.cert_path), str(identity.key_path))
    client_id = name.encode()
    body = b"\x00\x04MQTT\x04\x02\x00\x1e" + len(client_id).to_bytes(2, "big") + client_id
    request = b"\x00\x01" + len(topic_filter).to_bytes(2, "big") + topic_filter.encode() + b"\x01"
    with (
        socket.create_connection(("127.0.0.1", port), 3) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.sendall(b"\x10" + bytes([len(body)]) + body)
        assert tls.recv(4) == b"\x20\x02\x00\x00"
        tls.sendall(b"\x82" + bytes([len(request)]) + request)
        suback = tls.recv(5)
        assert suback[:4] == b"\x90\x03\x00\x01", suback
        return suback[4]


def _check_broker(conf: Path, port: int, ca: CertificateAuthority, tmp: Path) -> None:
    process = _start_mosquitto(conf, port, tmp)
    try:
        assert _mqtt_connect(port, ca, ca.get("pc-001")), (tmp / "mosquitto.out").read_text()
        assert not _mqtt_connect(port, ca, None), "a client without a certificate was accepted"
        assert not _mqtt_connect(port, ca, ca.get("pc-002")), "a revoked certificate was accepted"
        # The access list is in force: a PC reads its own commands, not the hub's shared subscription.
        assert _mqtt_subscribe(port, ca, "pc-001", "icafe/v1/main/pc/pc-001/cmd") == 1
        assert _mqtt_subscribe(port, ca, "pc-001", "$share/hub/icafe/v1/+/pc/+/events") == 0x80
        assert _mqtt_subscribe(port, ca, "pc-001", "icafe/v1/main/pc/pc-002/cmd") == 0x80
    finally:
        process.terminate()
        process.wait(10)


def test_compose_broker_config_runs_in_mosquitto(tmp_path: Path, broker_ca: CertificateAuthority) -> None:
    """deploy/mosquitto/mosquitto.conf in a real Mosquitto 2, its /mosquitto paths moved to a folder."""
    base = tmp_path / "mosquitto"
    for folder in ("config", "data", "certs"):
        (base / folder).mkdir(parents=True)
    broker = broker_ca.broker_identity()
    for source, name in (
        (broker_ca.ca_cert_path, "ca.crt"),
        (broker_ca.crl_path, "crl.pem"),
        (broker.cert_path, "server.crt"),
        (broker.key_path, "server.key"),
    ):
        shutil.copy(source, base / "certs" / name)
    shutil.copytree(broker_ca.root / CRL_DIR, base / "certs" / "crl.d")
    write_broker_acl(broker_ca, base / "config" / "dynamic-security.json")
    port, hub_port = free_port(), free_port()
    text = BROKER_CONF.read_text().replace("/mosquitto/", f"{base}/")
    text = text.replace("\nlistener 8883\n", f"\nlistener {port} 127.0.0.1\n")
    text = text.replace("\nlistener 8884\n", f"\nlistener {hub_port} 127.0.0.1\n")
    # The image links the plugin to a fixed path; here it is where Debian put it.
    text = text.replace("/usr/local/lib/mosquitto_dynamic_security.so", dynsec_plugin())
    if os.geteuid() == 0:  # as root it would drop to `mosquitto`, who cannot read the test's folder
        text = "user root\n" + text
    conf = base / "config" / "mosquitto.conf"
    conf.write_text(text)
    _check_broker(conf, port, broker_ca, tmp_path)


# --------------------------------------------------------------------------- the image


def dockerfile_lines() -> list[str]:
    """Instructions with their continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    return [
        line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for line in dockerfile_lines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"([A-Z_]+)=(\S+)", line)))
    return env


def test_dockerfile_runs_the_hub_as_a_user_with_a_healthcheck() -> None:
    lines = dockerfile_lines()
    froms = [line for line in lines if line.startswith("FROM ")]
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in lines
    assert froms
    assert all("${PYTHON_IMAGE}" in line for line in froms)
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users, "the image must not run as root: add a USER line"
    assert users[-1].split(":")[0] not in ("root", "0"), "the image must not run as root"
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    assert any(line.startswith("USER ") for line in lines[last_from:])
    health = [line for line in lines if line.startswith("HEALTHCHECK ")]
    assert len(health) == 1
    assert "/healthz" in health[0]
    assert lines[-1] == 'CMD ["icafe", "hub"]'
    install = " ".join(line for line in lines if "pip install" in line)
    assert '".[hub]"' in install
    assert "dev" not in install
    assert "embedded" not in install
    assert dockerfile_env()["ICAFE_HTTP_HOST"] == "0.0.0.0"


def _ignored(path: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for negated, pattern in patterns:
        if any(pattern.fullmatch(candidate) for candidate in candidates):
            verdict = not negated
    return verdict


def _dockerignore() -> list[tuple[bool, re.Pattern[str]]]:
    patterns = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        glob = line.lstrip("!").strip("/")
        regex = re.escape(glob).replace(r"\*\*/", "(?:.*/)?").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        regex = regex.replace(r"\[cod\]", "[cod]")
        patterns.append((negated, re.compile(regex)))
    return patterns


def test_build_context_holds_the_sources_and_no_secrets() -> None:
    patterns = _dockerignore()
    sources = []
    for line in dockerfile_lines():
        if line.startswith("COPY ") and "--from=" not in line:
            sources += line.split()[1:-1]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not _ignored(source, patterns), f"{source} is excluded from the build context"
    assert not _ignored("hub/app.py", patterns)
    for secret in (
        "certs/ca.key",
        ".env",
        "deploy/icafe.env",
        "bundles/pc-001/pc-001.key",
        ".venv/bin/python",
        ".data/demo/secrets.json",
        "ansible/group_vars/hub/vault.yml",
        "hub/__pycache__/app.cpython-311.pyc",
        ".git/config",
    ):
        assert _ignored(secret, patterns), f"{secret} would enter the build context"


# --------------------------------------------------------------------------- Ansible


def ansible_yaml_files() -> list[Path]:
    return sorted(p for p in ANSIBLE.rglob("*") if p.suffix in (".yml", ".yaml"))


def test_every_ansible_yaml_file_parses() -> None:
    files = ansible_yaml_files()
    assert len(files) >= 10
    for path in files:
        assert yaml.safe_load(path.read_text()) is not None, path


def test_inventory_example_has_the_hub_and_pcs_groups() -> None:
    parser = configparser.ConfigParser(allow_no_value=True, delimiters=(" ",), strict=False)
    parser.read_string(re.sub(r"(?m)^\s*#.*$", "", (ANSIBLE / "inventory.example.ini").read_text()))
    assert {"hub", "pcs"} <= set(parser.sections())
    assert len(parser["hub"]) >= 1
    assert len(parser["pcs"]) >= 1


def test_roles_have_defaults_tasks_and_handlers() -> None:
    site = yaml.safe_load((ANSIBLE / "site.yml").read_text())
    used = {
        role if isinstance(role, str) else role["role"] for play in site for role in play.get("roles", [])
    }
    assert used == {"icafe_hub", "icafe_broker", "icafe_agent"}
    plays = {play["hosts"]: play for play in site}
    assert plays["hub"]["become"] is True
    assert plays["broker"]["become"] is True
    for role in used:
        for part in ("defaults", "tasks", "handlers"):
            assert (ROLES / role / part / "main.yml").is_file(), f"{role}/{part}/main.yml"
        assert isinstance(yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()), dict)


def test_tasks_use_fully_qualified_module_names() -> None:
    windows = ROLES / "icafe_agent" / "tasks" / "windows.yml"
    for path in sorted(ROLES.glob("*/tasks/*.yml")) + sorted(ROLES.glob("*/handlers/*.yml")):
        for task in tasks_in(yaml.safe_load(path.read_text())):
            module = module_of(task)
            assert task.get("name"), f"{path}: every task has a name"
            if path == windows:
                assert module.startswith("ansible.windows.") or module == "ansible.builtin.assert", module
            else:
                assert module.startswith("ansible.builtin."), f"{path}: {module}"


def test_linux_agent_tasks_become_root_and_windows_tasks_are_guarded() -> None:
    main = yaml.safe_load((ROLES / "icafe_agent" / "tasks" / "main.yml").read_text())
    by_module = {module_of(task): task for task in main}
    windows = by_module["ansible.builtin.include_tasks"]
    assert windows["ansible.builtin.include_tasks"] == "windows.yml"
    assert windows["when"] == 'ansible_os_family == "Windows"'
    assert "UNTESTED" in windows["name"]
    assert "UNTESTED" in (ROLES / "icafe_agent" / "tasks" / "windows.yml").read_text()
    linux = by_module["ansible.builtin.import_tasks"]
    assert linux["when"] == 'ansible_os_family != "Windows"'
    (block,) = yaml.safe_load((ROLES / "icafe_agent" / "tasks" / "linux.yml").read_text())
    assert block["become"] is True
    modules = {module_of(task) for task in tasks_in([block])}
    assert {"ansible.builtin.user", "ansible.builtin.pip", "ansible.builtin.copy"} <= modules
    assert "ansible.builtin.systemd_service" in modules


def test_ansible_syntax_check(tmp_path: Path) -> None:
    result = subprocess.run(
        [ansible_playbook(), "--syntax-check", "-i", "ansible/inventory.example.ini", "ansible/site.yml"],
        cwd=ROOT,
        env=ansible_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The roles' templates rendered by Ansible itself, with the roles' defaults; the native broker's
    configuration points at a test folder and a free port so that Mosquitto can run it."""
    tmp = tmp_path_factory.mktemp("rendered")
    ca = CertificateAuthority.init(tmp / "certs", broker_hosts=["localhost"])
    ca.issue("pc-001", site="main")
    ca.issue("pc-002", site="main")
    ca.revoke("pc-002")
    conf_dir = tmp / "broker"
    conf_dir.mkdir()
    broker = ca.broker_identity()
    for source, name in (
        (ca.ca_cert_path, "ca.crt"),
        (ca.crl_path, "crl.pem"),
        (broker.cert_path, "server.crt"),
        (broker.key_path, "server.key"),
    ):
        shutil.copy(source, conf_dir / name)
    shutil.copytree(ca.root / CRL_DIR, conf_dir / "crl.d")
    write_broker_acl(ca, conf_dir / "dynamic-security.json")
    (tmp / "persistence").mkdir()
    port = free_port()
    broker_vars = {
        "icafe_broker_source_dir": str(ROOT),
        "icafe_broker_conf_dir": str(conf_dir),
        "icafe_broker_persistence_dir": str(tmp / "persistence"),
        "icafe_broker_log_file": str(tmp / "mosquitto.log"),
        "icafe_broker_port": str(port),
        "icafe_broker_bind_address": "127.0.0.1",
        "icafe_broker_hub_port": str(free_port()),
        "icafe_broker_dynsec_plugin": dynsec_plugin(),
        "icafe_broker_user_line": "user root" if os.geteuid() == 0 else "",
    }
    templates = {
        "icafe-agent.service": ROLES / "icafe_agent" / "templates" / "icafe-agent.service.j2",
        "50-icafe-agent.rules": ROLES / "icafe_agent" / "templates" / "50-icafe-agent.rules.j2",
        "icafe-agent.xml": ROLES / "icafe_agent" / "templates" / "icafe-agent-winsw.xml.j2",
        "mosquitto.conf": ROLES / "icafe_broker" / "templates" / "mosquitto.conf.j2",
        "icafe-broker-log.conf": ROLES / "icafe_broker" / "templates" / "icafe-broker-log.conf.j2",
    }
    play = [
        {
            "name": "render the icafe roles' templates",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars_files": [
                str(ROLES / "icafe_agent" / "defaults" / "main.yml"),
                str(ROLES / "icafe_broker" / "defaults" / "main.yml"),
            ],
            "tasks": [
                {
                    "name": f"render {name}",
                    "ansible.builtin.template": {"src": str(src), "dest": str(tmp / name), "mode": "0644"},
                }
                for name, src in templates.items()
            ],
        }
    ]
    playbook = tmp / "render.yml"
    playbook.write_text(yaml.safe_dump(play))
    # One JSON object: key=value pairs would split "user root" at the space.
    extra = ["-e", json.dumps({**broker_vars, "icafe_agent_pc_id": "pc-001"})]
    result = subprocess.run(
        [
            ansible_playbook(),
            "-i",
            "localhost,",
            str(playbook),
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            *extra,
        ],
        cwd=tmp,
        env=ansible_env(tmp),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return {"dir": tmp, "ca": ca, "port": port, "vars": broker_vars, "conf_dir": conf_dir}


def unit_sections(text: str) -> dict[str, dict[str, list[str]]]:
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        assert current is not None, f"{line!r} outside a section"
        key, _, value = line.partition("=")
        current.setdefault(key, []).append(value)
    return sections


def test_agent_unit_runs_the_agent_and_always_restarts(rendered: dict[str, Any]) -> None:
    unit = unit_sections((rendered["dir"] / "icafe-agent.service").read_text())
    defaults = yaml.safe_load((ROLES / "icafe_agent" / "defaults" / "main.yml").read_text())
    service = unit["Service"]
    assert service["ExecStart"] == [
        f"{defaults['icafe_agent_venv']}/bin/icafe agent-launcher --config /etc/icafe/agent/agent.toml"
    ]
    assert defaults["icafe_agent_config_dir"] == "/etc/icafe/agent"
    assert service["Restart"] == ["always"]
    assert service["User"] == [defaults["icafe_agent_user"]]
    assert service["User"] != ["root"]
    assert service["StateDirectory"] == [Path(defaults["icafe_agent_state_dir"]).name]
    assert unit["Unit"]["StartLimitIntervalSec"] == ["0"]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]
    rules = (rendered["dir"] / "50-icafe-agent.rules").read_text()
    assert f'subject.user !== "{defaults["icafe_agent_user"]}"' in rules
    assert "org.freedesktop.login1.lock-sessions" in rules
    assert "icafe.exe</executable>" in (rendered["dir"] / "icafe-agent.xml").read_text()


def test_agent_unit_passes_systemd_analyze(rendered: dict[str, Any], tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    text = (rendered["dir"] / "icafe-agent.service").read_text()
    # The agent's program and user exist only on a PC; stand-ins let systemd check everything else.
    text = re.sub(r"(?m)^(ExecStart|ExecStartPre)=\S+", rf"\1={shutil.which('true') or '/bin/true'}", text)
    text = re.sub(r"(?m)^(User|Group)=.*$", r"\1=daemon", text)
    unit = tmp_path / "icafe-agent.service"
    unit.write_text(text)
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Unknown" not in output, output
    assert "Failed" not in output, output


def test_native_broker_config_is_the_template_filled_in(rendered: dict[str, Any]) -> None:
    values = rendered["vars"]
    conf_dir = values["icafe_broker_conf_dir"]
    expected = string.Template(BROKER_TEMPLATE.read_text()).substitute(
        user_line=values["icafe_broker_user_line"],
        persistence_dir=values["icafe_broker_persistence_dir"],
        dynsec_plugin=values["icafe_broker_dynsec_plugin"],
        dynsec_file=f"{conf_dir}/dynamic-security.json",
        port=values["icafe_broker_port"],
        bind_address=values["icafe_broker_bind_address"],
        hub_port=values["icafe_broker_hub_port"],
        hub_bind_address="127.0.0.1",
        ca_file=f"{conf_dir}/ca.crt",
        cert_file=f"{conf_dir}/server.crt",
        key_file=f"{conf_dir}/server.key",
        crl_file=f"{conf_dir}/crl.pem",
        crl_dir=f"{conf_dir}/crl.d",
        extra="",
    )
    actual = (rendered["dir"] / "mosquitto.conf").read_text()
    assert directives(actual) == directives(expected)


def test_native_broker_config_runs_in_mosquitto(rendered: dict[str, Any], tmp_path: Path) -> None:
    _check_broker(rendered["dir"] / "mosquitto.conf", rendered["port"], rendered["ca"], tmp_path)


def test_native_broker_runs_under_the_log_watcher_as_its_own_user(
    rendered: dict[str, Any], tmp_path: Path
) -> None:
    """The drop-in over Debian's mosquitto.service: `icafe broker-log` starts Mosquitto, both as the
    `mosquitto` user with umask 077; systemd accepts the unit with it."""
    text = (rendered["dir"] / "icafe-broker-log.conf").read_text()
    service = unit_sections(text)["Service"]
    values = rendered["vars"]
    assert service["User"] == ["mosquitto"]
    assert service["UMask"] == ["0077"]
    assert service["NotifyAccess"] == ["all"]
    start = service["ExecStart"]
    assert start[0] == ""  # clears Debian's own ExecStart first
    command = start[1].split()
    defaults = yaml.safe_load((ROLES / "icafe_broker" / "defaults" / "main.yml").read_text())
    assert command[:2] == [f"{defaults['icafe_broker_venv']}/bin/icafe", "broker-log"]
    assert command[command.index("--") + 1 :] == [
        "/usr/sbin/mosquitto",
        "-c",
        defaults["icafe_broker_config_file"],
    ]
    assert command[command.index("--mqtt-port") + 1] == values["icafe_broker_hub_port"]
    assert command[command.index("--log-file") + 1] == values["icafe_broker_log_file"]
    analyze = shutil.which("systemd-analyze")
    debian_unit = Path("/lib/systemd/system/mosquitto.service")
    if analyze is None or not debian_unit.exists():
        pytest.skip("systemd-analyze or Debian's mosquitto.service is missing")
    # Debian's unit and the drop-in next to it (systemd reads <unit>.d/), programs replaced by stand-ins.
    stand_in = shutil.which("true") or "/bin/true"
    exec_start = re.compile(r"(?m)^ExecStart=\S.*$")
    (tmp_path / "mosquitto.service").write_text(
        exec_start.sub(f"ExecStart={stand_in}", debian_unit.read_text())
    )
    drop_in = re.sub(r"(?m)^(User|Group)=.*$", r"\1=daemon", exec_start.sub(f"ExecStart={stand_in}", text))
    (tmp_path / "mosquitto.service.d").mkdir()
    (tmp_path / "mosquitto.service.d" / "icafe.conf").write_text(drop_in)
    result = subprocess.run(
        [analyze, "verify", str(tmp_path / "mosquitto.service")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Unknown" not in output, output


def test_the_packet_limit_fits_every_valid_message_with_headroom() -> None:
    """max_packet_size bounds every MQTT packet (from the hub too): the largest valid payload
    (protocol.codec.MAX_PAYLOAD: a command or the retained settings with a 32-window tariff), its longest
    topic and the PUBLISH header must fit, with headroom; and it stays a few KB above that, no more."""
    from protocol.codec import MAX_PAYLOAD
    from protocol.topics import TopicKind, topic

    limit = int(dict(directives(BROKER_TEMPLATE.read_text()))["max_packet_size"])
    longest_topic = max(len(topic("s" * 64, "p" * 64, kind)) for kind in TopicKind)
    # Fixed header (1 + up to 4 bytes of length), topic length, packet id, MQTT 5 properties (a few bytes).
    largest_packet = 5 + 2 + longest_topic + 2 + 16 + MAX_PAYLOAD
    assert limit >= largest_packet + 2048, (limit, largest_packet)
    assert limit <= largest_packet + 8192, (limit, largest_packet)
