"""Inventory service (employees only), driven through its Lambda handlers with API Gateway events on moto."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import boto3
import pytest

from tests.unit.conftest import SEED_GOOD_ID, Invoke

ADD = ("inventory_api.add_good", "POST", "/inventory/add")
UPDATE = ("inventory_api.update_good", "PATCH", "/inventory/{id}/update")
DEDUCT = ("inventory_api.deduct_stock", "PUT", "/inventory/{id}/deduct")
DELETE = ("inventory_api.delete_good", "DELETE", "/inventory/{id}")
MISSING_ID = "0b5f3c2e-1d4a-4c8e-9f00-00000000dead"


def new_good(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Green tea",
        "category": "food",
        "price": 4.99,
        "description": "100 g, loose leaf",
        "count": 25,
    } | overrides


def goods_table() -> Any:
    return boto3.resource("dynamodb").Table("InventoryTable")


def stored(good_id: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = goods_table().get_item(Key={"id": good_id}).get("Item")
    return item


def all_goods() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = goods_table().scan()["Items"]
    return items


def test_add_good_returns_201_with_a_uuid4_id(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*ADD, token=seed["EMPLOYEE_TOKEN"], body=new_good())

    assert result.status == 201
    assert set(result.body) == {"id", "name", "category", "price", "description", "count"}
    assert uuid.UUID(result.body["id"]).version == 4
    assert result.body | {"id": None} == new_good() | {"id": None}
    item = stored(result.body["id"])
    assert item is not None
    assert item["price"] == Decimal("4.99")
    assert item["count"] == 25
    assert (item["rating_sum"], item["rating_count"]) == (0, 0)
    assert item["in_stock"] == "Y"


def test_add_good_description_is_optional(call: Invoke, seed: dict[str, str]) -> None:
    body = new_good()
    del body["description"]
    result = call(*ADD, token=seed["EMPLOYEE_TOKEN"], body=body)
    assert result.status == 201
    assert result.body["description"] == ""


def test_inventory_is_for_employees_only(call: Invoke, seed: dict[str, str]) -> None:
    before = all_goods()
    customer = seed["CUSTOMER_TOKEN"]
    assert call(*ADD, token=customer, body=new_good()).status == 403
    assert call(*ADD, body=new_good()).status == 401
    assert call(*ADD, token="not-a-jwt", body=new_good()).status == 401
    assert call(*UPDATE, {"id": SEED_GOOD_ID}, token=customer, body={"price": 1}).status == 403
    assert call(*DEDUCT, {"id": SEED_GOOD_ID}, token=customer, body={"count": 1}).status == 403
    assert call(*DELETE, {"id": SEED_GOOD_ID}, token=customer).status == 403
    assert call(*DELETE, {"id": SEED_GOOD_ID}).status == 401
    assert all_goods() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "x" * 101),
        ("name", None),
        ("category", "toys"),
        ("category", "Food"),
        ("price", 0),
        ("price", -1),
        ("price", 1.001),
        ("price", "5"),
        ("price", True),
        ("description", "x" * 2001),
        ("count", -1),
        ("count", 1.5),
        ("count", "3"),
        ("count", True),
        ("count", None),
        ("count", 10**40),
        ("rating_avg", 5),
        ("id", "chosen-by-client"),
    ],
)
def test_invalid_good_is_400_and_stores_nothing(call: Invoke, seed: dict[str, str], field: str, value: Any) -> None:
    result = call(*ADD, token=seed["EMPLOYEE_TOKEN"], body=new_good(**{field: value}))

    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"
    assert any(field in detail["loc"] for detail in result.body["details"])
    assert [g["id"] for g in all_goods()] == [SEED_GOOD_ID]


@pytest.mark.parametrize("missing", ["name", "category", "price", "count"])
def test_required_fields(call: Invoke, seed: dict[str, str], missing: str) -> None:
    body = new_good()
    del body[missing]
    assert call(*ADD, token=seed["EMPLOYEE_TOKEN"], body=body).status == 400
    assert len(all_goods()) == 1


def test_update_changes_only_the_given_fields(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*UPDATE, {"id": SEED_GOOD_ID}, token=seed["EMPLOYEE_TOKEN"], body={"price": 13.25, "count": 40})

    assert result.status == 200
    assert result.body == {
        "id": SEED_GOOD_ID,
        "name": "Espresso beans",
        "category": "food",
        "price": 13.25,
        "description": "1 kg, dark roast",
        "count": 40,
    }
    item = stored(SEED_GOOD_ID)
    assert item is not None
    assert item["price"] == Decimal("13.25")
    assert item["rating_count"] == 0
    assert "updated_at" in item


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rating_avg": 5},
        {"id": "other"},
        {"created_at": "x"},
        {"name": None},
        {"price": 0},
        {"price": "13"},
        {"count": -1},
        {"count": 2.5},
        {"category": "toys"},
        {"name": "ok", "unknown": 1},
    ],
)
def test_update_rejects_empty_unknown_null_or_invalid_fields(
    call: Invoke, seed: dict[str, str], body: dict[str, Any]
) -> None:
    before = stored(SEED_GOOD_ID)
    result = call(*UPDATE, {"id": SEED_GOOD_ID}, token=seed["EMPLOYEE_TOKEN"], body=body)
    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"
    assert stored(SEED_GOOD_ID) == before


def test_update_of_a_missing_good_is_404_and_creates_nothing(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*UPDATE, {"id": MISSING_ID}, token=seed["EMPLOYEE_TOKEN"], body={"count": 3})
    assert result.status == 404
    assert result.body["code"] == "NOT_FOUND"
    assert stored(MISSING_ID) is None


@pytest.mark.parametrize("bad_id", ["x" * 65, "not$an$id", "a b"])
def test_malformed_ids_are_400_not_500(call: Invoke, seed: dict[str, str], bad_id: str) -> None:
    token = seed["EMPLOYEE_TOKEN"]
    assert call(*UPDATE, {"id": bad_id}, token=token, body={"count": 3}).status == 400
    assert call(*DEDUCT, {"id": bad_id}, token=token, body={"count": 1}).status == 400
    assert call(*DELETE, {"id": bad_id}, token=token).status == 400


def test_deduct_takes_stock_out(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*DEDUCT, {"id": SEED_GOOD_ID}, token=seed["EMPLOYEE_TOKEN"], body={"count": 4})
    assert result.status == 200
    assert result.body["count"] == 6
    assert result.body["id"] == SEED_GOOD_ID
    assert stored(SEED_GOOD_ID)["count"] == 6  # type: ignore[index]


def test_deduct_to_exactly_zero_then_409(call: Invoke, seed: dict[str, str]) -> None:
    token = seed["EMPLOYEE_TOKEN"]
    assert call(*DEDUCT, {"id": SEED_GOOD_ID}, token=token, body={"count": 10}).body["count"] == 0
    result = call(*DEDUCT, {"id": SEED_GOOD_ID}, token=token, body={"count": 1})
    assert result.status == 409
    assert result.body["code"] == "INSUFFICIENT_STOCK"
    assert stored(SEED_GOOD_ID)["count"] == 0  # type: ignore[index]


def test_deduct_more_than_stock_is_409_and_changes_nothing(call: Invoke, seed: dict[str, str]) -> None:
    before = stored(SEED_GOOD_ID)
    result = call(*DEDUCT, {"id": SEED_GOOD_ID}, token=seed["EMPLOYEE_TOKEN"], body={"count": 11})
    assert result.status == 409
    assert result.body["code"] == "INSUFFICIENT_STOCK"
    assert stored(SEED_GOOD_ID) == before


def test_deduct_of_a_missing_good_is_404_and_creates_nothing(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*DEDUCT, {"id": MISSING_ID}, token=seed["EMPLOYEE_TOKEN"], body={"count": 1})
    assert result.status == 404
    assert stored(MISSING_ID) is None


@pytest.mark.parametrize("count", [0, -1, 1.5, "2", True, None, 10**40])
def test_bad_deduct_counts_are_400_and_change_nothing(call: Invoke, seed: dict[str, str], count: Any) -> None:
    result = call(*DEDUCT, {"id": SEED_GOOD_ID}, token=seed["EMPLOYEE_TOKEN"], body={"count": count})
    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"
    assert stored(SEED_GOOD_ID)["count"] == 10  # type: ignore[index]


def test_delete_is_204_then_404(call: Invoke, seed: dict[str, str]) -> None:
    token = seed["EMPLOYEE_TOKEN"]
    deleted = call(*DELETE, {"id": SEED_GOOD_ID}, token=token)
    assert deleted.status == 204
    assert deleted.body is None
    assert stored(SEED_GOOD_ID) is None
    again = call(*DELETE, {"id": SEED_GOOD_ID}, token=token)
    assert again.status == 404
    assert again.body["code"] == "NOT_FOUND"


def test_added_good_can_be_updated_deducted_and_deleted(call: Invoke, seed: dict[str, str]) -> None:
    token = seed["EMPLOYEE_TOKEN"]
    good_id = call(*ADD, token=token, body=new_good(count=3)).body["id"]
    assert call(*UPDATE, {"id": good_id}, token=token, body={"name": "Sencha"}).body["name"] == "Sencha"
    assert call(*DEDUCT, {"id": good_id}, token=token, body={"count": 3}).body["count"] == 0
    assert call(*DELETE, {"id": good_id}, token=token).status == 204
    assert stored(good_id) is None


DISPLAY = ("sales_api.display_goods", "GET", "/sales/display-goods")


def shop_window(call: Invoke) -> set[str]:
    return {item["id"] for item in call(*DISPLAY).body["items"]}


def test_every_stock_change_keeps_the_shop_window_in_step(call: Invoke, seed: dict[str, str]) -> None:
    """The in-stock index is sparse: each route that changes a count also lists or unlists the good."""
    token = seed["EMPLOYEE_TOKEN"]
    empty = call(*ADD, token=token, body=new_good(count=0)).body["id"]
    stocked = call(*ADD, token=token, body=new_good(name="Oolong", count=3)).body["id"]
    assert shop_window(call) == {SEED_GOOD_ID, stocked}

    assert call(*DEDUCT, {"id": stocked}, token=token, body={"count": 3}).body["count"] == 0
    assert call(*UPDATE, {"id": empty}, token=token, body={"count": 5}).body["count"] == 5
    assert shop_window(call) == {SEED_GOOD_ID, empty}

    assert call(*UPDATE, {"id": empty}, token=token, body={"count": 0}).status == 200
    assert call(*UPDATE, {"id": SEED_GOOD_ID}, token=token, body={"price": 13}).status == 200
    assert shop_window(call) == {SEED_GOOD_ID}
    assert "in_stock" not in stored(empty)  # type: ignore[operator]


def test_deducting_part_of_the_stock_keeps_the_good_listed(call: Invoke, seed: dict[str, str]) -> None:
    assert call(*DEDUCT, {"id": SEED_GOOD_ID}, token=seed["EMPLOYEE_TOKEN"], body={"count": 9}).body["count"] == 1
    assert shop_window(call) == {SEED_GOOD_ID}
