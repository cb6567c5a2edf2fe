"""Voucher codes: 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown in groups of
four. 60 bits of randomness: guessing a live code is hopeless, and only their hashes are stored."""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 12


def new_voucher_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
