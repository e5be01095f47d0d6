"""Inventory request and response models, shared by the inventory and sales services."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, model_validator

from shop_shared.models.common import Money, PatchModel, PositiveMoney, RequestModel, ResponseModel

Category = Literal["food", "clothes", "accessories", "electronics"]
GoodName = Annotated[str, Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=2000)]
# An upper bound keeps a huge JSON integer from reaching DynamoDB (38 digits max) as a 500 instead of a 400.
MAX_STOCK = 1_000_000_000
StockCount = Annotated[StrictInt, Field(ge=0, le=MAX_STOCK)]


class NewGood(RequestModel):
    name: GoodName
    category: Category
    price: PositiveMoney
    description: Description = ""
    count: StockCount


class GoodPatch(PatchModel):
    name: GoodName | None = None
    category: Category | None = None
    price: PositiveMoney | None = None
    description: Description | None = None
    count: StockCount | None = None


class DeductStockRequest(RequestModel):
    count: Annotated[StrictInt, Field(ge=1, le=MAX_STOCK)]


class Good(ResponseModel):
    id: str
    name: str
    category: str
    price: Money
    description: str = ""
    count: int


def rating_average(rating_sum: Decimal, rating_count: Decimal) -> Decimal:
    """sum / count to cents, half up; 0 for a good with no approved review."""
    if rating_count <= 0:
        return Decimal(0)
    return (rating_sum / rating_count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class GoodDetails(Good):
    rating_avg: float = 0
    rating_count: int = 0

    @model_validator(mode="before")
    @classmethod
    def _derive_rating_avg(cls, data: Any) -> Any:
        # The moderation job keeps a running rating_sum / rating_count (atomic ADDs, O(1) per review change);
        # the average is derived here rather than stored, so it can never disagree with the two counters.
        # An item without rating_sum has had no approved review counted since the counters were introduced.
        if isinstance(data, dict) and "rating_sum" in data:
            count = Decimal(data.get("rating_count") or 0)
            data = {**data, "rating_avg": rating_average(Decimal(data["rating_sum"]), count)}
        return data


class GoodSummary(ResponseModel):
    id: str
    name: str
    category: str
    price: Money
