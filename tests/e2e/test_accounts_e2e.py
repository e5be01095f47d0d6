"""Account guarantees over HTTP on the local stack: login throttling under a burst, deleted accounts, passwords
kept verbatim, wallet bounds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import requests

from shop_shared.models.common import MONEY_MAX
from shopctl import localstack
from tests.e2e.conftest import PASSWORD, Api, unique
from tests.e2e.test_inventory_sales_e2e import add_good, sell

BUDGET = 5  # LOGIN_MAX_FAILURES in the deployed stack (the default)


def customers_table(dynamodb: Any, deployment: localstack.Deployment) -> Any:
    return dynamodb.Table(deployment.outputs["CustomersTableName"])


def patient_login(api: Api, username: str, password: str) -> requests.Response:
    # A burst can make the emulator start a Lambda worker per request on a small machine; wait for them.
    body = {"username": username, "password": password}
    return api.session.post(f"{api.base_url}/login", json=body, timeout=300)


def burst(api: Api, username: str, password: str, size: int = 40) -> list[requests.Response]:
    """`size` logins released together by a barrier."""
    barrier = threading.Barrier(size)

    def attempt(_: int) -> requests.Response:
        barrier.wait()
        return patient_login(api, username, password)

    with ThreadPoolExecutor(max_workers=size) as pool:
        return list(pool.map(attempt, range(size)))


def test_forty_concurrent_wrong_guesses_get_at_most_the_budget_of_401s(api: Api) -> None:
    username = api.register()
    # The emulator starts one Lambda worker per concurrent request, one after another; a first burst (for a name
    # that does not exist, so it locks nothing) leaves 40 warm workers, and the real burst then runs in parallel.
    assert {r.status_code for r in burst(api, unique("nobody"), "wrong-guess1")} == {401}

    responses = burst(api, username, "wrong-guess1")

    statuses = [r.status_code for r in responses]
    assert statuses.count(401) <= BUDGET, statuses
    assert statuses.count(401) + statuses.count(429) == 40, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 429} <= {"TOO_MANY_REQUESTS"}
    right = patient_login(api, username, PASSWORD)
    assert right.status_code == 429
    assert right.json()["code"] == "TOO_MANY_REQUESTS"
    assert 0 < int(right.headers["Retry-After"]) <= 900


def test_a_deleted_account_leaves_nothing_a_later_account_could_inherit(
    api: Api, employee_token: str, dynamodb: Any, deployment: localstack.Deployment
) -> None:
    username = api.register()
    token = api.login(username)
    assert api.put(f"/customers/{username}/charge", token, json={"amount": 50}).status_code == 200
    good_id = add_good(api, employee_token, count=5, price=10)
    assert sell(api, token, good_id, key=unique("key")).status_code == 201
    review = api.post("/reviews/submit", token, json={"product_id": good_id, "rating": 4, "comment": "Fine."})
    assert review.status_code == 201, review.text

    assert api.delete(f"/customers/{username}", token).status_code == 204

    again = api.post(
        "/customers/register",
        json={
            "full_name": "Second Owner",
            "username": username,
            "password": "an0ther-pass",
            "age": 40,
            "address": "x",
            "gender": "x",
            "marital_status": "x",
        },
    )
    assert again.status_code == 409
    assert again.json()["code"] == "USERNAME_TAKEN"
    assert api.get(f"/customers/{username}", token).status_code == 404
    assert api.put(f"/customers/{username}/charge", token, json={"amount": 5}).status_code == 404
    assert api.put(f"/customers/{username}/deduct", token, json={"amount": 5}).status_code == 404
    assert api.get(f"/customers/{username}", employee_token).status_code == 404
    assert api.post("/login", json={"username": username, "password": PASSWORD}).status_code == 401
    assert api.post("/login", json={"username": username, "password": "an0ther-pass"}).status_code == 401
    stored = customers_table(dynamodb, deployment).get_item(Key={"username": username}, ConsistentRead=True)["Item"]
    assert set(stored) == {"username", "deleted_at"}


def test_a_password_is_compared_exactly_as_registered(api: Api) -> None:
    username = api.register(password="  Spaced0ut  ")

    assert api.post("/login", json={"username": username, "password": "Spaced0ut"}).status_code == 401
    assert api.post("/login", json={"username": username, "password": "  Spaced0ut  "}).status_code == 200


def test_a_charge_past_the_largest_balance_is_409_and_changes_nothing(
    api: Api, customer: tuple[str, str], dynamodb: Any, deployment: localstack.Deployment
) -> None:
    username, token = customer
    table = customers_table(dynamodb, deployment)
    table.update_item(
        Key={"username": username},
        UpdateExpression="SET wallet_balance = :b",
        ExpressionAttributeValues={":b": MONEY_MAX - 1},
    )

    response = api.put(f"/customers/{username}/charge", token, json={"amount": 2})

    assert response.status_code == 409
    assert response.json()["code"] == "WALLET_LIMIT_EXCEEDED"
    stored = table.get_item(Key={"username": username}, ConsistentRead=True)["Item"]["wallet_balance"]
    assert Decimal(stored) == MONEY_MAX - 1
