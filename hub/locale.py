"""What a branch may be set to: currency, language and timezone, checked in one place for the hub's
settings and the branch API alike (as pydantic field types)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from billing.money import MoneyError, currency, format_amount
from billing.tariffs import TariffError, zone

LANGUAGES = ("uz", "ru", "en")


def _known_currency(value: str) -> str:
    try:
        currency(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None
    return value


def _known_language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"unknown language {value!r}; languages are {list(LANGUAGES)}")
    return value


def _known_timezone(value: str) -> str:
    try:
        zone(value)
    except TariffError as exc:
        raise ValueError(str(exc)) from None
    return value


CurrencyCode = Annotated[str, AfterValidator(_known_currency)]
Language = Annotated[str, AfterValidator(_known_language)]
Timezone = Annotated[str, AfterValidator(_known_timezone)]


def money_text(amount: int, currency_code: str) -> str:
    """An amount inside an API message: in the branch's currency, written as the message's language
    (English) writes it ("15 000 so'm is needed", never raw minor units). The receipts' formatter."""
    return format_amount(amount, currency_code, "en")
