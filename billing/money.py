"""Money as integers in minor units, and how people see it.

Amounts are never floats: an ``int`` counts minor units of a currency (for UZS, 12 000 so'm is
1_200_000). Display may show fewer decimals than the currency has (so'm are shown whole), so formatting
rounds half up, away from zero, to the displayed precision.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

DEFAULT_LANGUAGE = "en"
# Languages that write a decimal comma; everything else falls back to English's point.
_DECIMAL_SEPARATOR: Mapping[str, str] = MappingProxyType({"en": ".", "ru": ",", "uz": ","})
_THOUSANDS_SEPARATOR = " "
# Digits grouped by plain spaces or not at all, then at most one decimal point or comma.
_AMOUNT = re.compile(r"(?P<sign>[-+]?)(?P<whole>[0-9]+|[0-9]{1,3}(?: [0-9]{3})+)(?:[.,](?P<frac>[0-9]+))?")


class MoneyError(ValueError):
    """An unknown currency or an amount that the currency cannot represent."""


@dataclass(frozen=True)
class Currency:
    """An ISO 4217 currency: its precision in storage and on screen, and its name per language."""

    code: str
    exponent: int
    display_decimals: int
    names: Mapping[str, str] = field(hash=False)

    def name(self, language: str) -> str:
        """The currency's name in ``language``, or in English when that language is unknown."""
        return self.names.get(language, self.names[DEFAULT_LANGUAGE])


def _names(en: str, uz: str, ru: str) -> Mapping[str, str]:
    return MappingProxyType({"en": en, "uz": uz, "ru": ru})


CURRENCIES: Mapping[str, Currency] = MappingProxyType(
    {
        "UZS": Currency("UZS", 2, 0, _names("so'm", "so'm", "сум")),
        "USD": Currency("USD", 2, 2, _names("USD", "USD", "USD")),
        "EUR": Currency("EUR", 2, 2, _names("EUR", "EUR", "EUR")),
        "RUB": Currency("RUB", 2, 2, _names("RUB", "RUB", "₽")),
    }
)


def currency(code: str) -> Currency:
    """The currency with ISO code ``code``; :class:`MoneyError` when we do not know it."""
    try:
        return CURRENCIES[code]
    except (KeyError, TypeError):
        raise MoneyError(f"unknown currency {code!r}; known: {', '.join(sorted(CURRENCIES))}") from None


def _ten_to(power: int) -> int:
    """10**power as an int (for mypy, ``int ** int`` may be a float when the power is negative)."""
    return int(10**power)


def _round_half_up(magnitude: int, drop_digits: int) -> int:
    """``magnitude`` (>= 0) with its last ``drop_digits`` decimal digits rounded away, half up."""
    if drop_digits <= 0:
        return magnitude * _ten_to(-drop_digits)
    unit = _ten_to(drop_digits)
    quotient, remainder = divmod(magnitude, unit)
    return quotient + (1 if 2 * remainder >= unit else 0)


def _group_thousands(digits: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return _THOUSANDS_SEPARATOR.join(groups)


def format_amount(amount: int, code: str, language: str = DEFAULT_LANGUAGE) -> str:
    """``amount`` minor units as people read it: ``format_amount(1_200_000, "UZS") == "12 000 so'm"``."""
    cur = currency(code)
    shown = _round_half_up(abs(amount), cur.exponent - cur.display_decimals)
    # A negative amount that rounds to zero is shown as plain zero, not "-0".
    sign = "-" if amount < 0 and shown else ""
    whole, fraction = divmod(shown, _ten_to(cur.display_decimals))
    text = _group_thousands(str(whole))
    if cur.display_decimals:
        separator = _DECIMAL_SEPARATOR.get(language, _DECIMAL_SEPARATOR[DEFAULT_LANGUAGE])
        text += separator + str(fraction).zfill(cur.display_decimals)
    return f"{sign}{text} {cur.name(language)}"


def to_minor(major: int | str, code: str) -> int:
    """Major units (an int, or text like ``"12 000"`` or ``"12.5"``) as minor units of ``code``.

    Text may group thousands with spaces and use a decimal point or comma; more decimals than the
    currency's exponent would silently lose money, so they are refused.
    """
    cur = currency(code)
    if isinstance(major, bool) or not isinstance(major, int | str):
        raise MoneyError(f"an amount must be an int or a decimal string, not {major!r}")
    if isinstance(major, int):
        return major * _ten_to(cur.exponent)
    match = _AMOUNT.fullmatch(major.strip())
    if match is None:
        raise MoneyError(f"not an amount: {major!r}")
    fraction = match["frac"] or ""
    if len(fraction) > cur.exponent:
        raise MoneyError(f"{major!r} has more than {cur.exponent} decimals, the precision of {cur.code}")
    whole = int(match["whole"].replace(_THOUSANDS_SEPARATOR, ""))
    minor = whole * _ten_to(cur.exponent) + int(fraction.ljust(cur.exponent, "0") or "0")
    return -minor if match["sign"] == "-" else minor
