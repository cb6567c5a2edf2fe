"""Offline logins: the verifier a PC may cache for a member, and the proof it journals with an offline
session, so the hub can tell that the member's secret was typed at that PC.

From the member's secret and a salt of their own, argon2id (deliberately slow and memory-hard) derives 32
bytes: the seed of an Ed25519 key pair. The hub derives it once, when the secret is set, and keeps only
the public key (and the salt and cost). A PC where the member logged in caches that *public key* as its
verifier: at an offline login it derives the key pair from what the customer typed, lets them in if the
public key matches, and signs (pc, session, member, start) with the private key, which it never stores.
A public key cannot sign, so whoever copies the PC's cache cannot forge a session; they can only guess the
secret offline at argon2id's cost per guess, which is why the hub hands verifiers out only for passwords
strong enough to resist that (``hub.member_secrets``), never for PINs.

One derivation both checks the secret and yields the signing key: a second, separate hash on the PC would
add no protection (it is as guessable as the public key) and double the wait at the lock screen.
"""

from __future__ import annotations

import base64
import hmac
import secrets

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from protocol.messages import KdfCost, OfflineVerifier

DOMAIN = b"icafe offline session v1"
SALT_BYTES = 16


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_salt() -> str:
    return b64(secrets.token_bytes(SALT_BYTES))


def derive_key(secret: str, salt: str, cost: KdfCost) -> Ed25519PrivateKey:
    """The member's signing key from their secret (slow on purpose: call it off the event loop)."""
    seed = hash_secret_raw(
        secret.encode(),
        unb64(salt),
        time_cost=cost.time_cost,
        memory_cost=cost.memory_kib,
        parallelism=cost.parallelism,
        hash_len=32,
        type=Type.ID,
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key(key: Ed25519PrivateKey) -> str:
    return b64(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def matches(key: Ed25519PrivateKey, verifier: OfflineVerifier) -> bool:
    """True when ``key`` (derived from what was typed) is the member's: the secret was right."""
    return hmac.compare_digest(public_key(key), verifier.public_key)


def _statement(pc_id: str, session_id: str, member_id: str, started_at: int) -> bytes:
    # Ids never contain a NUL (protocol's id rule), so the fields cannot run into each other.
    return b"\0".join(
        [DOMAIN, pc_id.encode(), session_id.encode(), member_id.encode(), str(started_at).encode()]
    )


def sign(key: Ed25519PrivateKey, pc_id: str, session_id: str, member_id: str, started_at: int) -> str:
    """The proof of an offline session: 86 characters of base64url."""
    return b64(key.sign(_statement(pc_id, session_id, member_id, started_at)))


def verify(public: str, proof: str, pc_id: str, session_id: str, member_id: str, started_at: int) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(unb64(public))
        key.verify(unb64(proof), _statement(pc_id, session_id, member_id, started_at))
    except (InvalidSignature, ValueError):
        return False
    return True
