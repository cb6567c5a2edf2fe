"""TOTP codes within one step of drift, and recovery codes."""

from __future__ import annotations

import math

from hub.auth import totp

SECRET = totp.new_secret()
NOW = 1_800_000_015.0  # 15 s into a step


def test_codes_match_within_one_step_of_drift_and_report_their_step() -> None:
    step = int(NOW // 30)
    for offset in (-1, 0, 1):
        code = totp.code_at(SECRET, NOW + 30 * offset)
        assert totp.matching_step(SECRET, code, NOW) == step + offset
    for offset in (-3, -2, 2, 3):
        code = totp.code_at(SECRET, NOW + 30 * offset)
        found = totp.matching_step(SECRET, code, NOW)
        # A far code is refused (unless it happens to equal a near one, one chance in a million).
        assert found is None or found in (step - 1, step, step + 1)


def test_malformed_codes_do_not_match() -> None:
    for code in ("", "12345", "1234567", "abcdef", "12 34"):
        assert totp.matching_step(SECRET, code, NOW) is None
    spaced = totp.code_at(SECRET, NOW)
    assert totp.matching_step(SECRET, f"{spaced[:3]} {spaced[3:]}", NOW) == int(NOW // 30)


def test_enrolment_uri_and_qr_code() -> None:
    uri = totp.provisioning_uri(SECRET, "alice")
    assert uri.startswith("otpauth://totp/icafe:alice?")
    assert f"secret={SECRET}" in uri
    svg = totp.qr_svg(uri)
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")


def test_recovery_codes_have_at_least_112_bits_and_hash_stably() -> None:
    codes = totp.new_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    bits = 24 * math.log2(32)
    assert bits >= 112
    for code in codes:
        assert totp.looks_like_recovery_code(code)
        # Typed back in any case, with or without dashes and spaces, it hashes the same.
        assert totp.hash_recovery_code(code) == totp.hash_recovery_code(code.upper().replace("-", " "))
    assert not totp.looks_like_recovery_code("123456")
