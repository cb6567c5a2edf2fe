"""Field encryption at rest: AES-256-GCM with the key id inside each ciphertext.

Keys come from ``ICAFE_ENCRYPTION_KEYS`` as ``"kid1:<base64 32 bytes>,kid0:<base64 32 bytes>"``: the
first encrypts, every listed key decrypts, so a key can be rotated in without a flag day:

1. prepend a new key (``icafe keys generate`` prints one) and restart the hubs;
2. ``icafe keys rotate`` re-encrypts every field listed in ``ENCRYPTED_FIELDS`` with it;
3. drop the old key from the setting.

Ciphertext format: ``enc:v1:<kid>:<urlsafe base64 of 12-byte nonce + ciphertext + tag>``. An optional
associated-data string binds a value to where it is stored (e.g. the owning record's id), so a value
copied into another record does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "enc:v1:"
NONCE_BYTES = 12
KEY_BYTES = 32
_KID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class CipherError(Exception):
    """A key setting is malformed, or a value does not decrypt (unknown key, tampered, wrong place)."""


def parse_keys(setting: str) -> list[tuple[str, bytes]]:
    """``"kid1:b64,kid0:b64"`` → [(kid, key)], first is current. Raises CipherError naming the problem."""
    keys: list[tuple[str, bytes]] = []
    for part in (p.strip() for p in setting.split(",")):
        if not part:
            continue
        kid, sep, encoded = part.partition(":")
        if not sep or not _KID.match(kid):
            raise CipherError(f"key {kid!r}: expected '<key id>:<base64 key>' with an id of [A-Za-z0-9_.-]")
        try:
            key = base64.b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4), validate=False)
        except (binascii.Error, ValueError):
            raise CipherError(f"key {kid!r}: not base64") from None
        if len(key) != KEY_BYTES:
            raise CipherError(f"key {kid!r}: must be {KEY_BYTES} bytes (AES-256), got {len(key)}")
        if any(existing == kid for existing, _ in keys):
            raise CipherError(f"key id {kid!r} is listed twice")
        keys.append((kid, key))
    if not keys:
        raise CipherError("no key given")
    return keys


def generate_key(kid: str) -> str:
    """A new ``kid:base64`` entry for the setting."""
    if not _KID.match(kid):
        raise CipherError(f"key id {kid!r}: use [A-Za-z0-9_.-], at most 32 characters")
    return f"{kid}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


class FieldCipher:
    def __init__(self, keys: Iterable[tuple[str, bytes]]) -> None:
        listed = list(keys)
        self._keys = {kid: AESGCM(key) for kid, key in listed}
        if not self._keys:
            raise CipherError("no key given")
        self.current_kid = next(iter(self._keys))
        # Blind indexes use keys of their own, derived from each encryption key (never the key itself).
        self._index_keys = {kid: _derive(key, b"icafe/blind-index/v1") for kid, key in listed}

    def blind_index(self, value: str, purpose: str) -> str:
        """A keyed digest of ``value`` under the current key, ``<kid>:<hex>``: a stored field can be found
        by an exact value (a phone number) without the store ever holding the value in the clear."""
        return self._digest(self.current_kid, value, purpose)

    def blind_indexes(self, value: str, purpose: str) -> list[str]:
        """``value``'s digest under every configured key: what a lookup matches, so values indexed before
        a key rotation are still found until ``icafe keys rotate`` re-indexes them."""
        return [self._digest(kid, value, purpose) for kid in self._index_keys]

    def _digest(self, kid: str, value: str, purpose: str) -> str:
        mac = hmac.new(self._index_keys[kid], f"{purpose}\0{value}".encode(), hashlib.sha256)
        return f"{kid}:{mac.hexdigest()[:32]}"

    @classmethod
    def from_setting(cls, setting: str) -> FieldCipher:
        return cls(parse_keys(setting))

    def encrypt(self, plaintext: str, aad: str = "") -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current_kid].encrypt(nonce, plaintext.encode(), self._aad(aad))
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}{self.current_kid}:{body}"

    def decrypt(self, ciphertext: str, aad: str = "") -> str:
        kid, body = self._split(ciphertext)
        cipher = self._keys.get(kid)
        if cipher is None:
            raise CipherError(f"encrypted with key {kid!r}, which is not configured")
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], self._aad(aad))
        except (InvalidTag, ValueError, binascii.Error):
            raise CipherError("the value does not decrypt: tampered, or stored elsewhere") from None
        return plain.decode()

    def key_id(self, ciphertext: str) -> str:
        return self._split(ciphertext)[0]

    def needs_rotation(self, ciphertext: str) -> bool:
        return self.key_id(ciphertext) != self.current_kid

    def rotate(self, ciphertext: str, aad: str = "") -> str:
        """The value under the current key (unchanged if it already is)."""
        if not self.needs_rotation(ciphertext):
            return ciphertext
        return self.encrypt(self.decrypt(ciphertext, aad), aad)

    @staticmethod
    def is_encrypted(value: object) -> bool:
        return isinstance(value, str) and value.startswith(PREFIX)

    @staticmethod
    def _split(ciphertext: str) -> tuple[str, str]:
        if not ciphertext.startswith(PREFIX):
            raise CipherError("not an encrypted value")
        kid, sep, body = ciphertext[len(PREFIX) :].partition(":")
        if not sep or not kid or not body:
            raise CipherError("malformed encrypted value")
        return kid, body

    @staticmethod
    def _aad(aad: str) -> bytes:
        return f"icafe/{aad}".encode()


def _derive(key: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=SHA256(), length=KEY_BYTES, salt=None, info=info).derive(key)


@dataclass(frozen=True)
class EncryptedField:
    """A stored field that holds ``FieldCipher`` ciphertext; ``icafe keys rotate`` walks all of these.

    ``aad`` names how the value was bound when encrypted: ``"id"`` means ``aad=<collection>/<field>/<_id>``
    (see ``field_aad``), ``""`` means no associated data.
    """

    collection: str
    field: str  # may be a dotted path
    aad: str = "id"


def field_aad(collection: str, field: str, record_id: object) -> str:
    return f"{collection}/{field}/{record_id}"


# Every encrypted field in the store. Add yours here (e.g. members' contact data) so rotation covers it.
ENCRYPTED_FIELDS: list[EncryptedField] = [
    EncryptedField("staff_users", "totp_secret"),
    EncryptedField("staff_users", "totp_pending"),
    # A sold voucher's code, printed on its receipt (the vouchers collection keeps only a hash).
    EncryptedField("ledger", "voucher_code_enc"),
    # A member's phone number; found by its blind index (hub.member_contact), re-indexed on rotation.
    EncryptedField("members", "phone_enc"),
]
