"""Field encryption: AES-256-GCM, the key id inside the ciphertext, old keys still decrypt, rotation."""

from __future__ import annotations

import base64

import pytest

from hub.security.crypto import CipherError, FieldCipher, generate_key, parse_keys

OLD = generate_key("k0")
NEW = generate_key("k1")


def test_round_trip_and_format() -> None:
    cipher = FieldCipher.from_setting(NEW)
    sealed = cipher.encrypt("JBSWY3DPEHPK3PXP", "staff_users/totp_secret/u1")
    assert sealed.startswith("enc:v1:k1:")
    assert "JBSWY3DP" not in sealed
    assert cipher.decrypt(sealed, "staff_users/totp_secret/u1") == "JBSWY3DPEHPK3PXP"
    # A fresh nonce each time: equal plaintexts do not give equal ciphertexts.
    assert cipher.encrypt("same") != cipher.encrypt("same")


def test_unicode_and_empty_values() -> None:
    cipher = FieldCipher.from_setting(NEW)
    for value in ("", "Ünïcødé ☕ +7 900 000-00-00"):
        assert cipher.decrypt(cipher.encrypt(value)) == value


def test_old_keys_still_decrypt_and_rotation_moves_values_to_the_current_key() -> None:
    before = FieldCipher.from_setting(OLD)
    sealed = before.encrypt("secret", "aad")
    after = FieldCipher.from_setting(f"{NEW},{OLD}")
    assert after.current_kid == "k1"
    assert after.decrypt(sealed, "aad") == "secret"
    assert after.needs_rotation(sealed)
    rotated = after.rotate(sealed, "aad")
    assert after.key_id(rotated) == "k1"
    assert not after.needs_rotation(rotated)
    assert after.rotate(rotated, "aad") == rotated  # already current: unchanged
    # Once the old key is dropped, only rotated values still decrypt.
    only_new = FieldCipher.from_setting(NEW)
    assert only_new.decrypt(rotated, "aad") == "secret"
    with pytest.raises(CipherError, match="not configured"):
        only_new.decrypt(sealed, "aad")


def test_tampering_and_moving_a_value_are_detected() -> None:
    cipher = FieldCipher.from_setting(NEW)
    sealed = cipher.encrypt("secret", "staff_users/totp_secret/u1")
    body = sealed.rsplit(":", 1)[1]
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[-1] ^= 1
    tampered = sealed.rsplit(":", 1)[0] + ":" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(CipherError):
        cipher.decrypt(tampered, "staff_users/totp_secret/u1")
    # The same ciphertext copied to another user's record does not decrypt there.
    with pytest.raises(CipherError):
        cipher.decrypt(sealed, "staff_users/totp_secret/u2")
    for broken in ("plain", "enc:v1:", "enc:v1:k1", "enc:v1:k1:!!!"):
        with pytest.raises(CipherError):
            cipher.decrypt(broken)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("", "no key"),
        ("k1", "expected"),
        ("bad id!:AAAA", "expected"),
        ("k1:" + base64.b64encode(b"short").decode(), "32 bytes"),
        (f"{NEW},{NEW}", "twice"),
    ],
    ids=["empty", "no-key", "bad-id", "short", "twice"],  # NEW is random: not in a test's id
)
def test_bad_key_settings_name_the_problem(setting: str, message: str) -> None:
    with pytest.raises(CipherError, match=message):
        parse_keys(setting)


def test_generated_keys_are_256_bit() -> None:
    kid, key = parse_keys(generate_key("prod-2026"))[0]
    assert kid == "prod-2026"
    assert len(key) == 32
    with pytest.raises(CipherError):
        generate_key("no spaces allowed")
