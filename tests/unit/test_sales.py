"""Sales service, driven through its Lambda handlers with API Gateway events on moto."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto.dynamodb.models import DynamoDBBackend

from customers_api import service as customers_service
from sales_api import service
from shop_shared import auth
from shop_shared.data import customers as customers_data
from shop_shared.data import dynamo
from shop_shared.data import sales as sales_data
from shop_shared.errors import Conflict, HighDemand, ShopError
from shop_shared.models.common import MONEY_MAX
from shop_shared.models.sales import Sale, SellRequest
from tests.unit import iam
from tests.unit.conftest import SEED_CUSTOMER, SEED_GOOD_ID, HttpResult, Invoke, LogLines

DISPLAY = ("sales_api.display_goods", "GET", "/sales/display-goods")
GOOD = ("sales_api.get_good", "GET", "/sales/goods/{id}")
SELL = ("sales_api.sell", "POST", "/sales/sell")
HISTORY = ("sales_api.sales_history", "GET", "/sales/history/{username}")
MISSING_ID = "0b5f3c2e-1d4a-4c8e-9f00-00000000dead"


def table(name: str) -> Any:
    return boto3.resource("dynamodb").Table(name)


def stock(good_id: str = SEED_GOOD_ID) -> int | None:
    item = table("InventoryTable").get_item(Key={"id": good_id}).get("Item")
    return None if item is None else int(item["count"])


def wallet(username: str = SEED_CUSTOMER) -> Decimal | None:
    item = table("CustomersTable").get_item(Key={"username": username}).get("Item")
    return None if item is None else Decimal(item["wallet_balance"])


def sales() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = table("SalesTable").scan()["Items"]
    return items


def put_good(good_id: str, count: int, price: str = "1.00", name: str | None = None) -> None:
    table("InventoryTable").put_item(
        Item={
            "id": good_id,
            "name": name or f"Good {good_id[-4:]}",
            "category": "electronics",
            "price": Decimal(price),
            "description": "",
            "count": count,
            **({"in_stock": "Y"} if count > 0 else {}),
        }
    )


def put_customer(username: str, balance: str) -> str:
    table("CustomersTable").put_item(
        Item={"username": username, "wallet_balance": Decimal(balance), "role": "customer", "full_name": username}
    )
    return auth.issue_token(username, auth.CUSTOMER)


def buy(call: Invoke, token: str, quantity: Any = 1, key: str | None = None, good_id: str = SEED_GOOD_ID) -> HttpResult:
    headers = {"Idempotency-Key": key} if key is not None else None
    return call(*SELL, token=token, body={"good_id": good_id, "quantity": quantity}, headers=headers)


# ---------------------------------------------------------------- display-goods and details


def test_display_goods_lists_only_goods_in_stock_without_auth(call: Invoke, seed: dict[str, str]) -> None:
    put_good("sold-out-0001", 0)
    result = call(*DISPLAY)

    assert result.status == 200
    assert result.body == {
        "items": [{"id": SEED_GOOD_ID, "name": "Espresso beans", "category": "food", "price": 12.5}],
        "next_token": None,
    }


def test_display_goods_pages_through_every_good_in_stock_exactly_once(call: Invoke, seed: dict[str, str]) -> None:
    in_stock = {SEED_GOOD_ID} | {f"good-{n:04d}" for n in range(12)}
    for good_id in sorted(in_stock - {SEED_GOOD_ID}):
        put_good(good_id, 5)
    for n in range(7):
        put_good(f"gone-{n:04d}", 0)

    pages: list[list[dict[str, Any]]] = []
    token: str | None = None
    while True:
        query = {"limit": "4"} | ({"next_token": token} if token else {})
        page = call(*DISPLAY, query=query)
        assert page.status == 200
        assert all(set(item) == {"id", "name", "category", "price"} for item in page.body["items"])
        pages.append(page.body["items"])
        token = page.body["next_token"]
        if token is None:
            break
    seen = [item for page in pages for item in page]
    assert sorted(item["id"] for item in seen) == sorted(in_stock)
    # 13 goods in stock, 4 a page: every page full but the last, and no empty page after it.
    assert [len(page) for page in pages] == [4, 4, 4, 1]
    assert [item["name"] for item in seen] == sorted(item["name"] for item in seen)


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"next_token": "garbage!"}])
def test_bad_display_parameters_are_400(call: Invoke, seed: dict[str, str], query: dict[str, str]) -> None:
    result = call(*DISPLAY, query=query)
    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"


def test_good_details_include_rating_for_anyone(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*GOOD, {"id": SEED_GOOD_ID})
    assert result.status == 200
    assert result.body == {
        "id": SEED_GOOD_ID,
        "name": "Espresso beans",
        "category": "food",
        "price": 12.5,
        "description": "1 kg, dark roast",
        "count": 10,
        "rating_avg": 0,
        "rating_count": 0,
    }


def test_good_details_default_the_rating_to_zero_and_show_a_rated_good(call: Invoke, seed: dict[str, str]) -> None:
    put_good("unrated-0001", 1)
    table("InventoryTable").update_item(
        Key={"id": SEED_GOOD_ID},
        # The running aggregate the moderation job keeps: two approved reviews, 4 and 5 stars.
        UpdateExpression="SET rating_sum = :s, rating_count = :c",
        ExpressionAttributeValues={":s": 9, ":c": 2},
    )
    unrated = call(*GOOD, {"id": "unrated-0001"}).body
    rated = call(*GOOD, {"id": SEED_GOOD_ID}).body
    assert (unrated["rating_avg"], unrated["rating_count"]) == (0, 0)
    assert (rated["rating_avg"], rated["rating_count"]) == (4.5, 2)


def test_good_details_of_a_missing_or_malformed_id(call: Invoke, seed: dict[str, str]) -> None:
    missing = call(*GOOD, {"id": MISSING_ID})
    assert missing.status == 404
    assert missing.body["code"] == "NOT_FOUND"
    assert call(*GOOD, {"id": "x" * 3000}).status == 400


# ---------------------------------------------------------------- buying


def test_sell_charges_the_wallet_takes_stock_and_records_a_snapshot(call: Invoke, seed: dict[str, str]) -> None:
    result = buy(call, seed["CUSTOMER_TOKEN"], 3)

    assert result.status == 201
    body = result.body
    assert set(body) == {
        "sale_id",
        "good_id",
        "good_name",
        "quantity",
        "unit_price",
        "total_price",
        "remaining_balance",
        "sale_date",
    }
    assert body["good_id"] == SEED_GOOD_ID
    assert body["good_name"] == "Espresso beans"
    assert (body["quantity"], body["unit_price"], body["total_price"]) == (3, 12.5, 37.5)
    assert body["remaining_balance"] == 62.5
    assert stock() == 7
    assert wallet() == Decimal("62.50")
    (sale,) = sales()
    assert sale["sale_id"] == body["sale_id"]
    assert sale["username"] == SEED_CUSTOMER
    assert sale["unit_price"] == Decimal("12.50")
    assert sale["total_price"] == Decimal("37.50")
    assert sale["sale_date"] == body["sale_date"]


def test_the_sale_keeps_its_snapshot_when_the_good_changes_later(call: Invoke, seed: dict[str, str]) -> None:
    sale_id = buy(call, seed["CUSTOMER_TOKEN"], 1).body["sale_id"]
    table("InventoryTable").update_item(
        Key={"id": SEED_GOOD_ID},
        UpdateExpression="SET price = :p, #n = :n",
        ExpressionAttributeNames={"#n": "name"},
        ExpressionAttributeValues={":p": Decimal(99), ":n": "Renamed"},
    )
    (item,) = call(*HISTORY, {"username": SEED_CUSTOMER}, token=seed["CUSTOMER_TOKEN"]).body["items"]
    assert item["sale_id"] == sale_id
    assert (item["good_name"], item["unit_price"]) == ("Espresso beans", 12.5)


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", 101, True, None, [1]])
def test_bad_quantities_are_400_and_change_nothing(call: Invoke, seed: dict[str, str], quantity: Any) -> None:
    result = buy(call, seed["CUSTOMER_TOKEN"], quantity)

    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"
    assert any("quantity" in detail["loc"] for detail in result.body["details"])
    assert stock() == 10
    assert wallet() == Decimal(100)
    assert sales() == []


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 1},
        {"good_id": SEED_GOOD_ID},
        {"good_id": SEED_GOOD_ID, "quantity": 1, "price": 0.01},
        {"good_id": SEED_GOOD_ID, "quantity": 1, "username": "boss"},
        {"good_id": "x" * 100, "quantity": 1},
        {"good_id": 7, "quantity": 1},
    ],
)
def test_bad_sell_bodies_are_400_and_change_nothing(call: Invoke, seed: dict[str, str], body: dict[str, Any]) -> None:
    result = call(*SELL, token=seed["CUSTOMER_TOKEN"], body=body)
    assert result.status == 400
    assert (stock(), wallet(), sales()) == (10, Decimal(100), [])


def test_malformed_sell_json_is_400(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*SELL, token=seed["CUSTOMER_TOKEN"], raw_body="{not json")
    assert result.status == 400
    assert (stock(), wallet(), sales()) == (10, Decimal(100), [])


def test_only_authenticated_customers_buy(call: Invoke, seed: dict[str, str]) -> None:
    assert buy(call, seed["EMPLOYEE_TOKEN"]).status == 403
    assert call(*SELL, body={"good_id": SEED_GOOD_ID, "quantity": 1}).status == 401
    assert buy(call, "garbage").status == 401
    assert (stock(), wallet(), sales()) == (10, Decimal(100), [])


def test_insufficient_stock_is_409_and_changes_nothing(call: Invoke, seed: dict[str, str]) -> None:
    put_customer("rich", "10000")
    result = buy(call, auth.issue_token("rich", auth.CUSTOMER), 11)
    assert result.status == 409
    assert result.body["code"] == "INSUFFICIENT_STOCK"
    assert (stock(), wallet("rich"), sales()) == (10, Decimal(10000), [])


def test_insufficient_funds_is_409_and_changes_nothing(call: Invoke, seed: dict[str, str]) -> None:
    result = buy(call, seed["CUSTOMER_TOKEN"], 9)  # 112.50 > 100.00
    assert result.status == 409
    assert result.body["code"] == "INSUFFICIENT_FUNDS"
    assert (stock(), wallet(), sales()) == (10, Decimal(100), [])


def test_exact_balance_can_be_spent_to_zero(call: Invoke, seed: dict[str, str]) -> None:
    put_good("cheap-0001", 100, price="0.01")
    token = put_customer("penny", "0.03")
    result = buy(call, token, 3, good_id="cheap-0001")
    assert result.status == 201
    assert result.body["total_price"] == 0.03
    assert result.body["remaining_balance"] == 0
    assert wallet("penny") == 0
    assert buy(call, token, 1, good_id="cheap-0001").body["code"] == "INSUFFICIENT_FUNDS"


def test_missing_good_is_404_and_changes_nothing(call: Invoke, seed: dict[str, str]) -> None:
    result = buy(call, seed["CUSTOMER_TOKEN"], 1, good_id=MISSING_ID)
    assert result.status == 404
    assert result.body["code"] == "NOT_FOUND"
    assert (stock(MISSING_ID), wallet(), sales()) == (None, Decimal(100), [])


def test_deleted_customer_with_a_valid_token_is_404(call: Invoke, seed: dict[str, str]) -> None:
    # The account is deleted the way the API does it: a tombstone keeps the name, so the token is still
    # valid and its username still has an item, but there is no wallet to charge.
    token = seed["CUSTOMER_TOKEN"]
    deleted = call("customers_api.delete_customer", "DELETE", "/customers/{username}", {"username": SEED_CUSTOMER},
                   token=token)  # fmt: skip
    assert deleted.status == 204
    result = buy(call, token)
    assert (result.status, result.body["code"]) == (404, "NOT_FOUND")
    assert (stock(), sales()) == (10, [])
    assert set(table("CustomersTable").get_item(Key={"username": SEED_CUSTOMER})["Item"]) == {"username", "deleted_at"}


# ---------------------------------------------------------------- idempotency


def test_idempotent_replay_returns_the_same_sale_and_charges_once(call: Invoke, seed: dict[str, str]) -> None:
    token = seed["CUSTOMER_TOKEN"]
    first = buy(call, token, 2, key="order-42")
    replays = [buy(call, token, 2, key="order-42") for _ in range(3)]

    assert first.status == 201
    assert all(r.status == 201 and r.body == first.body for r in replays)
    assert stock() == 8
    assert wallet() == Decimal(75)
    assert len(sales()) == 1


def test_replay_is_honoured_even_after_the_good_sold_out_or_was_deleted(call: Invoke, seed: dict[str, str]) -> None:
    token = seed["CUSTOMER_TOKEN"]
    first = buy(call, token, 2, key="order-7")
    table("InventoryTable").delete_item(Key={"id": SEED_GOOD_ID})
    replay = buy(call, token, 2, key="order-7")
    assert replay.status == 201
    assert replay.body == first.body
    assert wallet() == Decimal(75)


def test_key_reused_with_a_different_body_is_409_and_changes_nothing(call: Invoke, seed: dict[str, str]) -> None:
    token = seed["CUSTOMER_TOKEN"]
    buy(call, token, 2, key="order-42")
    put_good("other-0001", 5)

    for result in (buy(call, token, 3, key="order-42"), buy(call, token, 2, key="order-42", good_id="other-0001")):
        assert result.status == 409
        assert result.body["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert (stock(), stock("other-0001"), wallet(), len(sales())) == (8, 5, Decimal(75), 1)


def test_the_same_key_from_two_customers_makes_two_sales(call: Invoke, seed: dict[str, str]) -> None:
    other = put_customer("bob", "50")
    mine = buy(call, seed["CUSTOMER_TOKEN"], 1, key="shared-key")
    theirs = buy(call, other, 1, key="shared-key")
    assert (mine.status, theirs.status) == (201, 201)
    assert mine.body["sale_id"] != theirs.body["sale_id"]
    assert (stock(), wallet(), wallet("bob"), len(sales())) == (8, Decimal("87.5"), Decimal("37.5"), 2)


def test_a_failed_purchase_does_not_burn_its_key(call: Invoke, seed: dict[str, str]) -> None:
    token = seed["CUSTOMER_TOKEN"]
    assert buy(call, token, 9, key="retry-me").status == 409
    table("CustomersTable").update_item(
        Key={"username": SEED_CUSTOMER},
        UpdateExpression="SET wallet_balance = :b",
        ExpressionAttributeValues={":b": Decimal(200)},
    )
    assert buy(call, token, 9, key="retry-me").status == 201
    assert (stock(), wallet()) == (1, Decimal("87.5"))


@pytest.mark.parametrize("key", ["has space", "", "x" * 256, "tab\there"])
def test_malformed_idempotency_keys_are_400(call: Invoke, seed: dict[str, str], key: str) -> None:
    result = buy(call, seed["CUSTOMER_TOKEN"], 1, key=key)
    assert result.status == 400
    assert (stock(), wallet(), sales()) == (10, Decimal(100), [])


def test_idempotency_header_name_is_case_insensitive(call: Invoke, seed: dict[str, str]) -> None:
    token = seed["CUSTOMER_TOKEN"]
    body = {"good_id": SEED_GOOD_ID, "quantity": 1}
    first = call(*SELL, token=token, body=body, headers={"idempotency-key": "k1"})
    second = call(*SELL, token=token, body=body, headers={"IDEMPOTENCY-KEY": "k1"})
    assert first.body == second.body
    assert len(sales()) == 1


# ---------------------------------------------------------------- history


@pytest.fixture
def ticking_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sale dates one second apart, so "newest first" is decided by the data, not by millisecond luck."""
    ticks = (f"2026-11-25T10:{n // 60:02d}:{n % 60:02d}.000Z" for n in range(3600))
    monkeypatch.setattr(service, "utc_now", lambda: next(ticks))


