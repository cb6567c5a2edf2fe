"""Members' secrets: a 4-digit PIN or a password, what each must be, and what a PC may cache of it.

- A **PIN** is exactly ``PIN_LENGTH`` digits. It is checked online only, against the hub's argon2id hash,
  within the login limits (``hub.mqtt.login_limits``): no PC ever caches anything of a PIN, because 10,000
  guesses crack any hash of it offline.
- A **password** has ``PASSWORD_MIN``-``PASSWORD_MAX`` characters, is not only digits, is not common
  (the staff list, ``hub.auth.passwords``) and does not contain the login.
- A password that zxcvbn estimates at ``OFFLINE_MIN_GUESSES`` guesses or more is also **offline-capable**:
  the hub derives the member's offline key pair from it (``protocol.offline``) and may hand the public key
  to the PCs where the member logs in, so they can let the member in while the hub is unreachable. At
  argon2id's cost (64 MiB, 3 passes) even a rig of GPUs manages about 10^4 guesses a second, so 10^12
  guesses take years.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from zxcvbn import zxcvbn

from hub.auth.passwords import COMMON_PASSWORDS, hash_password
from protocol import KdfCost
from protocol.offline import derive_key, new_salt, public_key

PIN_LENGTH = 4
PASSWORD_MIN = 8
PASSWORD_MAX = 128
OFFLINE_MIN_GUESSES_LOG10 = 12
PIN: Literal["pin"] = "pin"
PASSWORD: Literal["password"] = "password"  # noqa: S105 - the kind, not a password


class SecretRefused(ValueError):
    """The secret breaks the rules; the message says which."""


def kind_of(secret: str, login: str) -> Literal["pin", "password"]:
    """``pin`` or ``password``; SecretRefused when it is neither a valid PIN nor a valid password."""
    if secret.isascii() and secret.isdigit():
        if len(secret) != PIN_LENGTH:
            raise SecretRefused(
                f"a PIN is exactly {PIN_LENGTH} digits; for anything longer choose a password "
                f"({PASSWORD_MIN}+ characters, not only digits)"
            )
        return PIN
    if not PASSWORD_MIN <= len(secret) <= PASSWORD_MAX:
        raise SecretRefused(
            f"a password has {PASSWORD_MIN} to {PASSWORD_MAX} characters (or use a {PIN_LENGTH}-digit PIN)"
        )
    lowered = secret.lower()
    if lowered in COMMON_PASSWORDS or lowered.rstrip("0123456789!. ") in COMMON_PASSWORDS:
        raise SecretRefused("this password is too common; choose a phrase of your own")
    if len(login) >= 3 and login.lower() in lowered:
        raise SecretRefused("the password must not contain the login")
    if len(set(secret)) < 4:
        raise SecretRefused("the password repeats too few different characters")
    return PASSWORD


def offline_capable(secret: str, login: str) -> bool:
    """A password strong enough to resist offline guessing of a verifier copied from a PC."""
    estimate = zxcvbn(secret[:100], user_inputs=[login])
    return float(estimate["guesses_log10"]) >= OFFLINE_MIN_GUESSES_LOG10


@dataclass(frozen=True)
class MemberSecret:
    kind: Literal["pin", "password"]
    secret_hash: str
    # {"key_id", "salt", "public_key", "cost"} for an offline-capable password, else None.
    offline_key: dict[str, Any] | None


def new_secret(secret: str, login: str) -> MemberSecret:
    """Check and hash a new secret, deriving its offline key when it qualifies. Slow (argon2id, twice for
    an offline-capable password): run it in a worker thread."""
    kind = kind_of(secret, login)
    offline = None
    if kind == PASSWORD and offline_capable(secret, login):
        cost, salt = KdfCost(), new_salt()
        public = public_key(derive_key(secret, salt, cost))
        # The salt is new each time, so the key id changes with every new secret.
        offline = {"key_id": salt, "salt": salt, "public_key": public, "cost": cost.model_dump()}
    return MemberSecret(kind, hash_password(secret), offline)
