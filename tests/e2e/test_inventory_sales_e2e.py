"""Inventory and sales over HTTP: API Gateway -> Lambda -> DynamoDB on the local stack."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
import requests
from boto3.dynamodb.conditions import Attr

from shopctl import localstack
from tests.e2e.conftest import Api, unique


@pytest.fixture(scope="module")
def tables(dynamodb: Any, deployment: localstack.Deployment) -> dict[str, Any]:
    outputs = deployment.outputs
    return {
        "inventory": dynamodb.Table(outputs["InventoryTableName"]),
        "customers": dynamodb.Table(outputs["CustomersTableName"]),
        "sales": dynamodb.Table(outputs["SalesTableName"]),
    }


def add_good(api: Api, employee_token: str, count: int = 10, price: float = 12.5) -> str:
    body = {"name": unique("good"), "category": "electronics", "price": price, "description": "e2e", "count": count}
    response = api.post("/inventory/add", employee_token, json=body)
    assert response.status_code == 201, response.text
    good_id: str = response.json()["id"]
    return good_id


def funded_customer(api: Api, employee_token: str, amount: float) -> tuple[str, str]:
    username = api.register()
    token = api.login(username)
    response = api.put(f"/customers/{username}/charge", employee_token, json={"amount": amount})
    assert response.status_code == 200, response.text
    return username, token


def stock(tables: dict[str, Any], good_id: str) -> int:
    return int(tables["inventory"].get_item(Key={"id": good_id}, ConsistentRead=True)["Item"]["count"])


def wallet(tables: dict[str, Any], username: str) -> Decimal:
    item = tables["customers"].get_item(Key={"username": username}, ConsistentRead=True)["Item"]
    return Decimal(item["wallet_balance"])


def sales_of(tables: dict[str, Any], good_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"FilterExpression": Attr("good_id").eq(good_id), "ConsistentRead": True}
    while True:
        page = tables["sales"].scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def sell(api: Api, token: str, good_id: str, quantity: Any = 1, key: str | None = None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return api.post("/sales/sell", token, json={"good_id": good_id, "quantity": quantity}, headers=headers)


def sell_patiently(api: Api, token: str, good_id: str, quantity: Any = 1) -> requests.Response:
    # A burst of 50 can make the emulator start up to 50 Lambda workers on a small machine; the test is about
    # correctness, so it waits for them instead of failing on a slow cold start.
    headers = {"Authorization": f"Bearer {token}"}
    body = {"good_id": good_id, "quantity": quantity}
    return api.session.post(f"{api.base_url}/sales/sell", json=body, headers=headers, timeout=300)


def test_inventory_lifecycle(api: Api, employee_token: str, customer: tuple[str, str]) -> None:
    _, customer_token = customer
    good_id = add_good(api, employee_token, count=5)

    updated = api.patch(f"/inventory/{good_id}/update", employee_token, json={"price": 9.99, "count": 8})
    deducted = api.put(f"/inventory/{good_id}/deduct", employee_token, json={"count": 3})
    too_many = api.put(f"/inventory/{good_id}/deduct", employee_token, json={"count": 6})

    assert updated.status_code == 200
    assert (updated.json()["price"], updated.json()["count"]) == (9.99, 8)
    assert deducted.status_code == 200
    assert deducted.json()["count"] == 5
    assert too_many.status_code == 409
    assert too_many.json()["code"] == "INSUFFICIENT_STOCK"
    assert api.patch(f"/inventory/{good_id}/update", employee_token, json={"rating_avg": 5}).status_code == 400
    assert api.patch(f"/inventory/{good_id}/update", employee_token, json={}).status_code == 400
    assert api.put(f"/inventory/{good_id}/deduct", customer_token, json={"count": 1}).status_code == 403
    anonymous = {"name": "x", "category": "food", "price": 1, "count": 1}
    assert api.post("/inventory/add", json=anonymous).status_code == 401
    assert api.get(f"/sales/goods/{good_id}").json()["count"] == 5

    assert api.delete(f"/inventory/{good_id}", employee_token).status_code == 204
    assert api.get(f"/sales/goods/{good_id}").status_code == 404
    assert api.delete(f"/inventory/{good_id}", employee_token).status_code == 404


def test_display_goods_and_details(api: Api, employee_token: str) -> None:
    in_stock = add_good(api, employee_token, count=2, price=3.5)
    sold_out = add_good(api, employee_token, count=0)

    listed: dict[str, dict[str, Any]] = {}
    token: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"next_token": token} if token else {})
        page = api.get("/sales/display-goods", params=params)
        assert page.status_code == 200
        listed |= {item["id"]: item for item in page.json()["items"]}
        token = page.json()["next_token"]
        if token is None:
            break

    assert sold_out not in listed
    assert set(listed[in_stock]) == {"id", "name", "category", "price"}
    assert listed[in_stock]["price"] == 3.5
    details = api.get(f"/sales/goods/{in_stock}")
    assert details.status_code == 200
    assert details.json() | {"name": None} == {
        "id": in_stock,
        "name": None,
        "category": "electronics",
        "price": 3.5,
        "description": "e2e",
        "count": 2,
        "rating_avg": 0,
        "rating_count": 0,
    }
    assert api.get("/sales/display-goods", params={"limit": 0}).status_code == 400


def test_fifty_concurrent_buyers_of_ten_items(api: Api, employee_token: str, tables: dict[str, Any]) -> None:
    good_id = add_good(api, employee_token, count=10, price=12.5)
    # One after another: each setup route then runs on one warm worker, where 8 at a time made the emulator
    # unpack and start 8 workers of each (9 s more on 2 cores). The race under test is the burst below.
    buyers = [funded_customer(api, employee_token, 20) for _ in range(50)]

    with ThreadPoolExecutor(max_workers=50) as pool:
        # Warm-up: 50 concurrent invalid requests (400, nothing read or written) start the workers, so the
        # real burst below races on warm functions instead of being spread out by cold starts.
        warm_up = list(pool.map(lambda buyer: sell_patiently(api, buyer[1], good_id, 0), buyers))
        assert {r.status_code for r in warm_up} == {400}
        responses = list(pool.map(lambda buyer: sell_patiently(api, buyer[1], good_id), buyers))

    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 10, statuses
    assert statuses.count(409) == 40, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"INSUFFICIENT_STOCK"}
    assert stock(tables, good_id) == 0
    recorded = sales_of(tables, good_id)
    assert len(recorded) == 10
    sold_to = {sale["username"] for sale in recorded}
    for (username, _), response in zip(buyers, responses, strict=True):
        balance = wallet(tables, username)
        assert balance >= 0
        if response.status_code == 201:
            assert username in sold_to
            assert balance == Decimal("7.5")
            assert response.json()["remaining_balance"] == 7.5
        else:
            assert username not in sold_to
            assert balance == Decimal(20)


def test_one_customers_twenty_parallel_purchases_settle_without_a_5xx(
    api: Api, employee_token: str, tables: dict[str, Any]
) -> None:
    good_id = add_good(api, employee_token, count=50, price=10)
    username, token = funded_customer(api, employee_token, 100)
    start = threading.Barrier(20)

    def buy(_: int) -> requests.Response:
        start.wait(timeout=60)
        return sell_patiently(api, token, good_id)

    with ThreadPoolExecutor(max_workers=20) as pool:
        warm_up = list(pool.map(lambda _: sell_patiently(api, token, good_id, 0), range(20)))
        assert {r.status_code for r in warm_up} == {400}
        responses = list(pool.map(buy, range(20)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] * 10 + [409] * 10, statuses
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"INSUFFICIENT_FUNDS"}
    balances = sorted(r.json()["remaining_balance"] for r in responses if r.status_code == 201)
    assert balances == [10 * n for n in range(10)]
    recorded = sales_of(tables, good_id)
    assert sorted(sale["remaining_balance"] for sale in recorded) == [Decimal(10 * n) for n in range(10)]
    assert (wallet(tables, username), stock(tables, good_id)) == (Decimal(0), 40)


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", 101, True])
def test_bad_quantities_are_400_and_change_nothing(
    api: Api, employee_token: str, tables: dict[str, Any], quantity: Any
) -> None:
    good_id = add_good(api, employee_token, count=10)
    username, token = funded_customer(api, employee_token, 50)

    response = sell(api, token, good_id, quantity)

    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert stock(tables, good_id) == 10
    assert wallet(tables, username) == Decimal(50)
    assert sales_of(tables, good_id) == []


def test_purchase_conflicts_change_nothing(api: Api, employee_token: str, tables: dict[str, Any]) -> None:
    good_id = add_good(api, employee_token, count=3, price=10)
    username, token = funded_customer(api, employee_token, 25)

    no_funds = sell(api, token, good_id, 3)
    no_stock = sell(api, token, good_id, 4)
    missing = sell(api, token, "0b5f3c2e-1d4a-4c8e-9f00-00000000dead", 1)
    as_employee = sell(api, employee_token, good_id, 1)

    assert (no_funds.status_code, no_funds.json()["code"]) == (409, "INSUFFICIENT_FUNDS")
    assert (no_stock.status_code, no_stock.json()["code"]) == (409, "INSUFFICIENT_STOCK")
    assert missing.status_code == 404
    assert as_employee.status_code == 403
    assert (stock(tables, good_id), wallet(tables, username), sales_of(tables, good_id)) == (3, Decimal(25), [])


def test_idempotency_key_retries_charge_once(api: Api, employee_token: str, tables: dict[str, Any]) -> None:
    good_id = add_good(api, employee_token, count=10, price=5)
    username, token = funded_customer(api, employee_token, 100)

    first = sell(api, token, good_id, 2, key="order-1")
    retries = [sell(api, token, good_id, 2, key="order-1") for _ in range(3)]
    reused = sell(api, token, good_id, 3, key="order-1")

    assert first.status_code == 201
    assert first.json()["remaining_balance"] == 90
    assert all(r.status_code == 201 and r.json() == first.json() for r in retries)
    assert (reused.status_code, reused.json()["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert (stock(tables, good_id), wallet(tables, username), len(sales_of(tables, good_id))) == (8, Decimal(90), 1)


def test_concurrent_idempotency_key_retries_charge_once(api: Api, employee_token: str, tables: dict[str, Any]) -> None:
    good_id = add_good(api, employee_token, count=10, price=5)
    username, token = funded_customer(api, employee_token, 100)

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(lambda _: sell(api, token, good_id, 3, key="double-click"), range(10)))

    # Ten copies of one request: they all describe the one sale, whichever of them made it.
    assert [r.status_code for r in responses] == [201] * 10
    assert len({r.json()["sale_id"] for r in responses}) == 1
    assert all(r.json() == responses[0].json() for r in responses)
    assert (stock(tables, good_id), wallet(tables, username), len(sales_of(tables, good_id))) == (7, Decimal(85), 1)


def test_history_is_newest_first_and_paginated(api: Api, employee_token: str) -> None:
    good_id = add_good(api, employee_token, count=10, price=1)
    username, token = funded_customer(api, employee_token, 10)
    made = [sell(api, token, good_id, quantity).json()["sale_id"] for quantity in (1, 2, 3)]

    seen: list[dict[str, Any]] = []
    page_sizes: list[int] = []
    next_token: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"next_token": next_token} if next_token else {})
        page = api.get(f"/sales/history/{username}", token, params=params)
        assert page.status_code == 200
        page_sizes.append(len(page.json()["items"]))
        seen += page.json()["items"]
        next_token = page.json()["next_token"]
        if next_token is None:
            break

    assert page_sizes[:2] == [2, 1]
    assert [s["sale_id"] for s in seen] == list(reversed(made))
    assert [s["sale_date"] for s in seen] == sorted((s["sale_date"] for s in seen), reverse=True)
    assert api.get(f"/sales/history/{username}", employee_token).status_code == 200
    assert api.get(f"/sales/history/{username}", api.login(api.register())).status_code == 403
    assert api.get(f"/sales/history/{username}").status_code == 401
