"""The inventory table: one item per good, keyed by `id` (a UUID string).

Attributes: id, name, category, price (N), description, count (N), rating_avg (N), rating_count (N),
created_at, updated_at. Written by the inventory service; sales and reviews read it; the moderation job
maintains rating_avg / rating_count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shop_shared.config import settings
from shop_shared.data.dynamo import (
    Item,
    Page,
    condition_failure_as,
    query_page,
    set_fields,
    table,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

from shop_shared.errors import Conflict, NotFound

KEY = frozenset({"id"})
# `name` and `count` are DynamoDB reserved words, so every expression goes through these aliases.
_NAMES = {"#name": "name", "#count": "count"}
_SUMMARY = "id, #name, category, price"


def _table() -> Table:
    return table(settings().inventory_table)


def get(good_id: str) -> Item:
    item = _table().get_item(Key={"id": good_id}).get("Item")
    if item is None:
        raise NotFound("Good not found")
    return item


def create(item: Item) -> None:
    # A uuid4 collision is not expected; the condition just makes sure one could never overwrite a good.
    _table().put_item(Item=item, ConditionExpression="attribute_not_exists(id)")


def update(good_id: str, changes: Item) -> Item:
    return set_fields(settings().inventory_table, {"id": good_id}, changes, NotFound("Good not found"))


def take_stock(good_id: str, count: int, updated_at: str) -> Item:
    """Atomic stock removal: the condition, not a prior read, keeps the count from going below zero."""
    insufficient = Conflict("Insufficient stock", code="INSUFFICIENT_STOCK")
    with condition_failure_as(NotFound("Good not found"), if_item_exists=insufficient):
        result = _table().update_item(
            Key={"id": good_id},
            UpdateExpression="SET #count = #count - :n, updated_at = :now",
            ConditionExpression="attribute_exists(id) AND #count >= :n",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues={":n": count, ":now": updated_at},
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    return result["Attributes"]


def delete(good_id: str) -> None:
    with condition_failure_as(NotFound("Good not found")):
        _table().delete_item(Key={"id": good_id}, ConditionExpression="attribute_exists(id)")


def in_stock_page(limit: int, next_token: str | None) -> Page:
    """One Scan call. DynamoDB applies Limit before the filter, so a page can hold fewer than `limit` goods
    (even none) while next_token is still set; clients keep paging until next_token is null."""
    return query_page(
        settings().inventory_table,
        KEY,
        limit,
        next_token,
        FilterExpression="#count > :zero",
        ProjectionExpression=_SUMMARY,
        ExpressionAttributeNames=_NAMES,
        ExpressionAttributeValues={":zero": 0},
    )
