"""Edges of the services the main tests leave open (found by mutation testing, docs/testing.md)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from shop_shared import auth
from shop_shared.data.reviews import review_id_for
from tests.unit.conftest import SEED_GOOD_ID, SEED_PASSWORD, Invoke

UPDATE = ("reviews_api.update_review", "PATCH", "/reviews/{id}/update")
BY_CUSTOMER = ("reviews_api.list_customer_reviews", "GET", "/reviews/customer/{username}")
ADD_GOOD = ("inventory_api.add_good", "POST", "/inventory/add")
DELETE_CUSTOMER = ("customers_api.delete_customer", "DELETE", "/customers/{username}")
LOGIN = ("customers_api.login", "POST", "/login")


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


BY_PRODUCT = ("reviews_api.list_product_reviews", "GET", "/reviews/product/{product_id}")


def test_a_product_list_shows_each_reader_what_they_may_see_of_a_review(call: Invoke, seed: dict[str, str]) -> None:
    put_flagged_review("grace")

    staff = call(*BY_PRODUCT, {"product_id": SEED_GOOD_ID}, token=seed["EMPLOYEE_TOKEN"], query={"status": "flagged"})
    [flagged] = staff.body["items"]
    assert flagged["moderated_by"] == "boss"

    # Now approved by the job: public, and the author and the public see different amounts of it.
    boto3.resource("dynamodb").Table("ReviewsTable").update_item(
        Key={"review_id": review_id_for(SEED_GOOD_ID, "grace")},
        UpdateExpression="SET #s = :s, moderated_by = :by, moderation_source = :src",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":s": "approved", ":by": "auto-moderator", ":src": "auto"},
    )
    grace = auth.issue_token("grace", auth.CUSTOMER)
    [as_author] = call(*BY_PRODUCT, {"product_id": SEED_GOOD_ID}, token=grace).body["items"]
    [as_public] = call(*BY_PRODUCT, {"product_id": SEED_GOOD_ID}).body["items"]
    assert as_author["moderation_source"] == "auto"
    assert as_author["moderated_by"] is None
    assert as_public["moderation_source"] is None


def test_an_account_deleted_while_its_password_is_checked_does_not_log_in(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    check_password = auth.check_password

    def deleted_meanwhile(password: str, password_hash: str) -> bool:
        assert call(*DELETE_CUSTOMER, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"]).status == 204
        return check_password(password, password_hash)

    monkeypatch.setattr(auth, "check_password", deleted_meanwhile)

    result = call(*LOGIN, body={"username": "ada", "password": SEED_PASSWORD})

    assert result.status == 401
    assert (
        "password_hash"
        not in boto3.resource("dynamodb").Table("CustomersTable").get_item(Key={"username": "ada"})["Item"]
    )


def test_a_filtered_page_is_never_longer_than_its_limit(call: Invoke, seed: dict[str, str]) -> None:
    # Newest first: approved, pending, pending, approved, approved. The status filter applies after DynamoDB's
    # Limit, so the page is topped up with further queries, each for only what is still missing.
    product = "0b5f3c2e-1d4a-4c8e-9f00-00000000beef"
    statuses = ["approved", "approved", "pending", "pending", "approved"]  # oldest first
    reviews = boto3.resource("dynamodb").Table("ReviewsTable")
    for day, status in enumerate(statuses, start=1):
        username = f"reader{day}"
        reviews.put_item(
            Item={
                "review_id": review_id_for(product, username),
                "product_id": product,
                "username": username,
                "rating": 4,
                "comment": "Fine.",
                "status": status,
                "review_date": f"2026-11-0{day}T00:00:00.000Z",
                "updated_at": f"2026-11-0{day}T00:00:00.000Z",
                "version": 1,
            }
        )

    first = call(*BY_PRODUCT, {"product_id": product}, query={"limit": "2"})
    rest = call(*BY_PRODUCT, {"product_id": product}, query={"limit": "2", "next_token": first.body["next_token"]})

    assert [item["username"] for item in first.body["items"]] == ["reader5", "reader2"]
    assert [item["username"] for item in rest.body["items"]] == ["reader1"]


def test_a_customers_reviews_page_on_with_the_token_of_the_last_page(call: Invoke, seed: dict[str, str]) -> None:
    reviews = boto3.resource("dynamodb").Table("ReviewsTable")
    for day, product in enumerate(["p1", "p2"], start=1):
        reviews.put_item(
            Item={
                "review_id": review_id_for(product, "grace"),
                "product_id": product,
                "username": "grace",
                "rating": 4,
                "comment": "Fine.",
                "status": "approved",
                "review_date": f"2026-11-0{day}T00:00:00.000Z",
                "updated_at": f"2026-11-0{day}T00:00:00.000Z",
                "version": 1,
            }
        )

    first = call(*BY_CUSTOMER, {"username": "grace"}, query={"limit": "1"})
    second = call(*BY_CUSTOMER, {"username": "grace"}, query={"limit": "1", "next_token": first.body["next_token"]})

    assert [item["product_id"] for item in first.body["items"]] == ["p2"]
    assert second.status == 200, second.body
    assert [item["product_id"] for item in second.body["items"]] == ["p1"]
