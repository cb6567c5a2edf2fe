"""A member's phone number: contact data, encrypted at rest, found by a keyed blind index.

The store holds the number only as ``FieldCipher`` ciphertext bound to the member (``phone_enc``), and
beside it the blind indexes of the number's digits and of every ending of at least ``MIN_DIGITS`` digits
(``phone_index``). A search by phone computes the same keyed digests of the digits typed, so the front
desk finds "+998 90 123 45 67" by typing it in any spacing, as ``901234567``, or by its last seven
digits, while the store never holds a number, or a digest anyone without the key could test guesses
against. What the index gives away to someone with the store alone: which members share a number or
its ending.
"""

from __future__ import annotations

import re

from hub.security.crypto import FieldCipher, field_aad

MIN_DIGITS = 7  # a local number without its area code; shorter endings would match too many members
MAX_DIGITS = 15  # E.164
PURPOSE = "member-phone"
_SHAPE = re.compile(r"^\+?[0-9 ().-]+$")


class PhoneRefused(ValueError):
    """Not a phone number; the message says what one looks like."""


def normalise_phone(text: str) -> str:
    """The digits of a phone number as typed ("+998 (90) 123-45-67" is ``998901234567``); an
    international ``00`` prefix is dropped like ``+``. Raises PhoneRefused."""
    shape = text.strip()
    if not _SHAPE.match(shape):
        raise PhoneRefused("a phone number is digits, optionally with +, spaces, dashes, dots or brackets")
    digits = re.sub(r"[^0-9]", "", shape)
    if digits.startswith("00"):
        digits = digits[2:]
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise PhoneRefused(f"a phone number has {MIN_DIGITS} to {MAX_DIGITS} digits")
    return digits


def search_digits(text: str) -> str | None:
    """The digits to look a phone up by, when ``text`` reads as (the end of) a phone number."""
    try:
        return normalise_phone(text)
    except PhoneRefused:
        return None


def phone_index(cipher: FieldCipher, digits: str) -> list[str]:
    """The blind indexes a member's number is stored with: the whole number and each ending of at least
    ``MIN_DIGITS`` digits, under the current key."""
    endings = {digits[start:] for start in range(len(digits) - MIN_DIGITS + 1)}
    return sorted(cipher.blind_index(ending, PURPOSE) for ending in endings)


def phone_lookup(cipher: FieldCipher, digits: str) -> list[str]:
    """The blind indexes a search for ``digits`` matches (under every configured key)."""
    return cipher.blind_indexes(digits, PURPOSE)


def seal_phone(cipher: FieldCipher, member_id: str, phone: str) -> str:
    """The number as staff typed it (shown back as it was written), sealed to the member."""
    return cipher.encrypt(phone.strip(), field_aad("members", "phone_enc", member_id))


def open_phone(cipher: FieldCipher, member_id: str, sealed: str) -> str:
    return cipher.decrypt(sealed, field_aad("members", "phone_enc", member_id))


def reindexed(cipher: FieldCipher, member_id: str, sealed: str) -> list[str]:
    """A stored number's blind indexes under the current key (after a key rotation). Raises CipherError
    when it does not decrypt, PhoneRefused if what it holds is no longer a phone number."""
    return phone_index(cipher, normalise_phone(open_phone(cipher, member_id, sealed)))
