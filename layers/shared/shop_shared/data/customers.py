"""The customers table: one item per account, keyed by username."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, cast

from botocore.exceptions import ClientError

from shop_shared.config import settings
from shop_shared.data.dynamo import (
    Item,
    Page,
    condition_failure_as,
    is_condition_failure,
    query_page,
    set_fields,
    table,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.service_resource import Table

from shop_shared.errors import Conflict, NotFound

KEY = frozenset({"username"})
_PUBLIC = "username, full_name, age, address, gender, marital_status, wallet_balance, #role, created_at"


def _table() -> Table:
    return table(settings().customers_table)


def create(item: Item) -> None:
    with condition_failure_as(Conflict("Username is already taken", code="USERNAME_TAKEN")):
        _table().put_item(Item=item, ConditionExpression="attribute_not_exists(username)")


def get(username: str) -> Item:
    """The full item, password hash included: for the login check only, never for a response."""
    item = _table().get_item(Key={"username": username}).get("Item")
    if item is None:
        raise NotFound("Customer not found")
    return item


def get_public(username: str) -> Item:
    item = (
        _table()
        .get_item(Key={"username": username}, ProjectionExpression=_PUBLIC, ExpressionAttributeNames={"#role": "role"})
        .get("Item")
    )
    if item is None:
        raise NotFound("Customer not found")
    return item


def list_page(limit: int, next_token: str | None) -> Page:
    return query_page(
        settings().customers_table,
        KEY,
        limit,
        next_token,
        ProjectionExpression=_PUBLIC,
        ExpressionAttributeNames={"#role": "role"},
    )


def update(username: str, changes: Item) -> Item:
    return set_fields(settings().customers_table, {"username": username}, changes, NotFound("Customer not found"))


def delete(username: str) -> None:
    with condition_failure_as(NotFound("Customer not found")):
        _table().delete_item(Key={"username": username}, ConditionExpression="attribute_exists(username)")


def add_to_wallet(username: str, amount: Decimal) -> Decimal:
    with condition_failure_as(NotFound("Customer not found")):
        result = _table().update_item(
            Key={"username": username},
            UpdateExpression="ADD wallet_balance :amount",
            ConditionExpression="attribute_exists(username)",
            ExpressionAttributeValues={":amount": amount},
            ReturnValues="UPDATED_NEW",
        )
    return cast(Decimal, result["Attributes"]["wallet_balance"])


def take_from_wallet(username: str, amount: Decimal) -> Decimal:
    """Atomic debit: the condition, not a prior read, guarantees the balance never goes below zero."""
    insufficient = Conflict("Insufficient funds", code="INSUFFICIENT_FUNDS")
    with condition_failure_as(NotFound("Customer not found"), if_item_exists=insufficient):
        result = _table().update_item(
            Key={"username": username},
            UpdateExpression="SET wallet_balance = wallet_balance - :amount",
            ConditionExpression="attribute_exists(username) AND wallet_balance >= :amount",
            ExpressionAttributeValues={":amount": amount},
            ReturnValues="UPDATED_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    return cast(Decimal, result["Attributes"]["wallet_balance"])


def record_failed_login(username: str, at: int, *, start_new_window: bool) -> None:
    """Count a failed login; ADD keeps concurrent failures from overwriting each other within a window."""
    update = (
        "SET failed_logins = :one, last_failed_login = :at"
        if start_new_window
        else ("ADD failed_logins :one SET last_failed_login = :at")
    )
    try:
        _table().update_item(
            Key={"username": username},
            UpdateExpression=update,
            ConditionExpression="attribute_exists(username)",
            ExpressionAttributeValues={":one": 1, ":at": at},
        )
    except ClientError as exc:
        if not is_condition_failure(exc):  # the account was deleted meanwhile: nothing to count
            raise


def clear_failed_logins(username: str) -> None:
    _table().update_item(
        Key={"username": username},
        UpdateExpression="REMOVE failed_logins, last_failed_login",
        ConditionExpression="attribute_exists(username)",
    )
