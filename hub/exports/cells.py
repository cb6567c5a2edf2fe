"""How a cell's value is shown, per format: the one place for each rule (pure, no I/O).

- CSV is for programs: money in minor units (an exact integer), times in ISO 8601 with the branch's
  offset, shares as decimal fractions, text neutralised against formula injection.
- XLSX is for people: the writer stores numbers and dates as such; this module gives it the number
  formats (money in the branch's currency at its display precision) and local times as Excel reads them.
- PDF is for print: everything as the receipts write it (``billing.money.format_amount``).
"""

from __future__ import annotations

import datetime as dt

from billing.money import currency, format_amount
from billing.tariffs import local_time

# A spreadsheet reads a cell starting with one of these as a formula (=, +, -, @) or may strip a leading
# tab or carriage return and then do so: CSV injection (OWASP). Such text gets a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: str) -> str:
    """Text a spreadsheet opening the CSV shows as text: prefixed with ``'`` when it starts like a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def iso_time(at_ms: int, timezone: str) -> str:
    """``2026-11-25T14:03:07+05:00``: the moment in the branch's timezone, with its offset."""
    return local_time(at_ms, timezone).isoformat(timespec="seconds")


def excel_time(at_ms: int, timezone: str) -> dt.datetime:
    """The moment as the branch's wall clock, without a zone: Excel dates have none."""
    return local_time(at_ms, timezone).replace(tzinfo=None)


def printed_time(at_ms: int, timezone: str) -> str:
    return local_time(at_ms, timezone).strftime("%Y-%m-%d %H:%M")


DAY_MS = 86_400_000


def excel_duration(ms: int) -> float:
    """Time used as Excel holds a duration: a number of days, shown as hours by ``[h]:mm``."""
    return ms / DAY_MS


def duration_text(ms: int) -> str:
    """``125:07``: hours and minutes (rounded down), hours past 24 kept."""
    minutes = ms // 60_000
    return f"{minutes // 60}:{minutes % 60:02d}"


def fraction_text(value: float) -> str:
    """A share as a plain decimal (``0.4231``), never in exponent notation."""
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def percent_text(value: float) -> str:
    return f"{value * 100:.1f} %"


def major_units(amount: int, code: str) -> float:
    """Minor units as the number a spreadsheet holds (12 000 so'm for 1 200 000); exact to the cent for
    any amount below 2^53 minor units."""
    return amount / float(10 ** currency(code).exponent)


def money_format(code: str, language: str) -> str:
    """An Excel number format for amounts of ``code``: grouped thousands, the currency's display
    precision (so'm: none), its name in ``language``; negative amounts with a minus."""
    cur = currency(code)
    digits = "#,##0" + ("." + "0" * cur.display_decimals if cur.display_decimals else "")
    name = cur.name(language).replace('"', "")
    return f'{digits} "{name}";-{digits} "{name}"'


def money_text(amount: int, code: str, language: str) -> str:
    return format_amount(amount, code, language)