def test_history_is_newest_first_and_paginated(call: Invoke, seed: dict[str, str], ticking_clock: None) -> None:
    token = seed["CUSTOMER_TOKEN"]
    bought = [buy(call, token, quantity).body for quantity in (1, 2, 3, 1, 1)]
    put_customer("bob", "50")
    buy(call, auth.issue_token("bob", auth.CUSTOMER), 1)

    pages: list[list[dict[str, Any]]] = []
    next_token: str | None = None
    while True:
        query = {"limit": "2"} | ({"next_token": next_token} if next_token else {})
        page = call(*HISTORY, {"username": SEED_CUSTOMER}, token=token, query=query)
        assert page.status == 200
        pages.append(page.body["items"])
        next_token = page.body["next_token"]
        if next_token is None:
            break

    items = [item for page in pages for item in page]
    assert [len(page) for page in pages[:3]] == [2, 2, 1]
    assert [item["sale_id"] for item in items] == [sale["sale_id"] for sale in reversed(bought)]
    assert all(item["username"] == SEED_CUSTOMER for item in items)
    assert set(items[0]) == {
        "sale_id",
        "username",
        "good_id",
        "good_name",
        "quantity",
        "unit_price",
        "total_price",
        "sale_date",
    }


def test_history_is_for_self_or_employees(call: Invoke, seed: dict[str, str]) -> None:
    buy(call, seed["CUSTOMER_TOKEN"], 1)
    put_customer("bob", "50")
    bob = auth.issue_token("bob", auth.CUSTOMER)

    assert call(*HISTORY, {"username": SEED_CUSTOMER}).status == 401
    assert call(*HISTORY, {"username": SEED_CUSTOMER}, token=bob).status == 403
    by_employee = call(*HISTORY, {"username": SEED_CUSTOMER}, token=seed["EMPLOYEE_TOKEN"])
    assert by_employee.status == 200
    assert len(by_employee.body["items"]) == 1
    assert call(*HISTORY, {"username": "bob"}, token=bob).body == {"items": [], "next_token": None}


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"next_token": "garbage!"}])
def test_bad_history_parameters_are_400(call: Invoke, seed: dict[str, str], query: dict[str, str]) -> None:
    result = call(*HISTORY, {"username": SEED_CUSTOMER}, token=seed["CUSTOMER_TOKEN"], query=query)
    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"


