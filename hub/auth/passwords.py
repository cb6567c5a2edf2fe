"""argon2id password hashing (OWASP: at least m=19 MiB, t=2, p=1) and the password policy.

The policy follows ASVS 5.0 (V6.2): at least 12 characters, up to 128, any characters, no composition
rules, and not one of the common passwords bundled in ``common_passwords.txt``. Hashing and verifying
are deliberately slow: callers on the event loop run them with ``asyncio.to_thread``.
"""

from __future__ import annotations

import secrets
import string
import unicodedata
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# Verified against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = _hasher.hash("icafe-dummy-password")


def _load_common() -> frozenset[str]:
    # Read once at import, before the hub's event loop runs (and its blocking-call guard is on).
    text = resources.files("hub.auth").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


COMMON_PASSWORDS = _load_common()


class WeakPassword(ValueError):
    """The password breaks the policy; the message says how."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _is_common(password: str) -> bool:
    lowered = password.lower()
    # "Password2024!" is as guessable as "password": compare the stem without trailing digits/symbols too.
    stem = lowered.rstrip(string.digits + string.punctuation + " ")
    return lowered in COMMON_PASSWORDS or (len(stem) >= 4 and stem in COMMON_PASSWORDS)


def check_password_policy(password: str, username: str = "") -> None:
    """Raise ``WeakPassword`` naming the first rule the password breaks."""
    # Length counts characters as a person typed them, whatever their normal form.
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_LENGTH:
        raise WeakPassword(f"the password must have at least {MIN_LENGTH} characters")
    if length > MAX_LENGTH:
        raise WeakPassword(f"the password must have at most {MAX_LENGTH} characters")
    if len(set(password)) < 4:
        raise WeakPassword("the password repeats too few different characters")
    if _is_common(password):
        raise WeakPassword("the password is too common; choose a longer phrase of your own")
    if username and len(username) >= 3 and username.lower() in password.lower():
        raise WeakPassword("the password must not contain the username")


def generate_password() -> str:
    """A random password that meets the policy (for a new user or a reset): 20 characters, ~119 bits."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(20))
