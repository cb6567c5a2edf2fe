"""Security headers and the staff-network allow-list."""

from __future__ import annotations

import pytest

from hub.security.headers import security_headers
from hub.security.network import NetworkAllowList, parse_networks


def test_api_responses_carry_the_security_headers() -> None:
    headers = security_headers("/api/v1/pcs", "http", "application/json")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers


def test_hsts_only_over_tls() -> None:
    for scheme in ("https", "wss"):
        assert "max-age=" in security_headers("/api/v1/pcs", scheme, None)["Strict-Transport-Security"]


def test_pages_get_a_policy_that_lets_them_run() -> None:
    headers = security_headers("/docs", "https", "text/html; charset=utf-8")
    assert "script-src" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "Cache-Control" not in headers


def test_an_empty_allow_list_allows_everyone() -> None:
    assert NetworkAllowList([]).allows("203.0.113.9")


def test_the_allow_list_admits_listed_networks_only() -> None:
    allowed = NetworkAllowList(parse_networks("10.0.0.0/8, 192.168.1.0/24, 2001:db8::/32"))
    assert allowed.allows("10.1.2.3")
    assert allowed.allows("192.168.1.77")
    assert allowed.allows("::ffff:10.9.9.9")  # IPv4-mapped IPv6
    assert allowed.allows("2001:db8::1")
    assert not allowed.allows("192.168.2.1")
    assert not allowed.allows("127.0.0.1")  # loopback is not implied
    assert not allowed.allows("")
    assert not allowed.allows("unix:/run/hub.sock")


def test_bad_networks_are_named() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.300"):
        parse_networks("10.0.0.0/8, 10.0.0.300/32")
