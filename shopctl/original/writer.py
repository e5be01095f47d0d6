"""Batched writes into the stack's tables that never overwrite an item already there.

The rule, per table:
- every table: the keys are read first (BatchGetItem, 100 per call); an item whose key exists is never written
  again, so a second run or a resumed one writes only what is missing, and never clobbers a row the shop has
  changed since (a wallet after purchases, a good's stock or rating, a review the job moderated);
- goods and sales: keys only the importer makes (uuid5 of the original id), so what is missing is written with
  BatchWriteItem (25 per call, UnprocessedItems retried with backoff);
- customers and reviews: keys the live shop also makes (a registration, a submitted review), so the puts are
  conditional (attribute_not_exists) in TransactWriteItems of up to 100: a key taken between the read and the
  write is reported, never overwritten.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from shop_shared.data.dynamo import Item, error_code

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

READ_BATCH = 100
WRITE_BATCH = 25
TRANSACTION_BATCH = 100
MAX_ROUNDS = 12
_BASE_DELAY = 0.05
_MAX_DELAY = 5.0
_TRANSIENT = frozenset(
    {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "InternalServerError"}
)
_TRANSIENT_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})

Progress = Callable[[int], None]


def _quiet(_: int) -> None:
    return None


class WriteStalled(RuntimeError):
    """DynamoDB kept refusing part of a batch; what was written stays written and a re-run resumes from there."""


@dataclass(frozen=True)
class Tables:
    customers: str
    inventory: str
    sales: str
    reviews: str

    def of(self, name: str) -> str:
        return {"customers": self.customers, "goods": self.inventory, "sales": self.sales, "reviews": self.reviews}[
            name
        ]


def dynamodb_client() -> DynamoDBClient:
    # The resource's client takes and returns plain Python values (Decimal, str), like shop_shared.data does.
    config = Config(retries={"max_attempts": 10, "mode": "adaptive"}, max_pool_connections=4)
    resource: Any = boto3.resource("dynamodb", config=config)
    return cast("DynamoDBClient", resource.meta.client)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _pause(round_number: int) -> None:
    time.sleep(min(_MAX_DELAY, _BASE_DELAY * 2**round_number) * random.uniform(0.5, 1.0))  # noqa: S311 - jitter


def existing(client: DynamoDBClient, table: str, keys: Sequence[Item], projection: str) -> list[Item]:
    """The items (projected) of those keys that exist, strongly consistent so a resumed run sees its own writes."""
    found: list[Item] = []
    key_names = sorted(keys[0]) if keys else []
    names = {f"#k{i}": name for i, name in enumerate(key_names)}
    expression = ", ".join([*names, *(p.strip() for p in projection.split(",") if p.strip())])
    for chunk in _chunks(keys, READ_BATCH):
        request: dict[str, Any] = {
            table: {
                "Keys": list(chunk),
                "ConsistentRead": True,
                "ProjectionExpression": expression,
                "ExpressionAttributeNames": names,
            }
        }
        for round_number in range(MAX_ROUNDS):
            result = client.batch_get_item(RequestItems=request)
            found.extend(cast(list[Item], result.get("Responses", {}).get(table, [])))
            request = cast(dict[str, Any], result.get("UnprocessedKeys") or {})
            if not request:
                break
            _pause(round_number)
        else:
            raise WriteStalled(f"{table}: DynamoDB kept returning unprocessed keys")
    return found


def put_batches(client: DynamoDBClient, table: str, items: Sequence[Item], progress: Progress = _quiet) -> int:
    """Unconditional puts, 25 per BatchWriteItem, unprocessed ones retried with backoff. Returns the count."""
    for chunk in _chunks(items, WRITE_BATCH):
        requests: list[Any] = [{"PutRequest": {"Item": item}} for item in chunk]
        for round_number in range(MAX_ROUNDS):
            result = client.batch_write_item(RequestItems={table: requests})
            unprocessed = list(result.get("UnprocessedItems", {}).get(table, []))
            progress(len(requests) - len(unprocessed))
            requests = unprocessed
            if not requests:
                break
            _pause(round_number)
        else:
            raise WriteStalled(f"{table}: DynamoDB kept returning unprocessed items")
    return len(items)


def put_new(
    client: DynamoDBClient, table: str, key_name: str, items: Sequence[Item], progress: Progress = _quiet
) -> list[Item]:
    """Conditional puts (attribute_not_exists) in transactions of up to 100; returns the items written.

    A transaction is all-or-nothing: when it is cancelled, the items whose condition failed (their key exists
    now) are dropped and the rest is sent again; a conflict or throttle sends the same batch again after a pause.
    """
    written: list[Item] = []
    for chunk in _chunks(items, TRANSACTION_BATCH):
        pending = list(chunk)
        for round_number in range(MAX_ROUNDS):
            if not pending:
                break
            transact = [
                {
                    "Put": {
                        "TableName": table,
                        "Item": item,
                        "ConditionExpression": "attribute_not_exists(#key)",
                        "ExpressionAttributeNames": {"#key": key_name},
                    }
                }
                for item in pending
            ]
            try:
                client.transact_write_items(TransactItems=cast(Any, transact))
            except ClientError as exc:
                code = error_code(exc)
                if code in _TRANSIENT:
                    _pause(round_number)
                    continue
                if code != "TransactionCanceledException":
                    raise
                cancelled = cast(list[dict[str, Any]], exc.response.get("CancellationReasons", []))
                reasons = [reason.get("Code") or "None" for reason in cancelled]
                if len(reasons) != len(pending) or any(
                    r not in ("None", "ConditionalCheckFailed", *_TRANSIENT_REASONS) for r in reasons
                ):
                    raise
                taken = [i for i, reason in enumerate(reasons) if reason == "ConditionalCheckFailed"]
                if taken:
                    progress(len(taken))
                    pending = [item for i, item in enumerate(pending) if i not in set(taken)]
                else:
                    _pause(round_number)
                continue
            written.extend(pending)
            progress(len(pending))
            pending = []
        if pending:
            raise WriteStalled(f"{table}: transactions kept being cancelled")
    return written
