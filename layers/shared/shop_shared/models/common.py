"""Field types shared by every service's request and response models."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Generic, Self, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StrictInt, model_validator

T = TypeVar("T")


def _number_only(value: Any) -> Any:
    # JSON strings and booleans are not amounts: "10" and true must be rejected, not coerced.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise ValueError("must be a JSON number")
    return value


def as_json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


_MONEY_DIGITS, _MONEY_DECIMALS = 12, 2
# The largest amount Money can express (9,999,999,999.99): writes that could store more must refuse in their
# condition, because a value the response model cannot express would commit and then fail the response.
MONEY_MAX = Decimal(10) ** (_MONEY_DIGITS - _MONEY_DECIMALS) - Decimal(10) ** -_MONEY_DECIMALS

# Money: exact Decimal inside, a JSON number with at most two decimals outside.
Money = Annotated[
    Decimal,
    BeforeValidator(_number_only),
    Field(max_digits=_MONEY_DIGITS, decimal_places=_MONEY_DECIMALS),
    PlainSerializer(as_json_number, return_type=float, when_used="json"),
]
PositiveMoney = Annotated[Money, Field(gt=0)]

# Also the type of every {username} path parameter: a name registration could never accept cannot exist, and the
# bound keeps a key DynamoDB refuses (over 2048 bytes) from becoming a 500.
Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{3,50}$")]
# Good ids (uuid4) and review ids (uuid5) are ids we make; wherever a client sends one (path or body) the pattern
# keeps odd or oversized keys away from DynamoDB, and keeps "/" out, which the review id derivation relies on.
_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
GoodId = Annotated[str, Field(pattern=_ID_PATTERN)]
ReviewId = Annotated[str, Field(pattern=_ID_PATTERN)]
# Every paged list: the page size and the cursor of the previous page (opaque; data.dynamo.decode_token checks it).
Limit = Annotated[int, Field(ge=1, le=100)]
DEFAULT_LIMIT = 50
NextToken = Annotated[str, Field(description="The next_token of the previous page")]
Quantity = Annotated[StrictInt, Field(ge=1, le=100)]


# Every model has defer_build=True: its validator is built on first use. A function imports the model modules of
# its service but validates with a few of them; building the rest at import would be cold start spent for nothing.


class RequestModel(BaseModel):
    """Request bodies: unknown fields are an error, never silently written."""

    model_config = ConfigDict(defer_build=True, extra="forbid", str_strip_whitespace=True)


class PatchModel(RequestModel):
    """Partial updates: every field optional, at least one given, none given as null."""

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError(f"at least one of {', '.join(type(self).model_fields)} must be given")
        if any(getattr(self, name) is None for name in self.model_fields_set):
            raise ValueError("fields may not be null")
        return self


class ResponseModel(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="ignore")


class PageOf(ResponseModel, Generic[T]):
    items: list[T]
    next_token: str | None


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
