"""Enrollment codes and request secrets: made, normalised and hashed here only (no I/O).

A code is 16 characters from an alphabet without look-alikes (no 0/O, 1/I/L, U), 78 bits: shown as four
groups of four, typed with or without dashes and spaces, in any case. Both it and a request's polling
secret are random enough that a plain SHA-256 is all the store needs to keep.
"""

from __future__ import annotations

import hashlib
import secrets

from protocol.enrollment import CODE_ALPHABET, CODE_LENGTH

GROUP = 4


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, CODE_LENGTH, GROUP))


def normalise(code: str) -> str | None:
    """The code as generated, without separators; None if it cannot be one of ours."""
    cleaned = "".join(code.split()).replace("-", "").upper()
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return None
    return cleaned


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def same_secret(secret: str, expected_digest: str) -> bool:
    return secrets.compare_digest(digest(secret), expected_digest)
