"""Two requests with one Idempotency-Key race, and the other one's sale commits between our read and our write.

Our purchase transaction is then cancelled by the sale record's `attribute_not_exists(sale_id)`. DynamoDB
usually returns the winner's sale with the cancellation (ReturnValuesOnConditionCheckFailure); when it does not,
the sale is read back once. Either way the loser answers with the winner's sale and charges nothing itself; only
if that sale has vanished again is the answer a 503 the client can retry.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from tests.dynamo_usage import dynamodb_usage
from tests.unit import iam
from tests.unit.conftest import SEED_GOOD_ID, HttpResult, Invoke

SELL = ("sales_api.sell", "POST", "/sales/sell")
KEY = "order-race-1"


@contextmanager
def rival_commits_first(*, returns_item: bool = True, then_vanishes: bool = False) -> Iterator[None]:
    """The first purchase transaction finds its sale id already taken: a rival's sale was put just before it."""
    original = BaseClient._make_api_call  # type: ignore[attr-defined]
    raced: list[bool] = []

    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name != "dynamodb" or operation != "TransactWriteItems" or raced:
            return original(client, operation, params)
        raced.append(True)
        sale = params["TransactItems"][2]["Put"]
        rival_item = {**sale["Item"], "rival": {"BOOL": True}}
        with iam.someone_else():  # the rival request's write, not Sell's: not checked against Sell's policy
            original(client, "PutItem", {"TableName": sale["TableName"], "Item": rival_item})
        try:
            return original(client, operation, params)
        except ClientError as exc:
            if not returns_item:
                for reason in exc.response.get("CancellationReasons", []):
                    reason.pop("Item", None)
            if then_vanishes:
                with iam.someone_else():  # whoever removes the winner's sale is not the Sell function either
                    key = {"sale_id": sale["Item"]["sale_id"]}
                    original(client, "DeleteItem", {"TableName": sale["TableName"], "Key": key})
            raise

    with mock.patch.object(BaseClient, "_make_api_call", make_api_call):
        yield
    assert raced, "the purchase never reached its transaction"


def buy(call: Invoke, token: str) -> HttpResult:
    body = {"good_id": SEED_GOOD_ID, "quantity": 2}
    return call(*SELL, token=token, body=body, headers={"Idempotency-Key": KEY})


def wallet() -> Decimal:
    item = boto3.resource("dynamodb").Table("CustomersTable").get_item(Key={"username": "ada"})["Item"]
    return Decimal(str(item["wallet_balance"]))


def stock() -> int:
    item = boto3.resource("dynamodb").Table("InventoryTable").get_item(Key={"id": SEED_GOOD_ID})["Item"]
    return int(str(item["count"]))


def sales() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = boto3.resource("dynamodb").Table("SalesTable").scan()["Items"]
    return items


@pytest.mark.parametrize("returns_item", [True, False], ids=["item-returned", "item-not-returned"])
def test_losing_the_race_answers_with_the_winners_sale_and_charges_nothing(
    call: Invoke, seed: dict[str, str], returns_item: bool
) -> None:
    balance, count = wallet(), stock()

    with rival_commits_first(returns_item=returns_item), dynamodb_usage() as usage:
        result = buy(call, seed["CUSTOMER_TOKEN"])

    assert result.status == 201, result.body
    [stored] = sales()
    assert stored["rival"] is True
    assert result.body["sale_id"] == stored["sale_id"]
    assert result.body["total_price"] == 25.0
    assert (wallet(), stock()) == (balance, count)  # the rival's writes are faked: ours must have changed nothing
    # The winner's sale is read back only when the cancellation did not carry it.
    assert usage.calls["BatchGetItem"] == (1 if returns_item else 2)


def test_losing_the_race_to_a_sale_that_vanished_again_is_a_503_to_retry(call: Invoke, seed: dict[str, str]) -> None:
    balance, count = wallet(), stock()

    with rival_commits_first(returns_item=False, then_vanishes=True):
        result = buy(call, seed["CUSTOMER_TOKEN"])

    assert result.status == 503, result.body
    assert result.body["error"] == "The purchase could not be confirmed, please retry"
    assert result.headers.get("Retry-After") == "1"
    assert (wallet(), stock(), sales()) == (balance, count, [])
