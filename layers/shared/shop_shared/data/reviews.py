"""The reviews table (one item per review, keyed by review_id) and the rating aggregate it feeds on each good.

Item: review_id, product_id, username, rating (N), comment, status (pending|approved|flagged), review_date
(creation time, the GSI sort key), updated_at, version (N, +1 on every author edit), and after a decision
moderation_source (auto|employee), moderated_by, moderated_at, moderation_reason, moderation_rule (auto only).
GSIs: by_product (product_id, review_date) and by_customer (username, review_date), both projecting everything.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from shop_shared.config import settings
from shop_shared.data.dynamo import Item, Page, condition_failure_as, is_condition_failure, old_item, query_page, table
from shop_shared.errors import Conflict, NotFound
from shop_shared.models.reviews import APPROVED, PENDING
from shop_shared.moderation import Decision

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

BY_PRODUCT = "by_product"
BY_CUSTOMER = "by_customer"
BY_PRODUCT_KEY = frozenset({"review_id", "product_id", "review_date"})
BY_CUSTOMER_KEY = frozenset({"review_id", "username", "review_date"})

AUTO_MODERATOR = "auto-moderator"
_MODERATION_FIELDS = ("moderation_source", "moderated_by", "moderated_at", "moderation_reason", "moderation_rule")
# A filtered list may need several Query calls to fill a page; this caps one request's cost and latency.
_MAX_QUERIES_PER_PAGE = 5
# Fixed forever: changing it would let every customer review every good a second time.
_REVIEW_ID_NAMESPACE = uuid.UUID("5b0c8a4e-2f1d-4c7e-9a53-7d1f0e6b2c91")


@dataclass
class Refused(Exception):
    """A conditional write on an existing review was refused; `current` is the item as it is (None: no such review)."""

    current: Item | None


def _table() -> Table:
    return table(settings().reviews_table)


def review_id_for(product_id: str, username: str) -> str:
    """One id per (good, customer): the put's attribute_not_exists then enforces one review each, atomically."""
    return str(uuid.uuid5(_REVIEW_ID_NAMESPACE, f"{product_id}/{username}"))


def create(item: Item) -> None:
    with condition_failure_as(Conflict("You have already reviewed this good", code="DUPLICATE_REVIEW")):
        _table().put_item(Item=item, ConditionExpression="attribute_not_exists(review_id)")


def get(review_id: str, *, consistent: bool = False) -> Item:
    item = _table().get_item(Key={"review_id": review_id}, ConsistentRead=consistent).get("Item")
    if item is None:
        raise NotFound("Review not found")
    return item


def _refused(exc: ClientError) -> Refused:
    return Refused(old_item(exc))


def update_by_author(review_id: str, username: str, changes: Item, now: str) -> Item:
    """Apply the author's edit and send the review back to moderation; Refused unless it exists and is theirs."""
    names = {f"#{field}": field for field in changes} | {"#status": "status"}
    values = {f":{field}": value for field, value in changes.items()}
    values |= {":pending": PENDING, ":now": now, ":one": 1, ":author": username}
    assignments = ", ".join(f"#{field} = :{field}" for field in changes)
    try:
        result = _table().update_item(
            Key={"review_id": review_id},
            # The old decision judged the old text, so it goes; version tells the moderation job the text changed.
            UpdateExpression=f"SET {assignments}, #status = :pending, updated_at = :now "
            f"REMOVE {', '.join(_MODERATION_FIELDS)} ADD version :one",
            ConditionExpression="attribute_exists(review_id) AND username = :author",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as exc:
        if is_condition_failure(exc):
            raise _refused(exc) from exc
        raise
    return result["Attributes"]


def delete(review_id: str, author: str | None) -> None:
    """Delete a review; with `author` set, only if it is theirs. Refused otherwise."""
    condition = "attribute_exists(review_id)"
    kwargs: dict[str, Any] = {}
    if author is not None:
        condition += " AND username = :author"
        kwargs["ExpressionAttributeValues"] = {":author": author}
    try:
        _table().delete_item(
            Key={"review_id": review_id},
            ConditionExpression=condition,
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **kwargs,
        )
    except ClientError as exc:
        if is_condition_failure(exc):
            raise _refused(exc) from exc
        raise


def record_employee_decision(review_id: str, status: str, employee: str, reason: str | None, now: str) -> Item:
    values: dict[str, Any] = {":status": status, ":source": "employee", ":by": employee, ":now": now}
    assignments = "#status = :status, moderation_source = :source, moderated_by = :by, moderated_at = :now"
    removals = ["moderation_rule"]
    if reason is None:
        removals.append("moderation_reason")
    else:
        assignments += ", moderation_reason = :reason"
        values[":reason"] = reason
    with condition_failure_as(NotFound("Review not found")):
        result = _table().update_item(
            Key={"review_id": review_id},
            UpdateExpression=f"SET {assignments} REMOVE {', '.join(removals)}",
            ConditionExpression="attribute_exists(review_id)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    return result["Attributes"]


def record_auto_decision(review_id: str, version: int, decision: Decision, now: str) -> bool:
    """The moderation job's verdict on one version of a review; False if that version is no longer pending.

    The condition is what keeps the job from ever overriding an employee (whose decision leaves the review
    non-pending), from judging text the author has since replaced (version moved on; the edit's own stream
    record will be judged), and from writing twice when a stream record is delivered again.
    """
    try:
        _table().update_item(
            Key={"review_id": review_id},
            UpdateExpression="SET #status = :status, moderation_source = :source, moderated_by = :by, "
            "moderated_at = :now, moderation_reason = :reason, moderation_rule = :rule",
            ConditionExpression="#status = :pending AND version = :version",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":status": decision.status,
                ":source": "auto",
                ":by": AUTO_MODERATOR,
                ":now": now,
                ":reason": decision.reason,
                ":rule": decision.rule,
                ":pending": PENDING,
                ":version": version,
            },
        )
    except ClientError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def _status_filter(status: str | None) -> dict[str, Any]:
    if status is None:
        return {}
    return {
        "FilterExpression": "#status = :status",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":status": status},
    }


