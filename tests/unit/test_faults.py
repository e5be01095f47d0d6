"""Faults on every route: each retryable DynamoDB error, a cancelled transaction, a timeout, on reads and writes.

Each route is driven with its own sample event from events/; a DynamoDB call it makes fails. The client must get
a 503 with the contract's error body and Retry-After (never a stack trace, never a misleading 404/409), and when
the first write is the one that fails, no table may change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from tests.unit.conftest import EVENTS_DIR, LogLines, handler_module_for, invoke_event, load_event, snapshot

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


READ_OPERATIONS = {"GetItem", "BatchGetItem", "Query", "Scan"}
# Every error code DynamoDB documents as "retry later"; each must be a 503, so dropping one from the
# service's list of retryable codes fails here.
RETRYABLE_CODES = (
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
    "TransactionConflictException",
)
API_EVENTS = sorted(path for path in EVENTS_DIR.rglob("*.json") if '"Records"' not in path.read_text())


def throttled(operation: str, code: str = "ProvisionedThroughputExceededException") -> Exception:
    error: Any = {"Error": {"Code": code, "Message": "Rate exceeded"}}
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


def unreachable(_: str) -> Exception:
    return EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")


FAULTS: dict[str, Callable[[str], Exception]] = {
    "throttling": throttled,
    "cancelled-transaction": transaction_cancelled,
    "timeout": timed_out,
}


@contextmanager
def failing_calls(fault: Callable[[str], Exception], operations: set[str]) -> Iterator[list[str]]:
    failed: list[str] = []
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def make_api_call(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb" and operation in operations:
            failed.append(operation)
            raise fault(operation)
        return original(client, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", make_api_call):
        yield failed


def failing_writes(fault: Callable[[str], Exception]) -> Any:
    return failing_calls(fault, WRITE_OPERATIONS)


def assert_clean_503(response: Any) -> None:
    assert response.status == 503, response.body
    assert response.body["code"] == "SERVICE_UNAVAILABLE"
    assert set(response.body) == {"error", "code", "details"}
    assert "Traceback" not in repr(response.body)
    assert response.headers.get("Retry-After") == "1"


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("event_file", WRITE_EVENTS, ids=lambda p: str(p.relative_to(EVENTS_DIR)))
def test_a_failed_write_is_a_clean_503_and_changes_nothing(event_file: Path, fault: str, seed: dict[str, str]) -> None:
    event = load_event(str(event_file.relative_to(EVENTS_DIR)), seed)
    before = snapshot()

    with failing_writes(FAULTS[fault]) as failed:
        response = invoke_event(handler_module_for(event_file), event)

    assert failed, "the route attempted no DynamoDB write"
    assert_clean_503(response)
    assert snapshot() == before


@pytest.mark.parametrize("code", RETRYABLE_CODES)
@pytest.mark.parametrize("event_name", ["customers/charge_wallet.json", "sales/sell.json"])
def test_every_retryable_write_error_is_a_clean_503(event_name: str, code: str, seed: dict[str, str]) -> None:
    # One route per kind of write (a single UpdateItem, a transaction): the mapping of codes is shared.
    event_file = EVENTS_DIR / event_name
    event = load_event(event_name, seed)
    before = snapshot()
    with failing_writes(lambda operation: throttled(operation, code)):
        response = invoke_event(handler_module_for(event_file), event)
    assert_clean_503(response)
    assert snapshot() == before


@pytest.mark.parametrize("event_file", API_EVENTS, ids=lambda p: str(p.relative_to(EVENTS_DIR)))
def test_a_failed_read_is_a_clean_503_and_changes_nothing(event_file: Path, seed: dict[str, str]) -> None:
    event = load_event(str(event_file.relative_to(EVENTS_DIR)), seed)
    before = snapshot()
    with failing_calls(lambda operation: throttled(operation, "ThrottlingException"), READ_OPERATIONS) as failed:
        response = invoke_event(handler_module_for(event_file), event)
    if not failed:
        assert 200 <= response.status < 300, response.body  # this route reads nothing: it must just work
        return
    assert_clean_503(response)
    assert snapshot() == before


def test_a_throttled_purchase_read_is_503_not_a_missing_good(seed: dict[str, str]) -> None:
    """BatchGetItem answers a throttled key as UnprocessedKeys, not as an error: it must not read as "no good"."""
    event = load_event("sales/sell.json", seed)
    before = snapshot()
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def good_left_unprocessed(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if operation != "BatchGetItem":
            return original(client, operation, params)
        result = original(client, operation, params)
        inventory = next(name for name in params["RequestItems"] if "Inventory" in name)
        result["UnprocessedKeys"] = {inventory: params["RequestItems"][inventory]}
        result["Responses"][inventory] = []
        return result

    with mock.patch.object(BaseClient, "_make_api_call", good_left_unprocessed):
        response = invoke_event(handler_module_for(EVENTS_DIR / "sales" / "sell.json"), event)
    assert_clean_503(response)
    assert snapshot() == before


# The two kinds of exception the resolver maps to "dependency timed out" (a ReadTimeoutError, a ConnectionError).
NO_ANSWER: dict[str, Callable[[str], Exception]] = {
    "ReadTimeoutError": timed_out,
    "EndpointConnectionError": unreachable,
}


@pytest.mark.parametrize("exception", sorted(NO_ANSWER))
def test_a_dependency_that_does_not_answer_is_one_warning_naming_the_exception(
    exception: str, seed: dict[str, str], log_lines: LogLines
) -> None:
    # Operators alarm on this line: its message, its level, the exception's class and the request it belongs to.
    event = load_event("customers/charge_wallet.json", seed)
    event["requestContext"]["requestId"] = "req-no-answer"

    with failing_writes(NO_ANSWER[exception]):
        response = invoke_event(handler_module_for(EVENTS_DIR / "customers" / "charge_wallet.json"), event)

    assert_clean_503(response)
    warnings = [line for line in log_lines() if line["level"] == "WARNING"]
    assert [(line["message"], line.get("error"), line["correlation_id"]) for line in warnings] == [
        ("dependency timed out", exception, "req-no-answer")
    ]


def test_a_throttled_dependency_is_one_warning_naming_the_error_code(seed: dict[str, str], log_lines: LogLines) -> None:
    # Operators alarm on throttling by this line: its message, its level and the DynamoDB error code.
    event = load_event("customers/charge_wallet.json", seed)
    event["requestContext"]["requestId"] = "req-throttled"

    with failing_writes(lambda operation: throttled(operation, "ThrottlingException")):
        response = invoke_event(handler_module_for(EVENTS_DIR / "customers" / "charge_wallet.json"), event)

    assert_clean_503(response)
    warnings = [line for line in log_lines() if line["level"] == "WARNING"]
    assert [(line["message"], line.get("aws_error"), line["correlation_id"]) for line in warnings] == [
        ("dependency throttled", "ThrottlingException", "req-throttled")
    ]


def test_an_unexpected_dynamodb_error_is_a_generic_500_logged_once_with_its_trace(
    seed: dict[str, str], log_lines: LogLines
) -> None:
    # A refusal DynamoDB would give a bug (a ValidationException): never retried as 503, never shown to the client.
    event = load_event("customers/charge_wallet.json", seed)
    event["requestContext"]["requestId"] = "req-refused"
    before = snapshot()

    def refused(operation: str) -> Exception:
        error: Any = {"Error": {"Code": "ValidationException", "Message": "secret table internals"}}
        return ClientError(error, operation)

    with failing_writes(refused):
        response = invoke_event(handler_module_for(EVENTS_DIR / "customers" / "charge_wallet.json"), event)

    assert (response.status, response.body) == (
        500,
        {"error": "Internal error", "code": "INTERNAL_ERROR", "details": []},
    )
    assert snapshot() == before
    errors = [line for line in log_lines() if line["level"] == "ERROR"]
    assert [(line["message"], line["correlation_id"]) for line in errors] == [("unexpected AWS error", "req-refused")]
    assert "secret table internals" in errors[0]["exception"]
