"""Edges of stock and of every update's timestamp the main tests leave open (found by mutation testing,
docs/testing.md)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from tests.dynamo_usage import dynamodb_usage
from tests.unit.conftest import SEED_GOOD_ID, Invoke

ADD_GOOD = ("inventory_api.add_good", "POST", "/inventory/add")
UPDATE_GOOD = ("inventory_api.update_good", "PATCH", "/inventory/{id}/update")
DEDUCT = ("inventory_api.deduct_stock", "PUT", "/inventory/{id}/deduct")
DISPLAY = ("sales_api.display_goods", "GET", "/sales/display-goods")
UPDATE_CUSTOMER = ("customers_api.update_customer", "PATCH", "/customers/{username}")
LONG_AGO = "2020-01-01T00:00:00.000Z"


def table(name: str) -> Any:
    return boto3.resource("dynamodb").Table(name)


def age(name: str, key: dict[str, str]) -> None:
    table(name).update_item(
        Key=key, UpdateExpression="SET updated_at = :then", ExpressionAttributeValues={":then": LONG_AGO}
    )


def updated_at(name: str, key: dict[str, str]) -> str:
    value: str = table(name).get_item(Key=key)["Item"]["updated_at"]
    return value


def listed(call: Invoke) -> list[str]:
    return [item["id"] for item in call(*DISPLAY).body["items"]]


def test_taking_stock_while_units_remain_is_one_write(call: Invoke, seed: dict[str, str]) -> None:
    with dynamodb_usage() as usage:
        result = call(*DEDUCT, {"id": SEED_GOOD_ID}, body={"count": 2}, token=seed["EMPLOYEE_TOKEN"])

    assert result.status == 200
    assert result.body["count"] == 8
    assert usage.calls["UpdateItem"] == 1


@pytest.mark.parametrize(("count", "in_shop_window"), [(1, True), (0, False)])
def test_a_good_updated_to_one_unit_is_still_on_sale(
    call: Invoke, seed: dict[str, str], count: int, in_shop_window: bool
) -> None:
    result = call(*UPDATE_GOOD, {"id": SEED_GOOD_ID}, body={"count": count}, token=seed["EMPLOYEE_TOKEN"])

    assert result.status == 200
    assert (SEED_GOOD_ID in listed(call)) is in_shop_window


@pytest.mark.parametrize(("count", "in_shop_window"), [(1, True), (0, False)])
def test_a_good_added_with_one_unit_is_on_sale(
    call: Invoke, seed: dict[str, str], count: int, in_shop_window: bool
) -> None:
    body = {"name": "Last jar", "category": "food", "price": 4.5, "description": "", "count": count}
    result = call(*ADD_GOOD, body=body, token=seed["EMPLOYEE_TOKEN"])

    assert result.status == 201, result.body
    assert (result.body["id"] in listed(call)) is in_shop_window


@pytest.mark.parametrize(
    ("route", "body"),
    [(UPDATE_GOOD, {"price": 13.5}), (DEDUCT, {"count": 1})],
    ids=["update", "deduct"],
)
def test_changing_a_good_moves_its_updated_at(
    call: Invoke, seed: dict[str, str], route: tuple[str, str, str], body: dict[str, Any]
) -> None:
    age("InventoryTable", {"id": SEED_GOOD_ID})

    assert call(*route, {"id": SEED_GOOD_ID}, body=body, token=seed["EMPLOYEE_TOKEN"]).status == 200

    stamp = updated_at("InventoryTable", {"id": SEED_GOOD_ID})
    assert stamp > LONG_AGO
    assert stamp.endswith("Z")


def test_changing_a_profile_moves_its_updated_at(call: Invoke, seed: dict[str, str]) -> None:
    age("CustomersTable", {"username": "ada"})

    result = call(*UPDATE_CUSTOMER, {"username": "ada"}, body={"address": "Marylebone"}, token=seed["CUSTOMER_TOKEN"])

    assert result.status == 200
    stamp = updated_at("CustomersTable", {"username": "ada"})
    assert stamp > LONG_AGO
    assert stamp.endswith("Z")