def test_malformed_history_username_is_400(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*HISTORY, {"username": "x" * 3000}, token=seed["EMPLOYEE_TOKEN"])
    assert result.status == 400


# ---------------------------------------------------------------- races between the read and the transaction

Mutation = Callable[[], None]


@pytest.fixture
def after_read(monkeypatch: pytest.MonkeyPatch) -> Callable[[Mutation], None]:
    """Run a write by "someone else" between the purchase's read and its transaction, once."""

    def install(mutation: Mutation) -> None:
        original = sales_data.read_for_purchase
        done = threading.Event()

        def read_then_mutate(*args: Any) -> sales_data.PurchaseSnapshot:
            snapshot = original(*args)
            if not done.is_set():
                done.set()
                with iam.someone_else():
                    mutation()
            return snapshot

        monkeypatch.setattr(sales_data, "read_for_purchase", read_then_mutate)

    return install


def set_attr(table_name: str, key: dict[str, str], attribute: str, value: Any) -> Mutation:
    def mutate() -> None:
        table(table_name).update_item(
            Key=key,
            UpdateExpression="SET #a = :v",
            ExpressionAttributeNames={"#a": attribute},
            ExpressionAttributeValues={":v": value},
        )

    return mutate


def test_price_change_after_the_read_charges_the_current_price(
    call: Invoke, seed: dict[str, str], after_read: Callable[[Mutation], None]
) -> None:
    after_read(set_attr("InventoryTable", {"id": SEED_GOOD_ID}, "price", Decimal("20.00")))
    result = buy(call, seed["CUSTOMER_TOKEN"], 2)

    assert result.status == 201
    assert (result.body["unit_price"], result.body["total_price"], result.body["remaining_balance"]) == (20, 40, 60)
    assert (stock(), wallet()) == (8, Decimal(60))
    (sale,) = sales()
    assert sale["unit_price"] == Decimal(20)


