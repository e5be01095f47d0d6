"""Inventory request and response models, shared by the inventory and sales services."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictInt

from shop_shared.models.common import Money, PatchModel, PositiveMoney, RequestModel, ResponseModel

Category = Literal["food", "clothes", "accessories", "electronics"]
GoodName = Annotated[str, Field(min_length=1, max_length=100)]
Description = Annotated[str, Field(max_length=2000)]
# An upper bound keeps a huge JSON integer from reaching DynamoDB (38 digits max) as a 500 instead of a 400.
MAX_STOCK = 1_000_000_000
StockCount = Annotated[StrictInt, Field(ge=0, le=MAX_STOCK)]
# Ids are uuid4 strings we generate; the pattern keeps oversized or odd keys away from DynamoDB.
GOOD_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
GoodId = Annotated[str, Field(pattern=GOOD_ID_PATTERN)]


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


class GoodDetails(Good):
    rating_avg: float = 0
    rating_count: int = 0


class GoodSummary(ResponseModel):
    id: str
    name: str
    category: str
    price: Money
