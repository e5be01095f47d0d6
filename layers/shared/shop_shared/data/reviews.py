"""The reviews table (one item per review, keyed by review_id) and the rating aggregate it feeds on each good.

Item: review_id, product_id, username, rating (N), comment, status (pending|approved|flagged), review_date
(creation time, the GSI sort key), updated_at, revision (a fresh uuid4 on every author write: what the moderation
job's verdict is bound to), version (N, 1 on submit, +1 on every author edit; informational), and after a decision
moderation_source (auto|employee), moderated_by, moderated_at, moderation_reason, moderation_rule (auto only).
GSIs: by_product (product_id, review_date) and by_customer (username, review_date), both projecting everything.

Rating markers live in the same table under review_id = "rating#<review_id>": the contribution the good's
running rating_sum / rating_count currently holds for that review, and the stream sequence number that set it.
They carry none of the GSI key attributes, so no list ever sees them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NotRequired, Protocol, TypedDict, cast

from botocore.exceptions import ClientError

from shop_shared.config import required
from shop_shared.data import goods as goods_table
from shop_shared.data.dynamo import (
    Item,
    Number,
    Page,
    Table,
    condition_failure_as,
    error_code,
    is_condition_failure,
    old_item,
    query_page,
    table,
    transact_write,
)
from shop_shared.errors import DuplicateReview, ReviewNotFound
from shop_shared.models.reviews import PENDING


class ReviewItem(TypedDict):
    """A review as stored (see the module docstring); rating markers share the table but not this shape."""

    review_id: str
    product_id: str
    username: str
    rating: Number
    comment: str
    status: str
    review_date: str
    updated_at: str
    revision: NotRequired[str]  # absent only on images written before revisions existed
    version: Number
    moderation_source: NotRequired[str]
    moderated_by: NotRequired[str]
    moderated_at: NotRequired[str]
    moderation_reason: NotRequired[str]
    moderation_rule: NotRequired[str]


table_name = required("REVIEWS_TABLE")  # table_name() is the name, checked at cold start


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
    return table(table_name())


def review_id_for(product_id: str, username: str) -> str:
    """One id per (good, customer): the put's attribute_not_exists then enforces one review each, atomically."""
    return str(uuid.uuid5(_REVIEW_ID_NAMESPACE, f"{product_id}/{username}"))


def new_revision() -> str:
    """A fresh id for one author write. Unlike review_id and version, never reused after a delete + re-submit."""
    return str(uuid.uuid4())


def create(item: ReviewItem) -> None:
    with condition_failure_as(DuplicateReview()):
        _table().put_item(Item=item, ConditionExpression="attribute_not_exists(review_id)")


def get(review_id: str, *, consistent: bool = False) -> ReviewItem:
    item = _table().get_item(Key={"review_id": review_id}, ConsistentRead=consistent).get("Item")
    if item is None:
        raise ReviewNotFound()
    return cast(ReviewItem, item)


def _refused(exc: ClientError) -> Refused:
    return Refused(old_item(exc))


