"""Sales service request and response models."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shop_shared.models.common import GoodId, Money, Quantity, RequestModel, ResponseModel

# Printable ASCII without spaces, as UUIDs and most client-generated keys are; long enough for any of them.
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"
IdempotencyKey = Annotated[str, Field(pattern=IDEMPOTENCY_KEY_PATTERN)]


class SellRequest(RequestModel):
    good_id: GoodId
    quantity: Quantity


class SaleRecord(ResponseModel):
    """A line of purchase history: the snapshot taken when the sale was made."""

    sale_id: str
    username: str
    good_id: str
    good_name: str
    quantity: int
    unit_price: Money
    total_price: Money
    sale_date: str


class Sale(ResponseModel):
    """The answer to POST /sales/sell, identical for the first call and every idempotent replay."""

    sale_id: str
    good_id: str
    good_name: str
    quantity: int
    unit_price: Money
    total_price: Money
    remaining_balance: Money
    sale_date: str
