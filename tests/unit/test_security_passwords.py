"""The password policy (ASVS 5.0 V6.2) and argon2id hashing."""

from __future__ import annotations

import pytest

from hub.auth.passwords import (
    COMMON_PASSWORDS,
    MIN_LENGTH,
    WeakPassword,
    check_password_policy,
    generate_password,
    hash_password,
    verify_password,
)


def test_the_bundled_list_has_a_few_hundred_common_passwords() -> None:
    assert len(COMMON_PASSWORDS) >= 300
    assert {"password", "123456", "qwerty", "letmein", "icafe123"} <= COMMON_PASSWORDS


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 12"),
        ("x" * 11, "at least 12"),
        ("a" * 129, "at most 128"),
        ("abababababab", "too few different"),
        ("password1234", "too common"),
        ("Password2024!!", "too common"),  # a common stem with digits and symbols added
        ("qwertyuiop123", "too common"),
        ("123456789012", "too common"),
        ("my name is alice, ok", "username"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, message: str) -> None:
    with pytest.raises(WeakPassword, match=message):
        check_password_policy(password, "alice")


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "Ünïcødé pässphrase ☕", "x7#Lq9!mZ2@w", "tigers eat noodles at 3"],
)
def test_good_passwords_pass_whatever_their_characters(password: str) -> None:
    check_password_policy(password, "alice")


def test_generated_passwords_meet_the_policy() -> None:
    for _ in range(20):
        password = generate_password()
        assert len(password) >= MIN_LENGTH
        check_password_policy(password, "alice")


def test_argon2id_with_the_owasp_parameters() -> None:
    hashed = hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_password(hashed, "correct horse battery staple")
    assert not verify_password(hashed, "correct horse battery stapler")
    assert not verify_password(None, "anything")  # an unknown user never verifies
    assert not verify_password("not-a-hash", "anything")