def test_price_rise_after_the_read_beyond_the_wallet_is_409_funds(
    call: Invoke, seed: dict[str, str], after_read: Callable[[Mutation], None]
) -> None:
    after_read(set_attr("InventoryTable", {"id": SEED_GOOD_ID}, "price", Decimal("60.00")))
    result = buy(call, seed["CUSTOMER_TOKEN"], 2)
    assert result.body["code"] == "INSUFFICIENT_FUNDS"
    assert (stock(), wallet(), sales()) == (10, Decimal(100), [])


def test_wallet_change_after_the_read_gives_the_exact_remaining_balance(
    call: Invoke, seed: dict[str, str], after_read: Callable[[Mutation], None]
) -> None:
    after_read(set_attr("CustomersTable", {"username": SEED_CUSTOMER}, "wallet_balance", Decimal("30.25")))
    result = buy(call, seed["CUSTOMER_TOKEN"], 1)
    assert result.status == 201
    assert result.body["remaining_balance"] == 17.75
    assert wallet() == Decimal("17.75")
    assert sales()[0]["remaining_balance"] == Decimal("17.75")


CANCELLING_WRITES: dict[str, tuple[Mutation, int, str]] = {
    "stock-sold-meanwhile": (set_attr("InventoryTable", {"id": SEED_GOOD_ID}, "count", 1), 409, "INSUFFICIENT_STOCK"),
    "wallet-spent-meanwhile": (
        set_attr("CustomersTable", {"username": SEED_CUSTOMER}, "wallet_balance", Decimal(5)),
        409,
        "INSUFFICIENT_FUNDS",
    ),
    "good-deleted-meanwhile": (lambda: table("InventoryTable").delete_item(Key={"id": SEED_GOOD_ID}), 404, "NOT_FOUND"),
}


