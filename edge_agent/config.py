"""The agent's configuration: the TOML file written by ``icafe enroll``, plus ``ICAFE_*`` overrides."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from protocol import NAME_PATTERN, is_valid_name


class AgentConfigError(ValueError):
    """The agent's configuration is missing or invalid; the message names the key."""


@dataclass(frozen=True)
class AgentConfig:
    pc_id: str
    site: str
    broker_host: str
    broker_port: int
    ca_file: Path
    cert_file: Path
    key_file: Path
    state_dir: Path
    telemetry_s: float = 5.0
    # Simulated PCs record commands instead of locking or rebooting the machine.
    simulated: bool = False


def _require(table: Mapping[str, object], key: str, kind: type, where: str) -> object:
    if key not in table:
        raise AgentConfigError(f"{where}: missing key {key!r}")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise AgentConfigError(f"{where}: {key!r} must be a {kind.__name__}")
    return value


def load_agent_config(
    path: Path, env: Mapping[str, str] | None = None, *, simulated: bool = False
) -> AgentConfig:
    env = os.environ if env is None else env
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AgentConfigError(f"{path}: {exc}") from None
    where = str(path)
    pc_id = str(_require(data, "pc_id", str, where))
    site = str(_require(data, "site", str, where))
    for key, value in (("pc_id", pc_id), ("site", site)):
        if not is_valid_name(value):
            raise AgentConfigError(f"{where}: {key} {value!r} must match {NAME_PATTERN}")
    broker = data.get("broker")
    if not isinstance(broker, dict):
        raise AgentConfigError(f"{where}: missing table [broker]")
    base = path.parent
    port = int(str(_require(broker, "port", int, f"{where} [broker]")))
    telemetry_s = float(env.get("ICAFE_TELEMETRY_S", data.get("telemetry_s", 5.0)))
    if telemetry_s <= 0:
        raise AgentConfigError("ICAFE_TELEMETRY_S must be positive")
    return AgentConfig(
        pc_id=pc_id,
        site=site,
        broker_host=str(_require(broker, "host", str, f"{where} [broker]")),
        broker_port=port,
        ca_file=base / str(_require(broker, "ca", str, f"{where} [broker]")),
        cert_file=base / str(_require(broker, "cert", str, f"{where} [broker]")),
        key_file=base / str(_require(broker, "key", str, f"{where} [broker]")),
        state_dir=base / str(data.get("state_dir", "state")),
        telemetry_s=telemetry_s,
        simulated=simulated or bool(data.get("simulated", False)),
    )
