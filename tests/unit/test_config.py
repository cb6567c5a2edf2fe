"""Configuration errors name the bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.config import AgentConfigError, load_agent_config
from hub.config import load_settings
from hub.errors import ConfigError

BASE = {
    "ICAFE_MQTT_CA": "/c/ca.crt",
    "ICAFE_MQTT_CERT": "/c/hub.crt",
    "ICAFE_MQTT_KEY": "/c/hub.key",
    "ICAFE_JWT_SECRET": "s" * 40,
}


def test_hub_settings_from_environment() -> None:
    settings = load_settings({**BASE, "ICAFE_HTTP_PORT": "9000", "ICAFE_COMMAND_TIMEOUT_S": "2.5"})
    assert settings.http_port == 9000
    assert settings.command_timeout_s == 2.5
    assert settings.http_host == "127.0.0.1"  # safe default: loopback only


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"ICAFE_HTTP_PORT": "eighty"}, "ICAFE_HTTP_PORT"),
        ({"ICAFE_HTTP_PORT": "70000"}, "ICAFE_HTTP_PORT"),
        ({"ICAFE_JWT_SECRET": "short"}, "ICAFE_JWT_SECRET"),
        ({"ICAFE_COMMAND_TIMEOUT_S": "0"}, "ICAFE_COMMAND_TIMEOUT_S"),
        ({"ICAFE_CURRENCY": "XXX"}, "ICAFE_CURRENCY"),
        ({"ICAFE_LANGUAGE": "de"}, "ICAFE_LANGUAGE"),
        ({"ICAFE_TIMEZONE": "Mars/Olympus"}, "ICAFE_TIMEZONE"),
    ],
)
def test_hub_settings_errors_name_the_key(override: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load_settings({**BASE, **override})


def test_missing_required_hub_setting_is_named() -> None:
    env = {k: v for k, v in BASE.items() if k != "ICAFE_JWT_SECRET"}
    with pytest.raises(ConfigError, match="ICAFE_JWT_SECRET"):
        load_settings(env)


def test_hub_settings_from_toml_file_with_env_winning(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('http_port = 8100\nsite = "branch-2"\n')
    settings = load_settings({**BASE, "ICAFE_CONFIG": str(config), "ICAFE_SITE": "branch-3"})
    assert settings.http_port == 8100
    assert settings.site == "branch-3"


AGENT_TOML = """pc_id = "pc-001"
site = "main"

[broker]
host = "localhost"
port = 8883
ca = "ca.crt"
cert = "pc-001.crt"
key = "pc-001.key"
"""


def test_agent_config_resolves_paths_next_to_the_file(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(AGENT_TOML)
    config = load_agent_config(path, {"ICAFE_TELEMETRY_S": "2"})
    assert config.pc_id == "pc-001"
    assert config.broker_port == 8883
    assert config.cert_file == tmp_path / "pc-001.crt"
    assert config.state_dir == tmp_path / "state"
    assert config.telemetry_s == 2.0
    assert config.simulated is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (AGENT_TOML.replace('pc_id = "pc-001"', 'pc_id = "pc/1"'), "pc_id"),
        (AGENT_TOML.replace("port = 8883", 'port = "x"'), "port"),
        (AGENT_TOML.replace('site = "main"\n', ""), "site"),
        (AGENT_TOML.split("[broker]")[0], r"\[broker\]"),
        ("pc_id = ", "agent.toml"),
    ],
)
def test_agent_config_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "agent.toml"
    path.write_text(text)
    with pytest.raises(AgentConfigError, match=message):
        load_agent_config(path, {})
