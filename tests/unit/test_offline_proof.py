"""Offline logins (protocol.offline, hub.member_secrets): the key derived from the member's secret checks
it and signs the session; the verifier a PC caches (the public key) cannot sign; PINs never get one."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.member_secrets import SecretRefused, kind_of, new_secret, offline_capable
from protocol import KdfCost, OfflineVerifier
from protocol.offline import derive_key, matches, new_salt, public_key, sign, verify

COST = KdfCost(time_cost=1, memory_kib=8 * 1024)  # the real cost is 64 MiB; the logic is the same
SECRET = "violet mango river canoe 42"


@pytest.fixture(scope="module")
def verifier() -> OfflineVerifier:
    salt = new_salt()
    return OfflineVerifier(
        salt=salt, public_key=public_key(derive_key(SECRET, salt, COST)), cost=COST, expires_at=1
    )


def test_the_typed_secret_yields_the_members_key_and_signs(verifier: OfflineVerifier) -> None:
    key = derive_key(SECRET, verifier.salt, verifier.cost)
    assert matches(key, verifier)
    assert not matches(derive_key(SECRET + " ", verifier.salt, verifier.cost), verifier)
    proof = sign(key, "pc-1", "s-1", "m-1", 1_700_000_000_000)
    assert len(proof) == 86
    assert verify(verifier.public_key, proof, "pc-1", "s-1", "m-1", 1_700_000_000_000)


@pytest.mark.parametrize(
    ("pc", "session", "member", "started_at"),
    [
        ("pc-2", "s-1", "m-1", 1),
        ("pc-1", "s-2", "m-1", 1),
        ("pc-1", "s-1", "m-2", 1),
        ("pc-1", "s-1", "m-1", 2),
    ],
)
def test_a_proof_holds_for_its_own_pc_session_member_and_start_only(
    verifier: OfflineVerifier, pc: str, session: str, member: str, started_at: int
) -> None:
    proof = sign(derive_key(SECRET, verifier.salt, verifier.cost), "pc-1", "s-1", "m-1", 1)
    assert not verify(verifier.public_key, proof, pc, session, member, started_at)


def test_what_a_pc_caches_cannot_make_a_proof(verifier: OfflineVerifier) -> None:
    """Anyone holding the cache has the salt, the cost and the public key: any key they can make without
    the secret (from those values themselves, or at random) signs nothing the hub accepts."""
    forgeries = [
        Ed25519PrivateKey.generate(),
        derive_key(verifier.public_key, verifier.salt, verifier.cost),
        derive_key(verifier.salt, verifier.salt, verifier.cost),
    ]
    for key in forgeries:
        assert not verify(verifier.public_key, sign(key, "pc-1", "s-1", "m-1", 1), "pc-1", "s-1", "m-1", 1)
    for junk in ("A" * 86, "", "not base64!"):
        assert not verify(verifier.public_key, junk, "pc-1", "s-1", "m-1", 1)


@pytest.mark.parametrize(
    ("secret", "kind"),
    [("1234", "pin"), ("0000", "pin"), ("correct horse", "password"), ("Tr0ub4dor&3x", "password")],
)
def test_a_secret_is_a_pin_or_a_password(secret: str, kind: str) -> None:
    assert kind_of(secret, "aziz") == kind


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("123", "exactly 4 digits"),
        ("12345678", "exactly 4 digits"),  # digits only: a PIN, and PINs are 4 digits
        ("abc", "8 to 128"),
        ("x" * 129, "8 to 128"),
        ("password1", "too common"),
        ("Password!", "too common"),
        ("aziz-the-great", "login"),
        ("abababab", "too few different"),
    ],
)
def test_secrets_that_break_the_rules_say_why(secret: str, why: str) -> None:
    with pytest.raises(SecretRefused, match=why):
        kind_of(secret, "aziz")


def test_only_strong_passwords_are_offline_capable() -> None:
    assert offline_capable(SECRET, "aziz")
    for weak in ("1234", "correct horse", "Tr0ub4dor&3", "aziz2024aziz"):
        assert not offline_capable(weak, "aziz")


def test_a_pin_never_gets_an_offline_key() -> None:
    assert new_secret("1234", "aziz").offline_key is None
    assert new_secret("correct horse", "aziz").offline_key is None  # a password, but guessable
    strong = new_secret(SECRET, "aziz")
    assert strong.kind == "password"
    assert strong.offline_key is not None
    assert "argon2" not in str(strong.offline_key)
