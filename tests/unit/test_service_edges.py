"""Edges of the services the main tests leave open (found by mutation testing, docs/testing.md)."""

from __future__ import annotations

from typing import Any

import boto3

from shop_shared import auth
from shop_shared.data.reviews import review_id_for
from tests.unit.conftest import SEED_GOOD_ID, Invoke

UPDATE = ("reviews_api.update_review", "PATCH", "/reviews/{id}/update")
BY_CUSTOMER = ("reviews_api.list_customer_reviews", "GET", "/reviews/customer/{username}")
ADD_GOOD = ("inventory_api.add_good", "POST", "/inventory/add")


def put_flagged_review(username: str) -> str:
    review_id = review_id_for(SEED_GOOD_ID, username)
    boto3.resource("dynamodb").Table("ReviewsTable").put_item(
        Item={
            "review_id": review_id,
            "product_id": SEED_GOOD_ID,
            "username": username,
            "rating": 2,
            "comment": "Tasted burnt, www.elsewhere.com is better",
            "status": "flagged",
            "review_date": "2026-11-12T00:00:00.000Z",
            "updated_at": "2026-11-12T00:00:00.000Z",
            "version": 2,
            "moderation_reason": "contains a link, e-mail address or phone number",
            "moderation_source": "employee",
            "moderated_by": "boss",
            "moderated_at": "2026-11-12T01:00:00.000Z",
        }
    )
    return review_id


def test_an_employee_editing_a_flagged_review_is_refused_not_told_it_is_missing(
    call: Invoke, seed: dict[str, str]
) -> None:
    review_id = put_flagged_review("grace")

    result = call(*UPDATE, {"id": review_id}, body={"rating": 5}, token=seed["EMPLOYEE_TOKEN"])

    # An employee can see the flagged review, so hiding it behind a 404 would be a lie: it is the author's to edit.
    assert result.status == 403
    assert result.body["error"] == "Only the author may edit a review"


def test_the_author_listing_own_reviews_learns_why_one_was_flagged_but_not_who_decided(
    call: Invoke, seed: dict[str, str]
) -> None:
    put_flagged_review("grace")

    own = call(*BY_CUSTOMER, {"username": "grace"}, token=auth.issue_token("grace", auth.CUSTOMER))
    staff = call(*BY_CUSTOMER, {"username": "grace"}, token=seed["EMPLOYEE_TOKEN"])

    [mine] = own.body["items"]
    assert mine["moderation_reason"] == "contains a link, e-mail address or phone number"
    assert mine["moderation_source"] == "employee"
    assert mine["moderated_by"] is None
    [seen_by_staff] = staff.body["items"]
    assert seen_by_staff["moderated_by"] == "boss"


def test_a_new_good_is_stored_with_its_creation_time(call: Invoke, seed: dict[str, str]) -> None:
    good = {"name": "Green tea", "category": "food", "price": 4.99, "description": "", "count": 3}

    result = call(*ADD_GOOD, body=good, token=seed["EMPLOYEE_TOKEN"])

    assert result.status == 201
    item: dict[str, Any] = (
        boto3.resource("dynamodb").Table("InventoryTable").get_item(Key={"id": result.body["id"]})["Item"]
    )
    assert item["created_at"] == item["updated_at"]
    assert isinstance(item["created_at"], str)
    assert item["created_at"].endswith("Z")
