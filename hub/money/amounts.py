"""Money in requests: strict integers in minor units, within what the store can hold.

MongoDB stores 64-bit integers; an amount beyond that would fail deep in the driver instead of with a clear
400. The bound is the protocol's (``protocol.MAX_MINOR_UNITS``), so tariffs and payments share it.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from protocol import MAX_MINOR_UNITS

MAX_AMOUNT = MAX_MINOR_UNITS

# A payment, refund or price: more than zero.
Amount = Annotated[int, Field(gt=0, le=MAX_AMOUNT, strict=True)]
# A count of cash or a float: zero or more.
Counted = Annotated[int, Field(ge=0, le=MAX_AMOUNT, strict=True)]
# A manual adjustment: a credit (> 0) or a debit (< 0).
Signed = Annotated[int, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, strict=True)]