@pytest.mark.parametrize("case", sorted(CANCELLING_WRITES))
def test_a_cancelled_transaction_leaves_no_half_written_state(
    call: Invoke, seed: dict[str, str], after_read: Callable[[Mutation], None], case: str
) -> None:
    mutation, status, code = CANCELLING_WRITES[case]
    left_by_other_writer: list[tuple[int | None, Decimal | None]] = []

    def mutate_and_remember() -> None:
        mutation()
        left_by_other_writer.append((stock(), wallet()))

    after_read(mutate_and_remember)
    result = buy(call, seed["CUSTOMER_TOKEN"], 2)

    assert (result.status, result.body["code"]) == (status, code)
    # Whatever the other writer left is still there: neither the stock nor the wallet moved, and no sale exists.
    assert [(stock(), wallet())] == left_by_other_writer
    assert sales() == []


def test_deleted_customer_after_the_read_is_404_and_takes_no_stock(
    call: Invoke, seed: dict[str, str], after_read: Callable[[Mutation], None]
) -> None:
    after_read(lambda: customers_data.delete(SEED_CUSTOMER))
    result = buy(call, seed["CUSTOMER_TOKEN"], 1)
    assert result.status == 404
    assert (stock(), sales()) == (10, [])


def test_a_concurrent_duplicate_that_wins_the_race_is_returned_not_charged_again(
    call: Invoke, seed: dict[str, str], after_read: Callable[[Mutation], None]
) -> None:
    token = seed["CUSTOMER_TOKEN"]
    winner: list[HttpResult] = []
    # The other request with the same key commits between this request's read and its transaction.
    after_read(lambda: winner.append(buy(call, token, 2, key="dup")))
    loser = buy(call, token, 2, key="dup")

    assert winner[0].status == 201
    assert loser.status == 201
    assert loser.body == winner[0].body
    assert (stock(), wallet(), len(sales())) == (8, Decimal(75), 1)


