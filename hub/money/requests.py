"""What the front desk asks of the money service: who is asking, and the requests themselves (also the
API's request bodies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.money.amounts import Amount

Purpose = Literal["topup", "session", "sale", "voucher"]


@dataclass(frozen=True)
class Staff:
    user_id: str
    username: str


class SaleItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    product_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=1000)


class PaymentRequest(BaseModel):
    """``POST /api/v1/payments``: what is paid for, how, and by whom."""

    model_config = ConfigDict(extra="forbid")
    purpose: Purpose
    method: str = Field(min_length=1, max_length=32)
    amount: Amount | None = Field(
        default=None,
        description="minor units; computed for sales, defaults to what a guest session still owes",
    )
    member_id: str | None = Field(default=None, max_length=64, description="the member topped up, or paying")
    session_id: str | None = Field(default=None, max_length=64)
    items: list[SaleItem] = Field(default_factory=list, max_length=100)
    terminal_ref: str | None = Field(default=None, max_length=64)
    voucher_code: str | None = Field(default=None, max_length=64)
    branch: str | None = Field(default=None, max_length=64)


class RefundRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    reason: str = Field(min_length=3, max_length=500)
    terminal_ref: str | None = Field(default=None, max_length=64, description="a card refund's approval")
    restock: list[SaleItem] | None = Field(
        default=None,
        max_length=100,
        description="a sale's goods going back on the shelf; left out, a refund of all that is left of the "
        "payment returns all its goods and a partial refund none",
    )
