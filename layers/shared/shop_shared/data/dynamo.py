"""Table handles, pagination tokens and the error inspection every repository needs."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, TypedDict, cast

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

from shop_shared.errors import InvalidNextToken, ShopError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

# Fail fast and let the client retry rather than hold an API Gateway connection for 29 seconds.
_BOTO_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 3, "mode": "standard"})

Item = dict[str, Any]
# A number attribute: written as int or Decimal, always read back as Decimal.
Number = int | Decimal


_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


@cache
def client() -> DynamoDBClient:
    """The low-level client: every call takes and returns DynamoDB's typed form ({"S": ...}); see `Table`.

    Not boto3's resource: building one loads and assembles the resource model at every cold start, only to
    wrap this same client with the (de)serialization that `Table` and `batch_get`/`transact_write` do here.
    """
    dynamodb_client: DynamoDBClient = boto3.client("dynamodb", config=_BOTO_CONFIG)
    return dynamodb_client


def serialize(item: Item) -> dict[str, Any]:
    """Plain Python values (str, Decimal/int, bool, None, sets, lists, dicts) as a low-level item image."""
    return {key: _SERIALIZER.serialize(value) for key, value in item.items()}


def _typed(request: dict[str, Any]) -> dict[str, Any]:
    """A request's item-valued parameters in DynamoDB's typed form, the rest as given."""
    typed = dict(request)
    for name in ("Key", "Item", "ExclusiveStartKey", "ExpressionAttributeValues"):
        if name in typed:
            typed[name] = serialize(typed[name])
    if "Keys" in typed:
        typed["Keys"] = [serialize(key) for key in typed["Keys"]]
    return typed


class Response(TypedDict, total=False):
    """What the repositories read from a single-table call's response, item images as plain values."""

    Item: Item
    Items: list[Item]
    Attributes: Item
    LastEvaluatedKey: Item


def _plain(response: dict[str, Any]) -> Response:
    """A response's item images as plain Python values, the rest as returned."""
    plain = dict(response)
    for name in ("Item", "Attributes", "LastEvaluatedKey"):
        if name in plain:
            plain[name] = deserialize(plain[name]) or {}
    if "Items" in plain:
        plain["Items"] = [deserialize(item) or {} for item in plain["Items"]]
    return cast(Response, plain)


class Table:
    """One table's single-item calls and Query/Scan, with plain Python values in and out (Decimal for numbers).

    Parameters are the low-level client's (Key, Item, ExpressionAttributeValues, ...), minus TableName.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def _call(self, operation: str, request: dict[str, Any]) -> Response:
        response = getattr(client(), operation)(TableName=self.name, **_typed(request))
        return _plain(cast(dict[str, Any], response))

    def get_item(self, **request: Any) -> Response:
        return self._call("get_item", request)

    def put_item(self, **request: Any) -> Response:
        return self._call("put_item", request)

    def update_item(self, **request: Any) -> Response:
        return self._call("update_item", request)

    def delete_item(self, **request: Any) -> Response:
        return self._call("delete_item", request)

    def query(self, **request: Any) -> Response:
        return self._call("query", request)

    def scan(self, **request: Any) -> Response:
        return self._call("scan", request)


@cache
def table(name: str) -> Table:
    return Table(name)


def batch_get(request_items: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One BatchGetItem: per table {"Keys": [...], ...} with plain keys; Responses come back as plain items."""
    typed = {name: _typed(request) for name, request in request_items.items()}
    response = cast(dict[str, Any], client().batch_get_item(RequestItems=cast(Any, typed)))
    responses = {
        name: [deserialize(item) or {} for item in items] for name, items in response.get("Responses", {}).items()
    }
    return {**response, "Responses": responses}


def transact_write(transact_items: list[dict[str, Any]], **request: Any) -> None:
    """One TransactWriteItems of Put/Update/Delete/ConditionCheck members written with plain values."""
    typed = [{kind: _typed(member) for kind, member in entry.items()} for entry in transact_items]
    client().transact_write_items(TransactItems=cast(Any, typed), **request)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_condition_failure(exc: ClientError) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


def _exists(item: Item | None) -> bool:
    return item is not None


@contextmanager
def condition_failure_as(
    error: ShopError,
    *,
    if_item_exists: ShopError | None = None,
    counts_as_existing: Callable[[Item | None], bool] = _exists,
) -> Iterator[None]:
    """Turn a failed ConditionExpression into the domain error it means.

    With `if_item_exists` (and ReturnValuesOnConditionCheckFailure=ALL_OLD on the write) one round trip tells
    "no such item" (`error`, e.g. 404) from "the item exists but the guard failed" (e.g. 409 insufficient funds).
    `counts_as_existing` decides what "exists" means for the old item (e.g. a live account, not a tombstone).
    """
    try:
        yield
    except ClientError as exc:
        if not is_condition_failure(exc):
            raise
        if if_item_exists is not None and counts_as_existing(old_item(exc)):
            raise if_item_exists from exc
        raise error from exc


def set_fields(
    table_name: str,
    key: Item,
    changes: Item,
    missing: ShopError,
    *,
    condition: str | None = None,
    remove: tuple[str, ...] = (),
) -> Item:
    """SET attributes (and REMOVE `remove`) on an existing item, never creating one; return the item as it now is.

    `condition` (plain attribute names) further restricts which existing items count; failing it is `missing` too.
    """
    names = {f"#f_{field}": field for field in (*changes, *remove)}
    values = {f":f_{field}": value for field, value in changes.items()}
    expression = "SET " + ", ".join(f"#f_{field} = :f_{field}" for field in changes)
    if remove:
        expression += " REMOVE " + ", ".join(f"#f_{field}" for field in remove)
    (key_name,) = key
    with condition_failure_as(missing):
        result = table(table_name).update_item(
            Key=key,
            UpdateExpression=expression,
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
    return {key: _DESERIALIZER.deserialize(value) for key, value in raw.items()}


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
        raise InvalidNextToken()
    try:
        padded = token + "=" * (-len(token) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, RecursionError) as exc:
        # ValueError covers bad base64/UTF-8/JSON and integers past Python's digit limit; RecursionError deep nesting.
        raise InvalidNextToken() from exc
    if not isinstance(key, dict) or set(key) != key_names or not all(isinstance(v, str) for v in key.values()):
        raise InvalidNextToken()
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
            raise InvalidNextToken() from exc
        raise
    return Page(items=result.get("Items", []), next_token=encode_token(result.get("LastEvaluatedKey")))