def test_a_concurrent_duplicate_with_another_body_is_409(
    call: Invoke, seed: dict[str, str], after_read: Callable[[Mutation], None]
) -> None:
    token = seed["CUSTOMER_TOKEN"]
    first: list[HttpResult] = []
    after_read(lambda: first.append(buy(call, token, 1, key="dup")))
    loser = buy(call, token, 2, key="dup")
    assert loser.status == 409
    assert loser.body["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert first[0].status == 201
    assert (stock(), wallet(), len(sales())) == (9, Decimal("87.5"), 1)


@pytest.fixture
def endless_contention(monkeypatch: pytest.MonkeyPatch) -> None:
    """The good's price moves between every read of the purchase and its transaction."""
    original = sales_data.record_purchase
    prices = (Decimal(13) + n for n in itertools.count())

    def price_moves_every_time(*args: Any, **kwargs: Any) -> None:
        set_attr("InventoryTable", {"id": SEED_GOOD_ID}, "price", next(prices))()
        original(*args, **kwargs)

    monkeypatch.setattr(sales_data, "record_purchase", price_moves_every_time)


def test_endless_contention_gives_up_with_503_and_writes_nothing(
    call: Invoke, seed: dict[str, str], endless_contention: None
) -> None:
    result = buy(call, seed["CUSTOMER_TOKEN"], 1)
    assert result.status == 503
    assert result.headers.get("Retry-After") == "1"
    assert (stock(), wallet(), sales()) == (10, Decimal(100), [])


def test_a_purchase_given_up_under_contention_is_one_warning_naming_the_error(
    call: Invoke, seed: dict[str, str], endless_contention: None, log_lines: LogLines
) -> None:
    # Operators alarm on 5xx answers: the line says what the client was told, at WARNING, once.
    result = buy(call, seed["CUSTOMER_TOKEN"], 1)

    assert (result.status, result.body["code"], result.body["error"]) == (503, HighDemand.code, HighDemand.message)
    warnings = [line for line in log_lines() if line["level"] == "WARNING"]
    assert [(line.get("message"), line.get("code"), line.get("error")) for line in warnings] == [
        ("request failed", HighDemand.code, HighDemand.message)
    ]


# ---------------------------------------------------------------- concurrency


@pytest.fixture
def atomic_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto applies a transaction as several unguarded steps; DynamoDB serialises writes to an item.

    One lock around each moto operation restores that per-request atomicity, while the handlers still
    interleave freely between their read and their transaction, which is the race under test.
    """
    lock = threading.RLock()
    for name in ("transact_write_items", "update_item", "put_item", "get_item", "batch_get_item", "delete_item"):
        original = getattr(DynamoDBBackend, name)

        def locked(*args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return __original(*args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, locked)


def test_fifty_concurrent_buyers_of_ten_items(call: Invoke, seed: dict[str, str], atomic_moto: None) -> None:
    # The threads call the service, not the handler: a Powertools resolver serves one event at a time per
    # process (as Lambda does), so sharing one across threads would mix requests up. Everything that races
    # in production, the read, the checks and the transaction, is below the resolver and runs concurrently.
    buyers = [f"buyer_{n:02d}" for n in range(50)]
    for username in buyers:
        put_customer(username, "20.00")
    request = SellRequest(good_id=SEED_GOOD_ID, quantity=1)

    def attempt(username: str) -> Sale | ShopError:
        try:
            return service.sell(auth.Principal(username=username, role=auth.CUSTOMER), request, None)
        except ShopError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = dict(zip(buyers, pool.map(attempt, buyers), strict=True))

    sold = {name: r for name, r in results.items() if isinstance(r, Sale)}
    refused = [r for r in results.values() if not isinstance(r, Sale)]
    assert len(sold) == 10
    assert len(refused) == 40
    assert all(isinstance(r, Conflict) and r.code == "INSUFFICIENT_STOCK" for r in refused)
    assert stock() == 0
    recorded = sales()
    assert len(recorded) == 10
    assert {s["username"] for s in recorded} == set(sold)
    assert {s["sale_id"] for s in recorded} == {r.sale_id for r in sold.values()}
    for username in buyers:
        assert wallet(username) == (Decimal("7.50") if username in sold else Decimal(20))
    assert all(r.remaining_balance == Decimal("7.50") for r in sold.values())


def _first_reads_meet_at(barrier: threading.Barrier, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold every purchase after its read until all have read: the transactions then race inside the gap."""
    original = sales_data.read_for_purchase
    waited: set[int] = set()

    def read_then_wait(*args: Any) -> sales_data.PurchaseSnapshot:
        snapshot = original(*args)
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            barrier.wait(timeout=30)
        return snapshot

    monkeypatch.setattr(sales_data, "read_for_purchase", read_then_wait)


def _buy_as(username: str, request: SellRequest) -> Sale | ShopError:
    try:
        return service.sell(auth.Principal(username=username, role=auth.CUSTOMER), request, None)
    except ShopError as exc:
        return exc


def test_one_customers_parallel_purchases_all_settle_with_true_balances(
    call: Invoke, seed: dict[str, str], atomic_moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    put_good("parallel-0001", 50, price="10.00")
    put_customer("busy", "100.00")
    _first_reads_meet_at(threading.Barrier(20), monkeypatch)
    request = SellRequest(good_id="parallel-0001", quantity=1)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: _buy_as("busy", request), range(20)))

    sold = [r for r in results if isinstance(r, Sale)]
    refused = [r for r in results if not isinstance(r, Sale)]
    assert len(sold) == 10
    assert all(isinstance(r, Conflict) and r.code == "INSUFFICIENT_FUNDS" for r in refused)
    # The wallet went 100 -> 90 -> ... -> 0, and each sale reports the balance it really left.
    assert sorted(r.remaining_balance for r in sold) == [Decimal(10 * n) for n in range(10)]
    recorded = sales()
    assert sorted(s["remaining_balance"] for s in recorded) == [Decimal(10 * n) for n in range(10)]
    assert (wallet("busy"), stock("parallel-0001")) == (Decimal(0), 40)


