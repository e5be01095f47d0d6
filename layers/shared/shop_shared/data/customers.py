"""The customers table: one item per account, keyed by username.

A deleted account is not removed: its item is replaced by a *tombstone* (`username` + `deleted_at`, nothing else),
so the name can never be registered again and nothing keyed by username (tokens, sales, reviews, idempotency keys)
can act on or show through a later account. Every read and write here treats a tombstone as "no such account";
the rule lives in LIVE_ACCOUNT / is_live_account and nowhere else.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any, NotRequired, TypedDict, cast

from botocore.exceptions import ClientError

from shop_shared.config import required
from shop_shared.data.dynamo import (
    Item,
    Number,
    Page,
    Table,
    condition_failure_as,
    is_condition_failure,
    old_item,
    query_page,
    set_fields,
    table,
)
from shop_shared.errors import (
    CustomerNotFound,
    InsufficientFunds,
    LoginContention,
    LoginLockedOut,
    ShopError,
    UsernameTaken,
    WalletLimitExceeded,
)
from shop_shared.models.common import MONEY_MAX, utc_now


class PublicAccount(TypedDict):
    """What an account shows (get_public, the list): no password hash, no login counters."""

    username: str
    full_name: str
    age: Number
    address: str
    gender: str
    marital_status: str
    wallet_balance: Decimal
    role: str
    created_at: str
    updated_at: NotRequired[str]


class AccountItem(PublicAccount):
    """A live account as stored. A tombstone is only `username` + `deleted_at` (see the module docstring)."""

    password_hash: str
    password_reset_required: NotRequired[bool]  # set by shopctl import-original for unusable hashes
    login_attempts: NotRequired[Number]
    login_window_start: NotRequired[Number]


table_name = required("CUSTOMERS_TABLE")  # table_name() is the name, checked at cold start


KEY = frozenset({"username"})

# The attribute only a tombstone has. Project it whenever a read must tell a live account from a deleted one.
TOMBSTONE_ATTRIBUTE = "deleted_at"
# Condition fragment: the item exists and is a live account, not a tombstone (ANDed into every account write).
LIVE_ACCOUNT = f"attribute_exists(username) AND attribute_not_exists({TOMBSTONE_ATTRIBUTE})"

_PUBLIC = "username, full_name, age, address, gender, marital_status, wallet_balance, #role, created_at, " + (
    TOMBSTONE_ATTRIBUTE
)
_NAMES = {"#role": "role"}

# Login throttling state on the account item: attempts reserved in the current window, and when it started.
_ATTEMPTS = "login_attempts"
_WINDOW_START = "login_window_start"


def is_live_account(item: Item | None) -> bool:
    """Whether a raw customers-table item (None for no item) is an account rather than nothing or a tombstone."""
    return item is not None and TOMBSTONE_ATTRIBUTE not in item


def _table() -> Table:
    return table(table_name())


def _live_account_condition(if_live: ShopError) -> AbstractContextManager[None]:
    """A failed `LIVE_ACCOUNT AND <guard>` condition (with ALL_OLD on failure): 404 unless the account is live,
    then `if_live` (the guard failed)."""
    return condition_failure_as(CustomerNotFound(), if_item_exists=if_live, counts_as_existing=is_live_account)


def create(item: AccountItem) -> None:
    # A tombstone is an existing item, so a deleted username is refused here too: names are never reused.
    with condition_failure_as(UsernameTaken()):
        _table().put_item(Item=item, ConditionExpression="attribute_not_exists(username)")


def get_public(username: str) -> PublicAccount:
    item = (
        _table()
        .get_item(Key={"username": username}, ProjectionExpression=_PUBLIC, ExpressionAttributeNames=_NAMES)
        .get("Item")
    )
    if not is_live_account(item):
        raise CustomerNotFound()
    return cast(PublicAccount, item)


def list_page(limit: int, next_token: str | None) -> Page:
    # The filter runs after Limit, so a page can be short (even empty) with a next_token: keep following it.
    return query_page(
        table_name(),
        KEY,
        limit,
        next_token,
        ProjectionExpression=_PUBLIC,
        FilterExpression=f"attribute_not_exists({TOMBSTONE_ATTRIBUTE})",
        ExpressionAttributeNames=_NAMES,
    )


def update(username: str, changes: Item) -> AccountItem:
    return cast(
        AccountItem,
        set_fields(table_name(), {"username": username}, changes, CustomerNotFound(), condition=LIVE_ACCOUNT),
    )


def delete(username: str) -> None:
    """Replace the account with its tombstone in one conditional write: profile, hash and wallet are gone at once."""
    with condition_failure_as(CustomerNotFound()):
        _table().put_item(Item={"username": username, TOMBSTONE_ATTRIBUTE: utc_now()}, ConditionExpression=LIVE_ACCOUNT)


def add_to_wallet(username: str, amount: Decimal) -> Decimal:
    """Atomic credit, refused (409, nothing written) when the new balance would exceed what Money can express."""
    too_much = WalletLimitExceeded()
    with _live_account_condition(if_live=too_much):
        result = _table().update_item(
            Key={"username": username},
            UpdateExpression="ADD wallet_balance :amount",
            ConditionExpression=f"{LIVE_ACCOUNT} AND wallet_balance <= :ceiling",
            ExpressionAttributeValues={":amount": amount, ":ceiling": MONEY_MAX - amount},
            ReturnValues="UPDATED_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    return cast(Decimal, result["Attributes"]["wallet_balance"])


def debit_wallet_member(username: str, total: Decimal, seen_balance: Decimal) -> dict[str, Any]:
    """The TransactWriteItems member that takes `total` from a live account's wallet as the purchase saw it:
    pinned to `seen_balance`, so a sale's remaining_balance is exactly what was left."""
    return {
        "Update": {
            "TableName": table_name(),
            "Key": {"username": username},
            "UpdateExpression": "SET wallet_balance = wallet_balance - :total",
            "ConditionExpression": f"{LIVE_ACCOUNT} AND wallet_balance = :seen AND wallet_balance >= :total",
            "ExpressionAttributeValues": {":total": total, ":seen": seen_balance},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def consistent_wallet_read(username: str) -> dict[str, Any]:
    """This table's part of a BatchGetItem that reads one wallet, strongly consistent; see `wallet_from_batch`."""
    return {
        table_name(): {
            "Keys": [{"username": username}],
            "ConsistentRead": True,
            "ProjectionExpression": f"username, wallet_balance, {TOMBSTONE_ATTRIBUTE}",
        }
    }


def wallet_from_batch(responses: dict[str, list[Item]]) -> Decimal | None:
    """The balance a BatchGetItem with `consistent_wallet_read` returned; None when there is no account."""
    return wallet_of(next(iter(responses.get(table_name(), [])), None))


def wallet_of(account: Item | None) -> Decimal | None:
    """The balance of a live account's item image; None when there is no account to charge (none, or a tombstone)."""
    if not is_live_account(account):
        return None
    return Decimal(cast(Item, account).get("wallet_balance", 0))


def take_from_wallet(username: str, amount: Decimal) -> Decimal:
    """Atomic debit: the condition, not a prior read, guarantees the balance never goes below zero."""
    with _live_account_condition(if_live=InsufficientFunds()):
        result = _table().update_item(
            Key={"username": username},
            UpdateExpression="SET wallet_balance = wallet_balance - :amount",
            ConditionExpression=f"{LIVE_ACCOUNT} AND wallet_balance >= :amount",
            ExpressionAttributeValues={":amount": amount},
            ReturnValues="UPDATED_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    return cast(Decimal, result["Attributes"]["wallet_balance"])


def reserve_login_attempt(username: str, now: int, *, max_attempts: int, window_seconds: int) -> AccountItem:
    """Reserve one password check for `username` BEFORE it runs, and return the account (password hash included).

    One conditional UpdateItem counts the attempt and brings the item back, so concurrent requests can never run
    more than `max_attempts` checks per window: the condition, not a prior read, refuses the one over budget.
    A window starts at its first attempt and lasts `window_seconds`; an expired one is restarted by a second
    conditional write (only then). NotFound: no live account. TooManyRequests: the window's budget is used.
    """
    expired_before = now - window_seconds
    values: dict[str, Any] = {":one": 1, ":now": now, ":expired_before": expired_before}
    names = {"#attempts": _ATTEMPTS, "#start": _WINDOW_START}
    within_budget = {
        # No window yet (first attempt, or the last login succeeded), or a current one with budget left.
        "UpdateExpression": (
            "SET #attempts = if_not_exists(#attempts, :zero) + :one, #start = if_not_exists(#start, :now)"
        ),
        "ConditionExpression": (
            f"{LIVE_ACCOUNT} AND (attribute_not_exists(#start) OR (#start > :expired_before AND #attempts < :max))"
        ),
        "ExpressionAttributeValues": {**values, ":zero": 0, ":max": max_attempts},
    }
    restart_window = {
        "UpdateExpression": "SET #attempts = :one, #start = :now",
        "ConditionExpression": f"{LIVE_ACCOUNT} AND #start <= :expired_before",
        "ExpressionAttributeValues": values,
    }
    for _ in range(3):  # normally one pass, and one call in it
        account, seen = _conditional_update(username, names, within_budget)
        if account is not None:
            return cast(AccountItem, account)
        if not is_live_account(seen):
            raise CustomerNotFound()
        started = int(cast(Item, seen)[_WINDOW_START])
        if started > expired_before:  # the current window's budget is used
            raise LoginLockedOut(retry_after=max(1, started + window_seconds - now))
        account, seen = _conditional_update(username, names, restart_window)
        if account is not None:
            return cast(AccountItem, account)
        if not is_live_account(seen):
            raise CustomerNotFound()
        # Another request restarted the window (or a login cleared it) meanwhile: count in that one.
    raise LoginContention()


def _conditional_update(username: str, names: dict[str, str], write: dict[str, Any]) -> tuple[Item | None, Item | None]:
    """(the item after the write, None), or (None, the item as the failed condition saw it)."""
    try:
        result = _table().update_item(
            Key={"username": username},
            ExpressionAttributeNames=names,
            ReturnValues="ALL_NEW",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
            **write,
        )
    except ClientError as exc:
        if not is_condition_failure(exc):
            raise
        return None, old_item(exc)
    return result["Attributes"], None


def clear_login_attempts(username: str) -> None:
    """After a successful login the next attempt opens a fresh window. NotFound: the account was deleted meanwhile."""
    with condition_failure_as(CustomerNotFound()):
        _table().update_item(
            Key={"username": username},
            UpdateExpression="REMOVE #attempts, #start",
            ConditionExpression=LIVE_ACCOUNT,
            ExpressionAttributeNames={"#attempts": _ATTEMPTS, "#start": _WINDOW_START},
        )
