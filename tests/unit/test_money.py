"""Money formatting and parsing: integers in minor units, shown the way people read them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.money import CURRENCIES, MoneyError, currency, format_amount, to_minor


def number_part(formatted: str) -> str:
    """The amount without the currency name that follows it."""
    return formatted.rsplit(" ", 1)[0]


@pytest.mark.parametrize(
    ("amount", "code", "language", "expected"),
    [
        (1_200_000, "UZS", "en", "12 000 so'm"),
        (120_000_000, "UZS", "en", "1 200 000 so'm"),
        (0, "UZS", "en", "0 so'm"),
        (1_200_000, "UZS", "ru", "12 000 сум"),
        (1_200_000, "UZS", "uz", "12 000 so'm"),
        (99_900, "UZS", "en", "999 so'm"),
        (-1_250, "USD", "en", "-12.50 USD"),
        (-1_250, "USD", "ru", "-12,50 USD"),
        (1_250, "USD", "uz", "12,50 USD"),
        (123_456_789, "EUR", "en", "1 234 567.89 EUR"),
        (5, "USD", "en", "0.05 USD"),
        (123_456_789, "RUB", "ru", "1 234 567,89 ₽"),
        (1_250, "USD", "de", "12.50 USD"),  # unknown language: English
        (1_200_000, "UZS", "fr", "12 000 so'm"),
    ],
)
def test_format_amount(amount: int, code: str, language: str, expected: str) -> None:
    assert format_amount(amount, code, language) == expected


def test_format_defaults_to_english() -> None:
    assert format_amount(1_250, "USD") == "12.50 USD"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (49, "0 so'm"),
        (50, "1 so'm"),
        (150, "2 so'm"),
        (-49, "0 so'm"),  # no "-0"
        (-50, "-1 so'm"),  # half away from zero
        (-149, "-1 so'm"),
        (99_950, "1 000 so'm"),
    ],
)
def test_format_rounds_half_up_to_display_decimals(amount: int, expected: str) -> None:
    assert format_amount(amount, "UZS") == expected


def test_known_currencies() -> None:
    assert {"UZS", "USD", "EUR", "RUB"} <= set(CURRENCIES)
    uzs = currency("UZS")
    assert (uzs.code, uzs.exponent, uzs.display_decimals) == ("UZS", 2, 0)
    assert uzs.names["ru"] == "сум"
    assert uzs.name("xx") == "so'm"


@pytest.mark.parametrize("code", ["XXX", "uzs", ""])
def test_unknown_currency_is_refused(code: str) -> None:
    with pytest.raises(MoneyError):
        currency(code)
    with pytest.raises(MoneyError):
        format_amount(100, code)
    with pytest.raises(MoneyError):
        to_minor("1", code)


@pytest.mark.parametrize(
    ("major", "code", "expected"),
    [
        ("12000", "UZS", 1_200_000),
        (12000, "UZS", 1_200_000),
        ("12 000", "UZS", 1_200_000),
        ("12.5", "USD", 1_250),
        ("12,50", "USD", 1_250),
        (" 0.05 ", "USD", 5),
        ("-12.50", "USD", -1_250),
        ("+3", "EUR", 300),
        ("1 234 567.89", "RUB", 123_456_789),
        ("12.5", "UZS", 1_250),  # tiyin exist in storage even if not shown
        (-7, "USD", -700),
    ],
)
def test_to_minor(major: int | str, code: str, expected: int) -> None:
    assert to_minor(major, code) == expected


@pytest.mark.parametrize(
    "major",
    ["12.505", "1.001", "", "abc", "1e3", "12.", ".5", "1 00", "1,000.00", "12 0000", "--1", "٣"],
)
def test_to_minor_refuses(major: str) -> None:
    with pytest.raises(MoneyError):
        to_minor(major, "USD")


@pytest.mark.parametrize("major", [True, 1.5, None])
def test_to_minor_refuses_non_amounts(major: object) -> None:
    with pytest.raises(MoneyError):
        to_minor(major, "USD")  # type: ignore[arg-type]


@given(major=st.integers(-(10**12), 10**12))
def test_to_minor_of_whole_major_units(major: int) -> None:
    assert to_minor(str(major), "UZS") == to_minor(major, "UZS") == major * 100


@given(
    amount=st.integers(-(10**12), 10**12),
    code=st.sampled_from(["USD", "EUR", "RUB"]),
    language=st.sampled_from(["en", "ru", "uz", "de"]),
)
def test_format_then_parse_round_trips_when_nothing_is_hidden(amount: int, code: str, language: str) -> None:
    assert to_minor(number_part(format_amount(amount, code, language)), code) == amount


@given(amount=st.integers(-(10**12), 10**12), language=st.sampled_from(["en", "ru", "uz"]))
def test_so_m_are_shown_within_half_a_so_m(amount: int, language: str) -> None:
    shown = to_minor(number_part(format_amount(amount, "UZS", language)), "UZS")
    assert shown % 100 == 0
    assert abs(shown - amount) <= 50