def test_purchases_racing_wallet_charges_report_a_balance_the_wallet_really_had(
    call: Invoke, seed: dict[str, str], atomic_moto: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Charges of distinct powers of two cents: each remaining_balance then says exactly which charges and how
    # many purchases came before it, so the balances can be checked against one serial order of the writes.
    charges = [Decimal(2**n) / 100 for n in range(5)]
    put_good("parallel-0002", 50, price="10.00")
    put_customer("busy", "100.00")
    _first_reads_meet_at(threading.Barrier(10), monkeypatch)
    request = SellRequest(good_id="parallel-0002", quantity=1)
    principal = auth.Principal(username="busy", role=auth.CUSTOMER)
    start = threading.Barrier(15)

    def purchase(_: int) -> Sale | ShopError:
        start.wait(timeout=30)
        return _buy_as("busy", request)

    def charge(amount: Decimal) -> None:
        start.wait(timeout=30)
        customers_service.charge_wallet(principal, "busy", amount)

    with ThreadPoolExecutor(max_workers=15) as pool:
        charged = [pool.submit(charge, amount) for amount in charges]
        results = list(pool.map(purchase, range(10)))
        for future in charged:
            future.result()

    assert all(isinstance(r, Sale) for r in results), results
    sold = [r for r in results if isinstance(r, Sale)]
    # Money moved = sales recorded: 100 + charges - what the sales table says was spent.
    spent = sum((s["total_price"] for s in sales()), Decimal(0))
    assert spent == Decimal(100)
    assert wallet("busy") == Decimal(100) + sum(charges) - spent
    decoded = []
    for sale in sold:
        cents = int((sale.remaining_balance % 1) * 100)
        purchases_so_far = int((Decimal(100) + Decimal(cents) / 100 - sale.remaining_balance) / 10)
        decoded.append((purchases_so_far, cents))
    decoded.sort()
    # Every purchase has its own place in the order, and the charges seen only ever grow along it.
    assert [n for n, _ in decoded] == list(range(1, 11))
    assert all(earlier & later == earlier for (_, earlier), (_, later) in itertools.pairwise(decoded))


def test_a_total_no_wallet_may_hold_is_refused_before_anything_is_written(call: Invoke, seed: dict[str, str]) -> None:
    # A balance above the maximum can only come from outside the API (an import, a manual fix); a purchase
    # against it must still never commit a total the response cannot express.
    put_good("priciest-0001", 5, price=str(MONEY_MAX))
    token = put_customer("whale", str(MONEY_MAX * 3))
    result = buy(call, token, 2, good_id="priciest-0001")
    assert (result.status, result.body["code"]) == (409, "INSUFFICIENT_FUNDS")
    assert (stock("priciest-0001"), wallet("whale"), sales()) == (5, MONEY_MAX * 3, [])


def test_buying_the_last_units_takes_the_good_out_of_the_shop_window(call: Invoke, seed: dict[str, str]) -> None:
    assert buy(call, seed["CUSTOMER_TOKEN"], 3).status == 201
    assert SEED_GOOD_ID in {item["id"] for item in call(*DISPLAY).body["items"]}
    table("InventoryTable").update_item(
        Key={"id": SEED_GOOD_ID}, UpdateExpression="SET #c = :c", ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":c": 2},
    )  # fmt: skip
    assert buy(call, seed["CUSTOMER_TOKEN"], 2).status == 201
    assert stock() == 0
    assert call(*DISPLAY).body["items"] == []


