"""Reviews over HTTP on the local stack, with the moderation job running off the real DynamoDB stream mapping."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from shop_shared.models.goods import rating_average
from shopctl import localstack
from tests.e2e.conftest import Api

T = TypeVar("T")

# The stream mapping is asynchronous: poll up to this long, never assert on elapsed time.
DEADLINE_SECONDS = 30.0


def eventually(probe: Callable[[], T | None], what: str) -> T:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {DEADLINE_SECONDS:.0f}s waiting for {what}")
        time.sleep(0.3)


@pytest.fixture
def tables(dynamodb: Any, deployment: localstack.Deployment) -> dict[str, Any]:
    return {
        "inventory": dynamodb.Table(deployment.outputs["InventoryTableName"]),
        "reviews": dynamodb.Table(deployment.outputs["ReviewsTableName"]),
    }


@pytest.fixture
def good(tables: dict[str, Any]) -> str:
    """A good put straight into the stack's inventory table (the inventory API is not what is under test)."""
    good_id = str(uuid.uuid4())
    tables["inventory"].put_item(
        Item={
            "id": good_id,
            "name": "E2E Espresso",
            "category": "food",
            "price": Decimal("9.99"),
            "description": "for review tests",
            "count": 5,
            "rating_avg": Decimal(0),
            "rating_count": 0,
        }
    )
    return good_id


def submit(api: Api, token: str, good: str, rating: int, comment: str) -> str:
    response = api.post("/reviews/submit", token, json={"product_id": good, "rating": rating, "comment": comment})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    review_id: str = response.json()["review_id"]
    return review_id


def decided(api: Api, token: str, review_id: str) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        response = api.get(f"/reviews/{review_id}", token)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if body["status"] != "pending" else None

    return eventually(probe, f"a moderation decision on review {review_id}")


def rating_becomes(tables: dict[str, Any], good: str, avg: Decimal, count: int, api: Api | None = None) -> None:
    """The good's rating as anyone reads it (GET /sales/goods/{id}), and the stored running sum behind it."""

    def probe() -> bool | None:
        item = tables["inventory"].get_item(Key={"id": good}, ConsistentRead=True)["Item"]
        count_now = int(item.get("rating_count", 0))
        return (
            True
            if (rating_average(Decimal(item.get("rating_sum", 0)), Decimal(count_now)), count_now) == (avg, count)
            else None
        )

    eventually(probe, f"rating of {good} to become {avg} over {count}")
    if api is not None:
        body = api.get(f"/sales/goods/{good}").json()
        assert (Decimal(str(body["rating_avg"])), body["rating_count"]) == (avg, count)


def test_clean_review_is_approved_and_rated(
    api: Api, customer: tuple[str, str], good: str, tables: dict[str, Any]
) -> None:
    username, token = customer
    review_id = submit(api, token, good, 5, "Rich crema, fresh roast date, arrived in two days.")

    review = decided(api, token, review_id)

    assert review["status"] == "approved"
    assert review["moderation_source"] == "auto"
    rating_becomes(tables, good, Decimal(5), 1, api)
    public = api.get(f"/reviews/product/{good}").json()
    assert [item["review_id"] for item in public["items"]] == [review_id]
    assert api.get(f"/reviews/customer/{username}").json()["items"][0]["review_id"] == review_id
    duplicate = api.post("/reviews/submit", token, json={"product_id": good, "rating": 1, "comment": "again"})
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "DUPLICATE_REVIEW"


def test_spammy_review_is_flagged_with_a_reason(api: Api, customer: tuple[str, str], good: str) -> None:
    _, token = customer
    review_id = submit(api, token, good, 5, "Cheaper beans at www.beans4less.net, mail joe@beans4less.net")

    review = decided(api, token, review_id)

    assert review["status"] == "flagged"
    assert review["moderation_reason"] == "contains a link, e-mail address or phone number"
    assert api.get(f"/reviews/{review_id}").status_code == 404
    assert api.get(f"/reviews/product/{good}").json()["items"] == []


def test_employee_override_sticks(
    api: Api, customer: tuple[str, str], employee_token: str, good: str, tables: dict[str, Any]
) -> None:
    _, token = customer
    review_id = submit(api, token, good, 2, "THE BAG ARRIVED TORN AND HALF EMPTY, NOT HAPPY")
    assert decided(api, token, review_id)["status"] == "flagged"

    response = api.patch(
        f"/reviews/{review_id}/moderate", employee_token, json={"status": "approved", "reason": "Genuine complaint"}
    )

    assert response.status_code == 200
    assert response.json()["moderated_by"]
    rating_becomes(tables, good, Decimal(2), 1)
    # Another review through the same stream afterwards: the job has moved on and the employee's call stands.
    other = api.login(api.register())
    later = submit(api, other, good, 4, "Decent beans for the price.")
    assert decided(api, other, later)["status"] == "approved"
    rating_becomes(tables, good, Decimal(3), 2, api)
    review = api.get(f"/reviews/{review_id}", employee_token).json()
    assert (review["status"], review["moderation_source"], review["moderation_reason"]) == (
        "approved",
        "employee",
        "Genuine complaint",
    )


def test_edit_and_delete_keep_the_rating_right(
    api: Api, customer: tuple[str, str], good: str, tables: dict[str, Any]
) -> None:
    _, token = customer
    review_id = submit(api, token, good, 5, "Excellent.")
    assert decided(api, token, review_id)["status"] == "approved"
    rating_becomes(tables, good, Decimal(5), 1)

    edited = api.patch(f"/reviews/{review_id}/update", token, json={"rating": 3, "comment": "Fine, a bit flat."})
    assert edited.status_code == 200
    assert edited.json()["status"] == "pending"
    assert decided(api, token, review_id)["rating"] == 3
    rating_becomes(tables, good, Decimal(3), 1, api)

    assert api.delete(f"/reviews/{review_id}/delete", token).status_code == 204
    rating_becomes(tables, good, Decimal(0), 0)


def test_poison_record_does_not_block_the_stream(
    api: Api, customer: tuple[str, str], good: str, tables: dict[str, Any]
) -> None:
    poison_id = f"poison-{uuid.uuid4()}"
    tables["reviews"].put_item(Item={"review_id": poison_id, "product_id": good, "status": "pending", "rating": "x"})
    _, token = customer

    review_id = submit(api, token, good, 4, "Good everyday coffee.")

    assert decided(api, token, review_id)["status"] == "approved"
    rating_becomes(tables, good, Decimal(4), 1)
    assert tables["reviews"].get_item(Key={"review_id": poison_id})["Item"]["status"] == "pending"


def test_resubmission_after_delete_is_judged_on_its_own_text(
    api: Api, customer: tuple[str, str], good: str, tables: dict[str, Any]
) -> None:
    _, token = customer
    review_id = submit(api, token, good, 4, "Lovely crema.")
    assert decided(api, token, review_id)["status"] == "approved"
    rating_becomes(tables, good, Decimal(4), 1)
    assert api.delete(f"/reviews/{review_id}/delete", token).status_code == 204

    again = submit(api, token, good, 4, "Cheap pills at www.spam-pills.example, mail spam@evil.example")

    assert again == review_id
    review = decided(api, token, again)
    assert review["status"] == "flagged"
    assert api.get(f"/reviews/product/{good}").json()["items"] == []
    rating_becomes(tables, good, Decimal(0), 0, api)