def _newest_first(
    index: str,
    key_names: frozenset[str],
    partition: tuple[str, str],
    *,
    status: str | None,
    limit: int,
    token: str | None,
) -> Page:
    """One page, newest first. A status filter is applied after DynamoDB's Limit, so keep querying (a bounded
    number of times) with the remaining count until the page is full; the last call's cursor stays exact."""
    name, value = partition
    status_filter = _status_filter(status)
    query: dict[str, Any] = {
        "IndexName": index,
        "KeyConditionExpression": f"{name} = :partition",
        "ScanIndexForward": False,
        **status_filter,
        "ExpressionAttributeValues": {":partition": value, **status_filter.get("ExpressionAttributeValues", {})},
    }
    items: list[Item] = []
    for _ in range(_MAX_QUERIES_PER_PAGE):
        page = query_page(settings().reviews_table, key_names, limit - len(items), token, **query)
        items.extend(page.items)
        token = page.next_token
        if token is None or len(items) >= limit:
            break
    return Page(items=items, next_token=token)


def list_by_product(product_id: str, status: str | None, limit: int, next_token: str | None) -> Page:
    return _newest_first(
        BY_PRODUCT, BY_PRODUCT_KEY, ("product_id", product_id), status=status, limit=limit, token=next_token
    )


def list_by_customer(username: str, status: str | None, limit: int, next_token: str | None) -> Page:
    return _newest_first(
        BY_CUSTOMER, BY_CUSTOMER_KEY, ("username", username), status=status, limit=limit, token=next_token
    )


def valid_rating(value: object) -> int | None:
    """A stored rating as an int, or None when the item holds something that is not a 1-5 integer."""
    if isinstance(value, Decimal) and value == value.to_integral_value() and 1 <= value <= 5:
        return int(value)
    return None


def approved_ratings(product_id: str) -> dict[str, int]:
    """review_id -> rating of every approved review of a good, read from the by_product index (all pages)."""
    ratings: dict[str, int] = {}
    kwargs: dict[str, Any] = {
        "IndexName": BY_PRODUCT,
        "KeyConditionExpression": "product_id = :product",
        "FilterExpression": "#status = :approved",
        "ProjectionExpression": "review_id, rating",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":product": product_id, ":approved": APPROVED},
    }
    while True:
        result = _table().query(**kwargs)
        for item in result.get("Items", []):
            rating = valid_rating(item.get("rating"))
            # One corrupt item must not stop every other review of the good from being counted.
            if rating is not None:
                ratings[str(item["review_id"])] = rating
        if "LastEvaluatedKey" not in result:
            return ratings
        kwargs["ExclusiveStartKey"] = result["LastEvaluatedKey"]


def write_rating(product_id: str, rating_avg: Decimal, rating_count: int, now: str) -> bool:
    """Store a good's aggregate; False when the good no longer exists (its reviews outlive it, the item must not)."""
    try:
        table(settings().inventory_table).update_item(
            Key={"id": product_id},
            UpdateExpression="SET rating_avg = :avg, rating_count = :count, rating_updated_at = :now",
            ConditionExpression="attribute_exists(id)",
            ExpressionAttributeValues={":avg": rating_avg, ":count": rating_count, ":now": now},
        )
    except ClientError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True