def test_stock_falling_to_exactly_the_quantity_after_the_read_still_sells_and_unlists(
    call: Invoke, seed: dict[str, str], after_read: Callable[[Mutation], None]
) -> None:
    # Read with 10 in stock (the "units remain" write), then someone leaves exactly 2: the retry must take the
    # last units with the write that also drops the good from the in-stock index.
    after_read(set_attr("InventoryTable", {"id": SEED_GOOD_ID}, "count", 2))
    result = buy(call, seed["CUSTOMER_TOKEN"], 2)
    assert result.status == 201
    assert stock() == 0
    assert "in_stock" not in table("InventoryTable").get_item(Key={"id": SEED_GOOD_ID})["Item"]


def test_browsing_a_large_catalogue_reads_only_the_goods_it_shows(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 10,000 goods of which 1% are in stock: every page is full but the last, none is empty, and each page
    # reads at most one item more than it shows (counted from DynamoDB's own ScannedCount, not timed).
    with table("InventoryTable").batch_writer() as batch:
        for n in range(10_000):
            count = 3 if n % 100 == 0 else 0
            batch.put_item(
                Item={"id": f"bulk-{n:05d}", "name": f"Bulk {n:05d}", "category": "food", "price": Decimal(1),
                      "description": "", "count": count, **({"in_stock": "Y"} if count else {})}
            )  # fmt: skip
    scanned: list[int] = []

    def count_items_read(parsed: dict[str, Any], **_: Any) -> None:
        scanned.append(int(parsed.get("ScannedCount", 0)))

    events = dynamo.client().meta.events
    events.register("after-call.dynamodb.Query", count_items_read)
    events.register("after-call.dynamodb.Scan", count_items_read)
    try:
        pages: list[int] = []
        token: str | None = None
        while True:
            page = call(*DISPLAY, query={"limit": "25"} | ({"next_token": token} if token else {}))
            assert page.status == 200
            pages.append(len(page.body["items"]))
            token = page.body["next_token"]
            if token is None:
                break
    finally:
        events.unregister("after-call.dynamodb.Query", count_items_read)
        events.unregister("after-call.dynamodb.Scan", count_items_read)

    assert pages == [25, 25, 25, 25, 1]  # 100 bulk goods + the seeded one
    assert len(scanned) == len(pages)
    assert all(read <= 26 for read in scanned)
    assert sum(scanned) <= 101 + len(pages)
