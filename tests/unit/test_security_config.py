"""Staff-security settings are validated at start, and errors name the key."""

from __future__ import annotations

import pytest

from hub.config import load_settings
from hub.errors import ConfigError
from hub.security.crypto import generate_key

BASE = {
    "ICAFE_MQTT_CA": "/c/ca.crt",
    "ICAFE_MQTT_CERT": "/c/hub.crt",
    "ICAFE_MQTT_KEY": "/c/hub.key",
    "ICAFE_JWT_SECRET": "s" * 40,
    "ICAFE_ENCRYPTION_KEYS": generate_key("k1"),
}


def test_safe_defaults() -> None:
    settings = load_settings(BASE)
    assert settings.require_2fa_roles == frozenset({"owner", "manager"})
    assert settings.admin_2fa_optional is False
    assert settings.access_token_ttl_s == 900
    assert settings.staff_networks == ""
    assert settings.cors_origins == ""
    assert settings.proxies_count == 0
    assert settings.login_max_failures <= 100


def test_roles_and_flags_from_the_environment() -> None:
    settings = load_settings(
        {**BASE, "ICAFE_REQUIRE_2FA_ROLES": "owner, manager,cashier", "ICAFE_ADMIN_2FA_OPTIONAL": "1"}
    )
    assert settings.require_2fa_roles == frozenset({"owner", "manager", "cashier"})
    assert settings.admin_2fa_optional is True
    assert load_settings({**BASE, "ICAFE_REQUIRE_2FA_ROLES": ""}).require_2fa_roles == frozenset()


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ({"ICAFE_ENCRYPTION_KEYS": "k1:short"}, "ICAFE_ENCRYPTION_KEYS"),
        ({"ICAFE_REQUIRE_2FA_ROLES": "owner,root"}, "ICAFE_REQUIRE_2FA_ROLES"),
        ({"ICAFE_STAFF_NETWORKS": "10.0.0.0/33"}, "ICAFE_STAFF_NETWORKS"),
        ({"ICAFE_LOGIN_MAX_FAILURES": "101"}, "ICAFE_LOGIN_MAX_FAILURES"),
        ({"ICAFE_STAFF_SESSION_IDLE_S": "120"}, "ICAFE_STAFF_SESSION_IDLE_S"),  # below the token lifetime
        (
            {"ICAFE_STAFF_SESSION_IDLE_S": "3600", "ICAFE_STAFF_SESSION_ABSOLUTE_S": "1800"},
            "ICAFE_STAFF_SESSION_ABSOLUTE_S",
        ),
    ],
)
def test_bad_values_name_the_key(override: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load_settings({**BASE, **override})


def test_the_hub_refuses_to_start_without_an_encryption_key() -> None:
    from hub.app import create_app

    settings = load_settings({k: v for k, v in BASE.items() if k != "ICAFE_ENCRYPTION_KEYS"})
    with pytest.raises(ConfigError, match="ICAFE_ENCRYPTION_KEYS"):
        create_app(settings, name="no_key_hub")