def update_by_author(review_id: str, username: str, changes: Item, now: str) -> ReviewItem:
    """Apply the author's edit and send the review back to moderation; Refused unless it exists and is theirs."""
    names = {f"#{field}": field for field in changes} | {"#status": "status"}
    values = {f":{field}": value for field, value in changes.items()}
    values |= {":pending": PENDING, ":now": now, ":one": 1, ":author": username, ":revision": new_revision()}
    assignments = ", ".join(f"#{field} = :{field}" for field in changes)
    try:
        result = _table().update_item(
            Key={"review_id": review_id},
            # The old decision judged the old text, so it goes; the new revision makes any verdict still in
            # flight for the old text (or an older incarnation of this review id) miss.
            UpdateExpression=f"SET {assignments}, #status = :pending, updated_at = :now, revision = :revision "
            f"REMOVE {', '.join(_MODERATION_FIELDS)} ADD version :one",
            # Never on a rating marker (which has no username), never on someone else's review.
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
    return cast(ReviewItem, result["Attributes"])


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


def record_employee_decision(review_id: str, status: str, employee: str, reason: str | None, now: str) -> ReviewItem:
    values: dict[str, Any] = {":status": status, ":source": "employee", ":by": employee, ":now": now}
    assignments = "#status = :status, moderation_source = :source, moderated_by = :by, moderated_at = :now"
    removals = ["moderation_rule"]
    if reason is None:
        removals.append("moderation_reason")
    else:
        assignments += ", moderation_reason = :reason"
        values[":reason"] = reason
    with condition_failure_as(ReviewNotFound()):
        result = _table().update_item(
            Key={"review_id": review_id},
            UpdateExpression=f"SET {assignments} REMOVE {', '.join(removals)}",
            ConditionExpression="attribute_exists(review_id)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
    return cast(ReviewItem, result["Attributes"])


class AutoVerdict(Protocol):
    """What the moderation job stores of its rules' answer (reviews_api.review_rules.RuleVerdict)."""

    @property
    def status(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def reason(self) -> str: ...


def record_auto_decision(review_id: str, revision: str | None, version: int, verdict: AutoVerdict, now: str) -> bool:
    """The moderation job's verdict on one revision of a review; False if that revision is no longer pending.

    The condition is what keeps the job from ever overriding an employee (whose decision leaves the review
    non-pending), from judging text the author has since replaced or deleted and re-submitted (every author
    write stores a fresh revision; the newer write's own stream record will be judged), and from writing twice
    when a stream record is delivered again. `revision` is None only for an image written before revisions
    existed; such a verdict may land only on an item that still has no revision and the same version.
    """
    values: dict[str, Any] = {
        ":status": verdict.status,
        ":source": "auto",
        ":by": AUTO_MODERATOR,
        ":now": now,
        ":reason": verdict.reason,
        ":rule": verdict.rule,
        ":pending": PENDING,
    }
    if revision is None:
        judged = "attribute_not_exists(revision) AND version = :version"
        values[":version"] = version
    else:
        judged = "revision = :revision"
        values[":revision"] = revision
    try:
        _table().update_item(
            Key={"review_id": review_id},
            UpdateExpression="SET #status = :status, moderation_source = :source, moderated_by = :by, "
            "moderated_at = :now, moderation_reason = :reason, moderation_rule = :rule",
            ConditionExpression=f"#status = :pending AND {judged}",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
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
        page = query_page(table_name(), key_names, limit - len(items), token, **query)
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
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return None
    if value == int(value) and 1 <= value <= 5:
        return int(value)
    return None


# ---------------------------------------------------------------- rating aggregate (moderation job only)

RATING_MARKER_PREFIX = "rating#"


@dataclass(frozen=True)
class Contribution:
    """What one review adds to its good's running aggregate: rating_sum += rating, rating_count += 1."""

    product_id: str
    rating: int


@dataclass(frozen=True)
class RatingMarker:
    """The contribution currently counted for one review, and the stream record that set it (None: no marker)."""

    counted: Contribution | None
    sequence_number: str | None


def is_rating_marker(review_id: str) -> bool:
    return review_id.startswith(RATING_MARKER_PREFIX)


def _marker_key(review_id: str) -> Item:
    return {"review_id": RATING_MARKER_PREFIX + review_id}


def read_rating_marker(review_id: str) -> RatingMarker:
    item = _table().get_item(Key=_marker_key(review_id), ConsistentRead=True).get("Item")
    if item is None:
        return RatingMarker(counted=None, sequence_number=None)
    rating = valid_rating(item.get("counted_rating"))
    product_id = item.get("counted_product")
    counted = Contribution(str(product_id), rating) if rating is not None and product_id else None
    return RatingMarker(counted=counted, sequence_number=str(item["sequence_number"]))


def _deltas(before: Contribution | None, after: Contribution | None) -> dict[str, tuple[int, int]]:
    """product_id -> (rating_sum delta, rating_count delta), goods whose aggregate does not move left out."""
    deltas: dict[str, tuple[int, int]] = {}
    for contribution, sign in ((before, -1), (after, 1)):
        if contribution is not None:
            total, count = deltas.get(contribution.product_id, (0, 0))
            deltas[contribution.product_id] = (total + sign * contribution.rating, count + sign)
    return {product_id: delta for product_id, delta in deltas.items() if delta != (0, 0)}


def move_rating_contribution(
    review_id: str, seen: RatingMarker, after: Contribution | None, sequence_number: str, now: str
) -> bool:
    """Replace the review's counted contribution by `after`, as of stream record `sequence_number`.

    One TransactWriteItems: the marker, conditioned on being exactly as `seen` (so two deliveries can never
    both apply), and an atomic ADD on each good whose aggregate moves, conditioned on the good existing (a
    deleted good is never re-created; the marker still advances without it). False when the marker changed
    since it was read: the caller reads it again.
    """
    marker: Item = {**_marker_key(review_id), "sequence_number": sequence_number, "updated_at": now}
    if after is not None:
        marker |= {"counted_product": after.product_id, "counted_rating": after.rating}
    marker_put: dict[str, Any] = {"TableName": table_name(), "Item": marker}
    if seen.sequence_number is None:
        marker_put["ConditionExpression"] = "attribute_not_exists(review_id)"
    else:
        marker_put["ConditionExpression"] = "sequence_number = :seen"
        marker_put["ExpressionAttributeValues"] = {":seen": seen.sequence_number}
    goods = _deltas(seen.counted, after)
    while True:
        updates = [
            goods_table.add_rating_member(product_id, total, count, now) for product_id, (total, count) in goods.items()
        ]
        try:
            transact_write([{"Put": marker_put}, *updates])
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            failed = _failed_conditions(exc, 1 + len(updates))
            if not failed:
                raise
            if 0 in failed:
                return False
            # Those goods are gone: their reviews outlive them, their items must not come back.
            gone = {product_id for index, product_id in enumerate(goods, start=1) if index in failed}
            goods = {product_id: delta for product_id, delta in goods.items() if product_id not in gone}
            continue
        return True


def _failed_conditions(exc: ClientError, expected: int) -> set[int] | None:
    """Indexes of the transaction's items whose condition failed; None if it was cancelled for another reason."""
    reasons = cast(list[dict[str, Any]], exc.response.get("CancellationReasons", []))
    if len(reasons) != expected:
        return None
    codes = [reason.get("Code", "None") for reason in reasons]
    if any(code not in ("None", "ConditionalCheckFailed", None) for code in codes):
        return None
    return {index for index, code in enumerate(codes) if code == "ConditionalCheckFailed"}
