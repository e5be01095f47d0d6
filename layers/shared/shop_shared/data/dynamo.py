"""Table handles, pagination tokens and the error inspection every repository needs."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import boto3
from boto3.dynamodb.types import TypeDeserializer
from botocore.config import Config
from botocore.exceptions import ClientError

from shop_shared.errors import ShopError, ValidationFailed

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient
    from mypy_boto3_dynamodb.service_resource import Table

# Fail fast and let the client retry rather than hold an API Gateway connection for 29 seconds.
_BOTO_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"})

Item = dict[str, Any]


@cache
def _resource() -> Any:
    return boto3.resource("dynamodb", config=_BOTO_CONFIG)


@cache
def table(name: str) -> Table:
    table: Table = _resource().Table(name)
    return table


def client() -> DynamoDBClient:
    dynamodb_client: DynamoDBClient = _resource().meta.client
    return dynamodb_client


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_condition_failure(exc: ClientError) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


@contextmanager
def condition_failure_as(error: ShopError, *, if_item_exists: ShopError | None = None) -> Iterator[None]:
    """Turn a failed ConditionExpression into the domain error it means.

    With `if_item_exists` (and ReturnValuesOnConditionCheckFailure=ALL_OLD on the write) one round trip tells
    "no such item" (`error`, e.g. 404) from "the item exists but the guard failed" (e.g. 409 insufficient funds).
    """
    try:
        yield
    except ClientError as exc:
        if not is_condition_failure(exc):
            raise
        if if_item_exists is not None and old_item(exc) is not None:
            raise if_item_exists from exc
        raise error from exc


def set_fields(table_name: str, key: Item, changes: Item, missing: ShopError, *, condition: str | None = None) -> Item:
    """SET attributes on an existing item (never creating one) and return the item as it now is.

    `condition` (plain attribute names) further restricts which existing items count; failing it is `missing` too.
    """
    names = {f"#f_{field}": field for field in changes}
    values = {f":f_{field}": value for field, value in changes.items()}
    (key_name,) = key
    with condition_failure_as(missing):
        result = table(table_name).update_item(
            Key=key,
            UpdateExpression="SET " + ", ".join(f"#f_{field} = :f_{field}" for field in changes),
            ConditionExpression="attribute_exists(#key)" + (f" AND ({condition})" if condition else ""),
            ExpressionAttributeNames={**names, "#key": key_name},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    return result["Attributes"]


def deserialize(raw: dict[str, Any] | None) -> Item | None:
    """A low-level (client API) item image as plain Python values; None for a missing image."""
    if not raw:
        return None
    deserializer = TypeDeserializer()
    return {key: deserializer.deserialize(value) for key, value in raw.items()}


def old_item(exc: ClientError) -> Item | None:
    """The item as it was when a condition failed (ReturnValuesOnConditionCheckFailure=ALL_OLD), deserialized."""
    return deserialize(cast(dict[str, Any] | None, exc.response.get("Item")))


@dataclass(frozen=True)
class Page:
    items: list[Item]
    next_token: str | None


# A token we hand out holds at most three key attributes of at most a few hundred bytes; a longer one is not ours.
MAX_TOKEN_CHARS = 2048


def encode_token(last_key: Item | None) -> str | None:
    if not last_key:
        return None
    plain = json.dumps(last_key, default=lambda d: str(d) if isinstance(d, Decimal) else d, separators=(",", ":"))
    return base64.urlsafe_b64encode(plain.encode()).decode().rstrip("=")


def decode_token(token: str | None, key_names: frozenset[str]) -> Item | None:
    """Turn a client's next_token back into an ExclusiveStartKey, refusing anything we did not hand out."""
    if token is None:
        return None
    if len(token) > MAX_TOKEN_CHARS:
        raise ValidationFailed("next_token is not valid")
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, RecursionError) as exc:
        # ValueError covers bad base64/UTF-8/JSON and integers past Python's digit limit; RecursionError deep nesting.
        raise ValidationFailed("next_token is not valid") from exc
    if not isinstance(key, dict) or set(key) != key_names or not all(isinstance(v, str) for v in key.values()):
        raise ValidationFailed("next_token is not valid", code="VALIDATION_ERROR")
    return key


def query_page(table_name: str, key_names: frozenset[str], limit: int, next_token: str | None, **query: Any) -> Page:
    """One Query (or Scan when no KeyConditionExpression is given) call: one page, one round trip."""
    start_key = decode_token(next_token, key_names)
    kwargs: dict[str, Any] = {"Limit": limit, **query}
    if start_key is not None:
        kwargs["ExclusiveStartKey"] = start_key
    handle = table(table_name)
    try:
        result = handle.query(**kwargs) if "KeyConditionExpression" in kwargs else handle.scan(**kwargs)
    except ClientError as exc:
        if error_code(exc) == "ValidationException" and start_key is not None:
            raise ValidationFailed("next_token is not valid") from exc
        raise
    return Page(items=result.get("Items", []), next_token=encode_token(result.get("LastEvaluatedKey")))
