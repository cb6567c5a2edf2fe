"""Access and MFA-pending JWTs: only HS256 under our secret, with exp, iat, iss, aud and type checked.

Every forgery the JWT literature lists is refused: ``alg: none``, another key, the RS256/HS256
confusion (a token signed with the server's public key used as an HMAC secret), RS256 itself, expired,
wrong audience or issuer, tampered payload, and one kind of token passed off as the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hub.auth.tokens import AUDIENCE, ISSUER, MFA_AUDIENCE, InvalidToken, TokenIssuer

SECRET = "s" * 64
issuer = TokenIssuer(SECRET, ttl_s=900)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    payload: dict[str, Any] = {
        "typ": "access",
        "sub": "u1",
        "name": "mallory",
        "role": "owner",
        "scope": "full",
        "sid": "s1",
        "gen": 0,
        "jti": "j1",
        "iat": now,
        "exp": now + 600,
        "iss": ISSUER,
        "aud": AUDIENCE,
    }
    payload.update(overrides)
    return payload


def hand_signed(header: dict[str, Any], payload: dict[str, Any], key: bytes, digest: Any) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{b64(signature)}"


def test_a_token_we_issue_verifies_with_its_claims() -> None:
    token, issued = issuer.issue("u1", "alice", "cashier", int(time.time()), session_id="s9", generation=3)
    verified = issuer.verify(token)
    assert verified == issued
    assert verified.session_id == "s9"
    assert verified.generation == 3
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_alg_none_is_refused() -> None:
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    unsigned = f"{header}.{b64(json.dumps(claims()).encode())}."
    with pytest.raises(InvalidToken):
        issuer.verify(unsigned)
    # Also with the library's own unsigned encoding.
    with pytest.raises(InvalidToken):
        issuer.verify(jwt.encode(claims(), None, algorithm="none"))  # type: ignore[arg-type]


def test_a_token_signed_with_another_key_is_refused() -> None:
    forged = jwt.encode(claims(), "x" * 48, algorithm="HS256")
    with pytest.raises(InvalidToken):
        issuer.verify(forged)


def test_hs256_rs256_confusion_is_refused() -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    # A genuine RS256 token: the algorithm is not on the allow-list.
    rs256 = jwt.encode(claims(), private, algorithm="RS256")
    with pytest.raises(InvalidToken):
        issuer.verify(rs256)
    # The classic confusion: HS256 keyed with the public PEM, hoping the server uses its "key" for both.
    confused = hand_signed({"alg": "HS256", "typ": "JWT"}, claims(), public_pem, hashlib.sha256)
    with pytest.raises(InvalidToken):
        issuer.verify(confused)
    # And a server that had the public PEM as its secret must still refuse RS256.
    pem_issuer = TokenIssuer(public_pem.decode(), ttl_s=900)
    with pytest.raises(InvalidToken):
        pem_issuer.verify(rs256)


@pytest.mark.parametrize("alg", ["HS384", "HS512"])
def test_other_hmac_algorithms_are_refused(alg: str) -> None:
    with pytest.raises(InvalidToken):
        issuer.verify(jwt.encode(claims(), SECRET, algorithm=alg))


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": int(time.time()) - 60},  # expired (beyond the 5 s leeway)
        {"aud": "someone-else"},
        {"iss": "evil-hub"},
        {"iat": int(time.time()) + 3600},  # issued in the future
        {"typ": "mfa"},  # another kind of token
        {"scope": "root"},
    ],
    ids=["expired", "audience", "issuer", "future-iat", "type", "scope"],
)
def test_bad_claims_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidToken):
        issuer.verify(jwt.encode(claims(**overrides), SECRET, algorithm="HS256"))


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud", "sub", "jti", "typ"])
def test_required_claims_must_be_present(missing: str) -> None:
    payload = claims()
    del payload[missing]
    with pytest.raises(InvalidToken):
        issuer.verify(jwt.encode(payload, SECRET, algorithm="HS256"))


def test_a_tampered_payload_is_refused() -> None:
    token, _ = issuer.issue("u1", "carol", "cashier", int(time.time()))
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["role"] = "owner"
    tampered = f"{header}.{b64(json.dumps(body).encode())}.{signature}"
    with pytest.raises(InvalidToken):
        issuer.verify(tampered)


def test_mfa_and_access_tokens_cannot_stand_in_for_each_other() -> None:
    now = int(time.time())
    mfa, _ = issuer.issue_mfa("u1", 0, now)
    access, _ = issuer.issue("u1", "alice", "owner", now)
    with pytest.raises(InvalidToken):
        issuer.verify(mfa)
    with pytest.raises(InvalidToken):
        issuer.verify_mfa(access)
    # Same audience trick: an access-typed payload under the MFA audience is refused too.
    with pytest.raises(InvalidToken):
        issuer.verify(jwt.encode(claims(aud=MFA_AUDIENCE), SECRET, algorithm="HS256"))
    assert issuer.verify_mfa(mfa).user_id == "u1"


def test_access_token_never_outlives_its_session() -> None:
    now = int(time.time())
    _, claimed = issuer.issue("u1", "alice", "owner", now, not_after_s=now + 60)
    assert claimed.expires_at == now + 60


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "x" * 5000])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidToken):
        issuer.verify(garbage)
