"""Prices as the API answers them: line by line, with the total as people read it."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sanic import Request

from billing import Price, format_amount
from hub.api.answers import Answer


class PriceLine(Answer):
    label: str = Field(description='"standard", a rate window\'s name, or "minimum charge"')
    starts_at: int
    minutes: int
    hourly_rate: int
    amount: int


class PriceAnswer(Answer):
    """A price, line by line (window, minutes, rate, amount); ``total`` is the sum of the lines."""

    currency: str
    billed_minutes: int
    total: int
    lines: list[PriceLine]
    amount_display: str = Field(description="the total as people read it, in the branch's language")


def price_view(result: Price, language: str) -> dict[str, Any]:
    return {
        "currency": result.currency,
        "billed_minutes": result.billed_minutes,
        "total": result.total,
        "lines": [
            {
                "label": line.label,
                "starts_at": line.starts_at,
                "minutes": line.minutes,
                "hourly_rate": line.hourly_rate,
                "amount": line.amount,
            }
            for line in result.lines
        ],
        "amount_display": format_amount(result.total, result.currency, language),
    }


async def branch_language(request: Request) -> str:
    branch = await request.app.ctx.money.branch(None)
    return str(branch.language)
