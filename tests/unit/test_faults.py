"""Faults on every write path: throttling, a cancelled transaction, a timeout.

Each write route is driven with its own sample event from events/; the DynamoDB write it attempts fails.
The client must get a 503 with the contract's error body (never a stack trace) and no table may change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError, ReadTimeoutError

from tests.unit.conftest import EVENTS_DIR, handler_module_for, invoke_event, load_event

WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
# A successful login (its sample event) reads only; every other non-GET sample event writes.
READ_ONLY_POSTS = {"customers/login.json"}
WRITE_EVENTS = sorted(
    path
    for path in EVENTS_DIR.rglob("*.json")
    if '"httpMethod": "GET"' not in path.read_text()
    and '"Records"' not in path.read_text()
    and str(path.relative_to(EVENTS_DIR)) not in READ_ONLY_POSTS
)


def throttled(operation: str) -> Exception:
    error: Any = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}
    return ClientError(error, operation)


def transaction_cancelled(operation: str) -> Exception:
    error: Any = {
        "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
        "CancellationReasons": [{"Code": "TransactionConflict"}, {"Code": "None"}, {"Code": "None"}],
    }
    if operation != "TransactWriteItems":
        return throttled(operation)
    return ClientError(error, operation)


def timed_out(_: str) -> Exception:
    return ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")


FAULTS: dict[str, Callable[[str], Exception]] = {
    "throttling": throttled,
    "cancelled-transaction": transaction_cancelled,
    "timeout": timed_out,
}


@contextmanager
def failing_writes(fault: Callable[[str], Exception]) -> Iterator[list[str]]:
    failed: list[str] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb" and operation in WRITE_OPERATIONS:
            failed.append(operation)
            raise fault(operation)
        return original(client, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", make_api_call):
        yield failed


def snapshot() -> dict[str, list[dict[str, Any]]]:
    dynamodb = boto3.resource("dynamodb")
    return {
        name: sorted(dynamodb.Table(name).scan()["Items"], key=repr)
        for name in boto3.client("dynamodb").list_tables()["TableNames"]
    }


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("event_file", WRITE_EVENTS, ids=lambda p: str(p.relative_to(EVENTS_DIR)))
def test_a_failed_write_is_a_clean_503_and_changes_nothing(event_file: Path, fault: str, seed: dict[str, str]) -> None:
    event = load_event(str(event_file.relative_to(EVENTS_DIR)), seed)
    before = snapshot()

    with failing_writes(FAULTS[fault]) as failed:
        response = invoke_event(handler_module_for(event_file), event)

    assert failed, "the route attempted no DynamoDB write"
    assert response.status == 503, response.body
    assert response.body["code"] == "SERVICE_UNAVAILABLE"
    assert set(response.body) == {"error", "code", "details"}
    assert "Traceback" not in repr(response.body)
    assert response.headers.get("Retry-After") == "1"
    assert snapshot() == before
