"""What a customer, an employee and a shopper do with reviews, through the handlers (shared by the job's tests)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3

from shop_shared import auth
from tests.unit.conftest import SEED_GOOD_ID, Invoke

SUBMIT = ("reviews_api.submit_review", "POST", "/reviews/submit")
UPDATE = ("reviews_api.update_review", "PATCH", "/reviews/{id}/update")
DELETE = ("reviews_api.delete_review", "DELETE", "/reviews/{id}/delete")
MODERATE = ("reviews_api.moderate_review", "PATCH", "/reviews/{id}/moderate")
GET_REVIEW = ("reviews_api.get_review", "GET", "/reviews/{id}")
BY_PRODUCT = ("reviews_api.list_product_reviews", "GET", "/reviews/product/{product_id}")
GOOD = ("sales_api.get_good", "GET", "/sales/goods/{id}")


def customer_token(username: str) -> str:
    return auth.issue_token(username, auth.CUSTOMER)


def employee_token() -> str:
    return auth.issue_token("boss", auth.EMPLOYEE)


def submit(call: Invoke, username: str, rating: int, comment: str, good: str = SEED_GOOD_ID) -> str:
    body = {"product_id": good, "rating": rating, "comment": comment}
    result = call(*SUBMIT, body=body, token=customer_token(username))
    assert result.status == 201, result.body
    review_id: str = result.body["review_id"]
    return review_id


def edit(call: Invoke, username: str, review_id: str, **body: Any) -> None:
    assert call(*UPDATE, {"id": review_id}, body=body, token=customer_token(username)).status == 200


def delete(call: Invoke, review_id: str, username: str | None = None) -> None:
    token = employee_token() if username is None else customer_token(username)
    assert call(*DELETE, {"id": review_id}, token=token).status == 204


def employee_decides(call: Invoke, review_id: str, status: str, reason: str | None = None) -> None:
    body = {"status": status} | ({"reason": reason} if reason else {})
    assert call(*MODERATE, {"id": review_id}, body=body, token=employee_token()).status == 200


def review(review_id: str) -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table("ReviewsTable")
    item: dict[str, Any] = table.get_item(Key={"review_id": review_id})["Item"]
    return item


def public_review_ids(call: Invoke, good: str = SEED_GOOD_ID) -> list[str]:
    """What an anonymous shopper sees listed for a good."""
    result = call(*BY_PRODUCT, {"product_id": good})
    assert result.status == 200
    return [item["review_id"] for item in result.body["items"]]


def rating_of(call: Invoke, good: str = SEED_GOOD_ID) -> tuple[Decimal, int]:
    """The good's rating as GET /sales/goods/{id} shows it to anyone."""
    result = call(*GOOD, {"id": good})
    assert result.status == 200, result.body
    return Decimal(str(result.body["rating_avg"])), int(result.body["rating_count"])


def recount(good: str) -> tuple[int, int]:
    """(sum, count) of the approved reviews of a good, read from the whole table: the ground truth."""
    table: Any = boto3.resource("dynamodb").Table("ReviewsTable")
    ratings: list[int] = []
    kwargs: dict[str, Any] = {"ConsistentRead": True}
    while True:
        page = table.scan(**kwargs)
        ratings += [
            int(item["rating"])
            for item in page["Items"]
            if item.get("product_id") == good and item.get("status") == "approved"
        ]
        if "LastEvaluatedKey" not in page:
            return sum(ratings), len(ratings)
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def stored_aggregate(good: str) -> tuple[int, int]:
    item: dict[str, Any] = boto3.resource("dynamodb").Table("InventoryTable").get_item(Key={"id": good})["Item"]
    return int(item.get("rating_sum", 0)), int(item.get("rating_count", 0))
