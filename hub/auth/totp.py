"""TOTP (RFC 6238) second factor: secrets, enrolment QR codes, code checks and recovery codes.

A code is checked against the current 30 s step and one step either side (clock drift); the caller gets
the matched step back so it can refuse a step already used (replay protection lives in Redis,
``hub.auth.state``). Recovery codes carry 120 random bits, so a plain SHA-256 is a fit store for them
(ASVS 5.0 V6.5: secrets of 112 bits or more need no slow hash).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets

import pyotp
import segno

STEP_S = 30
DRIFT_STEPS = 1
DIGITS = 6
ISSUER_NAME = "icafe"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read aloud or off paper


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, username: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).provisioning_uri(
        name=username, issuer_name=ISSUER_NAME
    )


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an SVG QR code, to show once at enrolment."""
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=4, xmldecl=False, svgns=True)
    return out.getvalue().decode("ascii")


def matching_step(secret: str, code: str, now_s: float) -> int | None:
    """The time step whose code equals ``code`` (within the drift window), or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S)
    current = int(now_s // STEP_S)
    found: int | None = None
    # Compare against every step in the window, in constant time, whatever matches first.
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * STEP_S), code) and found is None:
            found = step
    return found


def code_at(secret: str, at_s: float) -> str:
    """The code a phone shows at ``at_s`` (tests and the CLI)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_S).at(int(at_s))


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Codes like ``k7pm-2xqa-9fhd-w3tc-bn8e-ru4s`` (24 characters of 32 symbols: 120 bits)."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(24))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 24, 4)))
    return codes


def normalize_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalize_recovery_code(code).encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(normalize_recovery_code(code)) == 24
