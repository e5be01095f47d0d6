"""The sales table (one item per sale, keyed by `sale_id`, GSI `by_customer` on username + sale_date) and the
purchase itself, which writes the inventory, customers and sales tables in one transaction.

This module owns only the sales table: the purchase transaction is composed of the members the inventory and
customers modules build for their own tables (`goods.take_stock_member`, `customers.debit_wallet_member`).

A sale item is a snapshot: sale_id, username, good_id, good_name, quantity, unit_price, total_price,
remaining_balance, sale_date and request_fingerprint (what an Idempotency-Key replay is compared against).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NotRequired, TypedDict, cast

from botocore.exceptions import ClientError

from shop_shared.config import required
from shop_shared.data import customers, goods
from shop_shared.data.dynamo import Item, Number, Page, batch_get, deserialize, error_code, query_page, transact_write
from shop_shared.errors import IdempotencyKeyReused, ServiceBusy


class SaleItem(TypedDict):
    """A sale as stored (see the module docstring)."""

    sale_id: str
    username: str
    good_id: str
    good_name: str
    quantity: Number
    unit_price: Decimal
    total_price: Decimal
    remaining_balance: Decimal
    sale_date: str
    request_fingerprint: NotRequired[str]  # absent on sales imported from the original system


table_name = required("SALES_TABLE")  # table_name() is the name, checked at cold start


# A GSI page's LastEvaluatedKey holds the table key and the index key.
HISTORY_KEY = frozenset({"sale_id", "username", "sale_date"})
_BY_CUSTOMER = "by_customer"
# Cancellation reasons that say "someone else was busy with the item", not "your condition is false".
_TRANSIENT_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


def history_page(username: str, limit: int, next_token: str | None) -> Page:
    return query_page(
        table_name(),
        HISTORY_KEY,
        limit,
        next_token,
        IndexName=_BY_CUSTOMER,
        KeyConditionExpression="#username = :username",
        ExpressionAttributeNames={"#username": "username"},
        ExpressionAttributeValues={":username": username},
        ScanIndexForward=False,
    )


@dataclass(frozen=True)
class PurchaseSnapshot:
    """What a purchase is priced and checked against, all read in one BatchGetItem round trip."""

    good: goods.GoodItem | None
    wallet_balance: Decimal | None  # None: no such customer
    sale: SaleItem | None  # the sale an Idempotency-Key already produced, if any


def read_for_purchase(good_id: str, username: str, sale_id: str | None) -> PurchaseSnapshot:
    request: dict[str, Any] = {**goods.consistent_read(good_id), **customers.consistent_wallet_read(username)}
    if sale_id is not None:
        request[table_name()] = {"Keys": [{"sale_id": sale_id}], "ConsistentRead": True}
    result = batch_get(request)
    if result.get("UnprocessedKeys"):
        # Only happens when DynamoDB throttles; nothing was written, so the client can simply retry.
        raise ServiceBusy()
    responses: dict[str, list[Item]] = result.get("Responses", {})
    sale = cast(SaleItem | None, next(iter(responses.get(table_name(), [])), None))
    return PurchaseSnapshot(
        good=goods.from_batch(responses), wallet_balance=customers.wallet_from_batch(responses), sale=sale
    )


@dataclass(frozen=True)
class Check:
    """One member of a cancelled transaction: did its condition fail, and what did the item look like then."""

    failed: bool = False
    current: Item | None = None


class PurchaseCancelled(Exception):
    """The purchase transaction was cancelled and wrote nothing; the service decides what that means."""

    def __init__(self, good: Check, customer: Check, sale: Check, transient: bool) -> None:
        super().__init__("purchase transaction cancelled")
        self.good = good
        self.customer = customer
        self.sale = sale
        self.transient = transient

    @property
    def existing_sale(self) -> SaleItem | None:
        """The sale the same sale id already has, as the failed Put saw it (when that is why it was cancelled)."""
        return cast(SaleItem | None, self.sale.current)


def _request_token(transact_items: list[dict[str, Any]], attempt: int) -> str:
    # Derived from the exact payload: botocore's own retries of this call (after a timeout, say) replay it
    # harmlessly, while our next attempt, with a fresher snapshot, can never collide with an earlier one.
    plain = json.dumps([transact_items, attempt], default=str, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(plain.encode()).hexdigest()[:36]


def record_purchase(sale: SaleItem, seen_good: goods.GoodItem, seen_balance: Decimal, attempt: int) -> None:
    """Stock, wallet and sale record in ONE TransactWriteItems call: all three writes happen or none does.

    The stock and wallet conditions are what make a purchase safe under concurrency; `price = :price` and
    `wallet_balance = :seen` additionally pin the snapshot the sale was priced with, so the stored
    unit_price and remaining_balance are exactly what was charged and left.
    """
    transact_items = [
        goods.take_stock_member(sale["good_id"], int(sale["quantity"]), seen_good),
        customers.debit_wallet_member(sale["username"], sale["total_price"], seen_balance),
        {
            "Put": {
                "TableName": table_name(),
                "Item": sale,
                "ConditionExpression": "attribute_not_exists(sale_id)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
    ]
    try:
        transact_write(transact_items, ClientRequestToken=_request_token(transact_items, attempt))
    except ClientError as exc:
        code = error_code(exc)
        if code == "IdempotentParameterMismatchException":
            # Unreachable while the token hashes the whole payload; mapped so it can never surface as a 500.
            raise IdempotencyKeyReused() from exc
        if code != "TransactionCanceledException":
            raise
        raise _cancelled(exc) from exc


def _cancelled(exc: ClientError) -> PurchaseCancelled | ClientError:
    reasons: list[dict[str, Any]] = exc.response.get("CancellationReasons", [])  # type: ignore[assignment]
    if len(reasons) != 3:
        return exc
    checks: list[Check] = []
    transient = False
    for reason in reasons:
        code = reason.get("Code", "None")
        if code == "ConditionalCheckFailed":
            checks.append(Check(failed=True, current=deserialize(reason.get("Item"))))
        elif code in _TRANSIENT_REASONS:
            transient = True
            checks.append(Check())
        elif code in ("None", None):
            checks.append(Check())
        else:
            return exc  # a validation error is a bug on our side: let it surface as one
    good, customer, sale = checks
    return PurchaseCancelled(good=good, customer=customer, sale=sale, transient=transient)


def snapshot_after(seen: PurchaseSnapshot, cancelled: PurchaseCancelled) -> PurchaseSnapshot:
    """The snapshot updated from a cancelled transaction's ALL_OLD images: the current state, without a read."""
    good = cast(goods.GoodItem | None, cancelled.good.current) if cancelled.good.failed else seen.good
    balance = customers.wallet_of(cancelled.customer.current) if cancelled.customer.failed else seen.wallet_balance
    return PurchaseSnapshot(good=good, wallet_balance=balance, sale=None)
