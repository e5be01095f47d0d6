"""The inventory table: one item per good, keyed by `id` (a UUID string).

Attributes: id, name, category, price (N), description, count (N), created_at, updated_at; rating_sum and
rating_count (N), the running aggregate of approved reviews the moderation job keeps (rating_avg is derived
when read); and `in_stock` ("Y"), present exactly while count > 0: the key of the sparse `in_stock` index the
shop window reads, so browsing never reads a sold-out good. Every write that changes `count` goes through this
module, which keeps `in_stock` in step with it in the same write. Every write of this table is built here,
including the members other modules' transactions compose (`take_stock_member` for a purchase,
`add_rating_member` for the reviews job's rating aggregate).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NotRequired, TypedDict, cast

from botocore.exceptions import ClientError

from shop_shared.config import required
from shop_shared.data.dynamo import (
    Item,
    Number,
    Page,
    Table,
    condition_failure_as,
    encode_token,
    is_condition_failure,
    old_item,
    query_page,
    set_fields,
    table,
)
from shop_shared.errors import GoodNotFound, HighDemand, InsufficientStock


class GoodItem(TypedDict):
    """A good as stored (see the module docstring)."""

    id: str
    name: str
    category: str
    price: Decimal
    description: str
    count: Number
    created_at: str
    updated_at: str
    rating_sum: NotRequired[Number]
    rating_count: NotRequired[Number]
    rating_updated_at: NotRequired[str]
    in_stock: NotRequired[str]


table_name = required("INVENTORY_TABLE")  # table_name() is the name, checked at cold start


IN_STOCK_INDEX = "in_stock"
# A page cursor of the in-stock index: the table key plus the index key.
IN_STOCK_PAGE_KEY = frozenset({"id", "in_stock", "name"})
IN_STOCK = "Y"
# Taking stock races only other stock-takers of the same good; each lost race means one of them succeeded.
_MAX_STOCK_ATTEMPTS = 10


def _table() -> Table:
    return table(table_name())


def get(good_id: str) -> GoodItem:
    item = _table().get_item(Key={"id": good_id}).get("Item")
    if item is None:
        raise GoodNotFound()
    return cast(GoodItem, item)


def stored_good(item: Mapping[str, Any]) -> Item:
    """A new good's item as stored (also for bulk imports): an empty rating aggregate, which only the reviews
    moderation job moves, and listed in the in-stock index when it has stock."""
    stored = {"rating_sum": 0, "rating_count": 0, **item}
    return {**stored, "in_stock": IN_STOCK} if item["count"] > 0 else stored


def create(item: GoodItem) -> None:
    # A uuid4 collision is not expected; the condition just makes sure one could never overwrite a good.
    _table().put_item(Item=stored_good(item), ConditionExpression="attribute_not_exists(id)")


def update(good_id: str, changes: Item) -> GoodItem:
    """SET the given fields of an existing good (never creating one); a new count also lists or unlists it."""
    listed: Item = {}
    unlisted: tuple[str, ...] = ()
    if "count" in changes:
        if changes["count"] > 0:
            listed = {"in_stock": IN_STOCK}
        else:
            unlisted = ("in_stock",)
    return cast(GoodItem, set_fields(table_name(), {"id": good_id}, changes | listed, GoodNotFound(), remove=unlisted))


def take_stock_update(good_id: str, quantity: int, seen_count: int, updated_at: str | None = None) -> dict[str, Any]:
    """The conditional update that takes `quantity` units, given the count last seen (also a transaction member).

    While units remain the write only needs `count > :q`; taking the last units must also drop the good from
    the in-stock index, which is only right if exactly `quantity` were left, so that write is pinned to it.
    A write whose condition failed because the count moved from one case to the other is re-tried by the
    caller with the count the failure returned.
    """
    values: dict[str, Any] = {":q": quantity}
    assignments = ["#count = #count - :q"]
    condition = "#count > :q"
    removal = ""
    if seen_count <= quantity:
        assignments, condition, removal = ["#count = :zero"], "#count = :q", " REMOVE in_stock"
        values[":zero"] = 0
    if updated_at is not None:
        assignments.append("updated_at = :now")
        values[":now"] = updated_at
    return {
        "Key": {"id": good_id},
        "UpdateExpression": "SET " + ", ".join(assignments) + removal,
        "ConditionExpression": f"attribute_exists(id) AND {condition}",
        "ExpressionAttributeNames": {"#count": "count"},
        "ExpressionAttributeValues": values,
    }


def take_stock(good_id: str, count: int, updated_at: str) -> GoodItem:
    """Atomic stock removal: the condition, not a prior read, keeps the count from going below zero.

    The first write assumes units will remain (the common case, one round trip); if the condition fails, the
    item it returns says whether this takes the last units (then the pinned write), or there are too few (409).
    """
    seen_count = count + 1
    for _ in range(_MAX_STOCK_ATTEMPTS):
        try:
            result = _table().update_item(
                **take_stock_update(good_id, count, seen_count, updated_at),
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            current = old_item(exc)
            if current is None:
                raise GoodNotFound() from exc
            seen_count = int(current["count"])
            if seen_count < count:
                raise InsufficientStock() from exc
            continue
        return cast(GoodItem, result["Attributes"])
    raise HighDemand()


def take_stock_member(good_id: str, quantity: int, seen: GoodItem) -> dict[str, Any]:
    """The TransactWriteItems member that takes `quantity` units of a good as `seen` (the purchase's snapshot):
    also pinned to the price it was seen at, so a sale records exactly the unit price it charged."""
    update = take_stock_update(good_id, quantity, int(seen["count"]))
    update["ConditionExpression"] += " AND price = :price"
    update["ExpressionAttributeValues"][":price"] = seen["price"]
    return {"Update": {"TableName": table_name(), **update, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}


def add_rating_member(good_id: str, rating_sum: int, rating_count: int, now: str) -> dict[str, Any]:
    """The TransactWriteItems member that moves a good's running rating aggregate (the reviews moderation job's);
    conditioned on the good existing, so a deleted good is never re-created by it."""
    return {
        "Update": {
            "TableName": table_name(),
            "Key": {"id": good_id},
            "UpdateExpression": "ADD rating_sum :sum, rating_count :count SET rating_updated_at = :now",
            "ConditionExpression": "attribute_exists(id)",
            "ExpressionAttributeValues": {":sum": rating_sum, ":count": rating_count, ":now": now},
        }
    }


def consistent_read(good_id: str) -> dict[str, Any]:
    """This table's part of a BatchGetItem that reads one good, strongly consistent; see `from_batch`."""
    return {table_name(): {"Keys": [{"id": good_id}], "ConsistentRead": True}}


def from_batch(responses: dict[str, list[Item]]) -> GoodItem | None:
    """The good a BatchGetItem with `consistent_read` returned (None: no such good)."""
    return cast(GoodItem | None, next(iter(responses.get(table_name(), [])), None))


def delete(good_id: str) -> None:
    with condition_failure_as(GoodNotFound()):
        _table().delete_item(Key={"id": good_id}, ConditionExpression="attribute_exists(id)")


def in_stock_page(limit: int, next_token: str | None) -> Page:
    """One Query of the sparse in-stock index, by name: it holds only goods with stock, so a page is full
    unless it is the last. One item more than the page is read so the last page says so (next_token null)
    instead of sending the client after an empty one."""
    page = query_page(
        table_name(),
        IN_STOCK_PAGE_KEY,
        limit + 1,
        next_token,
        IndexName=IN_STOCK_INDEX,
        KeyConditionExpression="in_stock = :listed",
        ExpressionAttributeValues={":listed": IN_STOCK},
    )
    if len(page.items) <= limit:
        return Page(items=page.items, next_token=None)
    shown = page.items[:limit]
    return Page(items=shown, next_token=encode_token({name: shown[-1][name] for name in IN_STOCK_PAGE_KEY}))
