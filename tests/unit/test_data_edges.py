"""Edges of the data layer and the purchase the main tests leave open (found by mutation testing, docs/testing.md):
how a cancelled purchase transaction is read, what the purchase sends and answers at its edges, and the lists'
`next_token` (url-safe, round-trips, a refused or throttled later page answered for what it is)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from sales_api import service as sales_service
from shop_shared import auth
from shop_shared.models.common import MONEY_MAX
from tests.unit import iam
from tests.unit.conftest import SEED_CUSTOMER, SEED_GOOD_ID, HttpResult, Invoke, LogLines, snapshot

SELL = ("sales_api.sell", "POST", "/sales/sell")
ADD_GOOD = ("inventory_api.add_good", "POST", "/inventory/add")
DISPLAY = ("sales_api.display_goods", "GET", "/sales/display-goods")
HISTORY = ("sales_api.sales_history", "GET", "/sales/history/{username}")

ApiCall = Callable[[BaseClient, str, dict[str, Any]], Any]


def table(name: str) -> Any:
    return boto3.resource("dynamodb").Table(name)


@contextmanager
def dynamodb_calls(intercept: Callable[[ApiCall, BaseClient, str, dict[str, Any]], Any]) -> Iterator[None]:
    """Every DynamoDB call the code makes goes through `intercept(original, client, operation, params)`."""
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name != "dynamodb":
            return original(client, operation, params)
        return intercept(original, client, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", make_api_call):
        yield


# ---------------------------------------------------------------- a cancelled purchase transaction


def buy(call: Invoke, token: str, quantity: int = 2) -> HttpResult:
    return call(*SELL, token=token, body={"good_id": SEED_GOOD_ID, "quantity": quantity})


def price_changes_after_the_read(new_price: Decimal, *, codes_dropped: bool = False) -> AbstractContextManager[None]:
    """An employee re-prices the good between the purchase's read and its transaction (once). With `codes_dropped`
    the cancellation names only the member that failed: the others carry no `Code` (the API's CancellationReason
    shape makes every field optional)."""
    changed: list[bool] = []

    def intercept(original: ApiCall, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        result = original(client, operation, params)  # raises for a cancelled transaction
        if operation == "BatchGetItem" and not changed:
            changed.append(True)
            with iam.someone_else():
                table("InventoryTable").update_item(
                    Key={"id": SEED_GOOD_ID},
                    UpdateExpression="SET price = :p",
                    ExpressionAttributeValues={":p": new_price},
                )
        return result

    def without_codes(original: ApiCall, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        try:
            return intercept(original, client, operation, params)
        except ClientError as exc:
            for reason in exc.response.get("CancellationReasons", []):
                if reason.get("Code") == "None":
                    del reason["Code"]
            raise

    return dynamodb_calls(without_codes if codes_dropped else intercept)


def first_transaction_conflicts() -> AbstractContextManager[None]:
    """Another transaction holds the good when the first purchase transaction runs: DynamoDB cancels it with a
    TransactionConflict reason, and the next attempt goes through."""
    conflicted: list[bool] = []

    def intercept(original: ApiCall, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems" and not conflicted:
            conflicted.append(True)
            error: Any = {
                "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}, {"Code": "None"}],
            }
            raise ClientError(error, operation)
        return original(client, operation, params)

    return dynamodb_calls(intercept)


def wallet_stock_and_sales() -> tuple[Decimal, int, list[dict[str, Any]]]:
    customer = table("CustomersTable").get_item(Key={"username": SEED_CUSTOMER})["Item"]
    good = table("InventoryTable").get_item(Key={"id": SEED_GOOD_ID})["Item"]
    return Decimal(customer["wallet_balance"]), int(good["count"]), table("SalesTable").scan()["Items"]


RETRIES = {
    # Why the first transaction was cancelled -> (how it is staged, unit price charged, "transient" in the log)
    "another-transaction-held-the-good": (first_transaction_conflicts, Decimal("12.50"), True),
    "the-price-changed-after-the-read": (lambda: price_changes_after_the_read(Decimal(20)), Decimal(20), False),
}


@pytest.mark.parametrize("case", sorted(RETRIES))
def test_a_retried_purchase_is_logged_as_contention_or_as_a_stale_snapshot(
    call: Invoke, seed: dict[str, str], log_lines: LogLines, case: str
) -> None:
    # Operators tell a hot item (transactions colliding) from a moving one (price, stock case, wallet) by this field.
    staged, price, transient = RETRIES[case]

    with staged():
        result = buy(call, seed["CUSTOMER_TOKEN"])

    assert result.status == 201, result.body
    assert Decimal(str(result.body["unit_price"])) == price
    balance, count, [sale] = wallet_stock_and_sales()
    assert (balance, count, sale["total_price"]) == (Decimal(100) - 2 * price, 8, 2 * price)
    retried = [line for line in log_lines() if line["message"] == "purchase retried"]
    assert [(line["attempt"], line["transient"]) for line in retried] == [(0, transient)]


def test_a_retried_purchase_pauses_at_most_20_ms_before_its_next_attempt(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pause only spreads colliding rivals apart: up to 25 attempts must still fit well inside the function's
    # 10 s timeout, so each pause is a random 0-20 ms, never a whole second.
    pauses: list[float] = []
    monkeypatch.setattr(sales_service, "time", SimpleNamespace(sleep=pauses.append))

    with first_transaction_conflicts():
        result = buy(call, seed["CUSTOMER_TOKEN"])

    assert result.status == 201, result.body
    assert len(pauses) == 1
    assert 0 <= pauses[0] <= 0.02


def test_a_cancellation_that_names_only_the_failed_member_is_still_understood(
    call: Invoke, seed: dict[str, str]
) -> None:
    # The members without a Code did not fail: the price pin did, so the purchase is retried at the new price.
    with price_changes_after_the_read(Decimal(20), codes_dropped=True):
        result = buy(call, seed["CUSTOMER_TOKEN"])

    assert result.status == 201, result.body
    assert (result.body["unit_price"], result.body["total_price"], result.body["remaining_balance"]) == (20, 40, 60)
    balance, count, [sale] = wallet_stock_and_sales()
    assert (balance, count, sale["unit_price"]) == (Decimal(60), 8, Decimal(20))


# ---------------------------------------------------------------- next_token

# base64url without padding: a token goes into a query string as it is, with nothing to escape.
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def add_good(call: Invoke, seed: dict[str, str], name: str, count: int = 3) -> str:
    body = {"name": name, "category": "food", "price": 1.0, "description": "", "count": count}
    result = call(*ADD_GOOD, token=seed["EMPLOYEE_TOKEN"], body=body)
    assert result.status == 201, result.body
    good_id: str = result.body["id"]
    return good_id


def shop_window(call: Invoke, limit: int) -> tuple[list[list[str]], list[str]]:
    """Every page of the shop window (names) and every next_token handed out on the way."""
    pages: list[list[str]] = []
    tokens: list[str] = []
    token: str | None = None
    while True:
        page = call(*DISPLAY, query={"limit": str(limit)} | ({"next_token": token} if token else {}))
        assert page.status == 200, page.body
        pages.append([item["name"] for item in page.body["items"]])
        token = page.body["next_token"]
        if token is None:
            return pages, tokens
        tokens.append(token)
        assert len(pages) < 50, "the shop window never ends"


def test_every_next_token_is_url_safe_and_pages_through_each_good_once(call: Invoke, seed: dict[str, str]) -> None:
    # Names of every length modulo 3, so the tokens' base64 would need each amount of padding (none, one, two).
    names = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff", "ggggggg"]
    for name in names:
        add_good(call, seed, name)

    pages, tokens = shop_window(call, limit=1)

    assert [name for page in pages for name in page] == sorted([*names, "Espresso beans"])
    assert {len(token) % 4 for token in tokens} == {0, 2, 3}  # each padding case was handed out
    assert all(URL_SAFE.fullmatch(token) for token in tokens), tokens


def test_a_page_that_ends_with_the_last_goods_in_stock_has_no_next_token(call: Invoke, seed: dict[str, str]) -> None:
    add_good(call, seed, "Filter papers")
    add_good(call, seed, "Grinder", count=0)  # not in stock: never shown, never counted

    pages, tokens = shop_window(call, limit=2)

    assert pages == [["Espresso beans", "Filter papers"]]
    assert tokens == []


def test_a_good_with_the_longest_name_in_its_longest_encoding_still_gets_a_next_page(
    call: Invoke, seed: dict[str, str]
) -> None:
    # 100 characters outside the BMP: each is 12 characters of JSON (two \u escapes), the longest a token gets.
    longest = "\U0001f375" * 100
    add_good(call, seed, longest)
    add_good(call, seed, "\U0001f376 sake set")  # sorts after it

    pages, tokens = shop_window(call, limit=2)

    assert pages == [["Espresso beans", longest], ["\U0001f376 sake set"]]
    assert len(tokens[0]) > 1600


def put_sales(username: str, dates: list[str]) -> None:
    for n, date in enumerate(dates):
        table("SalesTable").put_item(
            Item={
                "sale_id": f"00000000-0000-4000-8000-{username:0>8}{n:04d}",
                "username": username,
                "good_id": SEED_GOOD_ID,
                "good_name": "Espresso beans",
                "quantity": 1,
                "unit_price": Decimal("12.50"),
                "total_price": Decimal("12.50"),
                "remaining_balance": Decimal(0),
                "sale_date": date,
            }
        )


def history(call: Invoke, seed: dict[str, str], username: str, token: str | None = None) -> HttpResult:
    query = {"limit": "1"} | ({"next_token": token} if token else {})
    return call(*HISTORY, {"username": username}, token=seed["EMPLOYEE_TOKEN"], query=query)


def refuses_a_start_key_outside_the_query(
    original: ApiCall, client: BaseClient, operation: str, params: dict[str, Any]
) -> Any:
    """DynamoDB's answer to a Query whose ExclusiveStartKey has another partition than its key condition (moto
    answers it as if the key were in range)."""
    start = params.get("ExclusiveStartKey")
    if operation == "Query" and start and start["username"] != params["ExpressionAttributeValues"][":username"]:
        message = "The provided starting key is outside query boundaries based on provided conditions"
        raise ClientError({"Error": {"Code": "ValidationException", "Message": message}}, operation)
    return original(client, operation, params)


def test_a_token_of_one_customers_history_used_on_anothers_is_a_400(call: Invoke, seed: dict[str, str]) -> None:
    put_sales("grace", ["2026-11-01T00:00:00.000Z", "2026-11-02T00:00:00.000Z"])
    put_sales(SEED_CUSTOMER, ["2026-11-03T00:00:00.000Z", "2026-11-04T00:00:00.000Z"])
    graces = history(call, seed, "grace").body["next_token"]
    assert graces

    with dynamodb_calls(refuses_a_start_key_outside_the_query):
        own = history(call, seed, "grace", graces)
        crossed = history(call, seed, SEED_CUSTOMER, graces)

    assert own.status == 200, own.body
    assert [sale["sale_date"] for sale in own.body["items"]] == ["2026-11-01T00:00:00.000Z"]
    assert (crossed.status, crossed.body) == (
        400,
        {"error": "next_token is not valid", "code": "VALIDATION_ERROR", "details": []},
    )


def test_a_throttled_later_page_is_a_503_to_retry_not_a_bad_token(call: Invoke, seed: dict[str, str]) -> None:
    put_sales(SEED_CUSTOMER, ["2026-11-03T00:00:00.000Z", "2026-11-04T00:00:00.000Z"])
    token = history(call, seed, SEED_CUSTOMER).body["next_token"]
    before = snapshot()

    def throttled(original: ApiCall, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "Query":
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, operation)
        return original(client, operation, params)

    with dynamodb_calls(throttled):
        result = history(call, seed, SEED_CUSTOMER, token)

    assert (result.status, result.body["code"], result.headers.get("Retry-After")) == (503, "SERVICE_UNAVAILABLE", "1")
    assert snapshot() == before
    # The same token still works once DynamoDB does.
    assert [sale["sale_date"] for sale in history(call, seed, SEED_CUSTOMER, token).body["items"]] == [
        "2026-11-03T00:00:00.000Z"
    ]


# ---------------------------------------------------------------- what the purchase sends, and what it answers


def test_every_purchase_attempt_sends_its_own_request_token_and_reads_only_what_it_needs(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # One clock reading for every attempt, so two attempts differ only in their number.
    monkeypatch.setattr(sales_service, "utc_now", lambda: "2026-11-25T10:00:00.000Z")
    tokens: list[str] = []
    batch_tables: list[set[str]] = []
    conflicted: list[bool] = []

    def record(original: ApiCall, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "BatchGetItem":
            batch_tables.append(set(params["RequestItems"]))
        if operation == "TransactWriteItems":
            tokens.append(params["ClientRequestToken"])
            if not conflicted:  # another transaction holds the good: the same payload is sent again
                conflicted.append(True)
                reasons = [{"Code": "TransactionConflict"}, {"Code": "None"}, {"Code": "None"}]
                error: Any = {"Error": {"Code": "TransactionCanceledException"}, "CancellationReasons": reasons}
                raise ClientError(error, operation)
        return original(client, operation, params)

    with dynamodb_calls(record):
        first = buy(call, seed["CUSTOMER_TOKEN"], 1)
        second = buy(call, seed["CUSTOMER_TOKEN"], 1)

    assert (first.status, second.status) == (201, 201)
    # DynamoDB takes a ClientRequestToken of 1 to 36 characters (moto does not check); a token shared by two
    # different calls within 10 minutes is refused there (IdempotentParameterMismatch) or replays the first.
    assert len(tokens) == 3
    assert all(1 <= len(token) <= 36 for token in tokens), tokens
    assert len(set(tokens)) == 3
    # Without an Idempotency-Key there is no earlier sale to look for: the good and the wallet only.
    assert batch_tables == [{"InventoryTable", "CustomersTable"}] * 2


def test_a_request_token_mismatch_is_the_409_of_a_reused_key_and_changes_nothing(
    call: Invoke, seed: dict[str, str]
) -> None:
    # Unreachable while the token hashes the whole payload; if it ever happens it must not be a 500.
    before = snapshot()

    def mismatch(original: ApiCall, client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation == "TransactWriteItems":
            error: Any = {"Error": {"Code": "IdempotentParameterMismatchException", "Message": "mismatch"}}
            raise ClientError(error, operation)
        return original(client, operation, params)

    with dynamodb_calls(mismatch):
        result = buy(call, seed["CUSTOMER_TOKEN"])

    assert (result.status, result.body["code"]) == (409, "IDEMPOTENCY_KEY_REUSED")
    assert snapshot() == before


def test_a_sale_recorded_by_an_earlier_deployment_is_replayed_for_its_key(call: Invoke, seed: dict[str, str]) -> None:
    # Sale ids and fingerprints are stored: both derivations are fixed forever, or every key used before a
    # deployment would be charged again (new sale id) or refused (new fingerprint) after it.
    sale_id = str(uuid.uuid5(uuid.UUID("6c1d3f0e-8a57-4b8e-9d5c-2f0e7b1a9c44"), f"{SEED_CUSTOMER}\nkept-key"))
    canonical = '{"good_id": "' + SEED_GOOD_ID + '", "quantity": 2}'
    stored = {
        "sale_id": sale_id,
        "username": SEED_CUSTOMER,
        "good_id": SEED_GOOD_ID,
        "good_name": "Espresso beans",
        "quantity": 2,
        "unit_price": Decimal("12.50"),
        "total_price": Decimal(25),
        "remaining_balance": Decimal(75),
        "sale_date": "2026-11-01T00:00:00.000Z",
        "request_fingerprint": hashlib.sha256(canonical.encode()).hexdigest(),
    }
    table("SalesTable").put_item(Item=stored)
    before = snapshot()

    body = {"good_id": SEED_GOOD_ID, "quantity": 2}
    result = call(*SELL, token=seed["CUSTOMER_TOKEN"], body=body, headers={"Idempotency-Key": "kept-key"})

    assert result.status == 201, result.body
    assert (result.body["sale_id"], result.body["sale_date"]) == (sale_id, "2026-11-01T00:00:00.000Z")
    assert snapshot() == before  # nothing charged again


def test_a_total_of_exactly_the_largest_amount_is_sold(call: Invoke, seed: dict[str, str]) -> None:
    table("InventoryTable").update_item(
        Key={"id": SEED_GOOD_ID}, UpdateExpression="SET price = :p", ExpressionAttributeValues={":p": MONEY_MAX}
    )
    table("CustomersTable").update_item(
        Key={"username": SEED_CUSTOMER},
        UpdateExpression="SET wallet_balance = :b",
        ExpressionAttributeValues={":b": MONEY_MAX},
    )

    result = buy(call, seed["CUSTOMER_TOKEN"], 1)

    assert result.status == 201, result.body
    assert (result.body["total_price"], result.body["remaining_balance"]) == (float(MONEY_MAX), 0)
    assert wallet_stock_and_sales()[:2] == (Decimal(0), 9)


def test_a_valid_token_whose_account_item_is_gone_altogether_is_404(call: Invoke, seed: dict[str, str]) -> None:
    # No tombstone either (an item removed by hand, say): nothing to charge, and nothing written.
    before = snapshot()
    result = buy(call, auth.issue_token("nobody", auth.CUSTOMER))
    assert (result.status, result.body["code"]) == (404, "NOT_FOUND")
    assert snapshot() == before
