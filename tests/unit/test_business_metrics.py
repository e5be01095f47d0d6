"""The business metrics the dashboard and the alarms in template.yaml read, as each function emits them (EMF).

A metric whose name, unit or value drifts breaks a dashboard widget or silences an alarm without failing a
request, so each is checked where a user's action produces it.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.streams import StreamReader, invoke
from tests.unit.conftest import SEED_GOOD_ID, SEED_PASSWORD, Invoke
from tests.unit.review_steps import employee_decides, submit

REGISTER = ("customers_api.register", "POST", "/customers/register")
LOGIN = ("customers_api.login", "POST", "/login")
ADD_GOOD = ("inventory_api.add_good", "POST", "/inventory/add")
SELL = ("sales_api.sell", "POST", "/sales/sell")

Metric = tuple[str, str, float]


def emitted(capsys: pytest.CaptureFixture[str]) -> list[Metric]:
    """(name, unit, value) of every metric in the EMF lines printed since the last call."""
    metrics: list[Metric] = []
    for line in capsys.readouterr().out.splitlines():
        try:
            record: dict[str, Any] = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or "_aws" not in record:
            continue
        for directive in record["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                values = record[metric["Name"]]
                for value in values if isinstance(values, list) else [values]:
                    metrics.append((metric["Name"], metric["Unit"], value))
    return metrics


def counted(name: str) -> Metric:
    return (name, "Count", 1.0)


def login(call: Invoke, password: str, username: str = "ada") -> int:
    return call(*LOGIN, body={"username": username, "password": password}).status


def test_registration_counts_one_customer(call: Invoke, capsys: pytest.CaptureFixture[str]) -> None:
    body = {
        "full_name": "Grace Hopper",
        "username": "grace",
        "password": "cobol1959x",
        "age": 40,
        "address": "Arlington",
        "gender": "female",
        "marital_status": "single",
    }
    assert call(*REGISTER, body=body).status == 201

    assert emitted(capsys) == [counted("CustomerRegistered")]


def test_failed_logins_are_counted_and_a_good_one_is_not(
    call: Invoke, seed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert login(call, SEED_PASSWORD) == 200
    assert emitted(capsys) == []

    assert login(call, "wrong-guess1") == 401
    assert login(call, SEED_PASSWORD, username="nobody") == 401

    assert emitted(capsys) == [counted("LoginFailed"), counted("LoginFailed")]


def test_a_locked_out_login_is_counted_as_such(
    call: Invoke, seed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(5):  # LOGIN_MAX_FAILURES
        assert login(call, "wrong-guess1") == 401
    capsys.readouterr()

    assert login(call, SEED_PASSWORD) == 429

    assert emitted(capsys) == [counted("LoginLockedOut")]


def test_adding_a_good_counts_one(call: Invoke, seed: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    good = {"name": "Green tea", "category": "food", "price": 4.99, "description": "", "count": 3}

    assert call(*ADD_GOOD, body=good, token=seed["EMPLOYEE_TOKEN"]).status == 201

    assert emitted(capsys) == [counted("GoodAdded")]


def test_a_sale_is_counted_once_and_its_replay_as_a_replay(
    call: Invoke, seed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    purchase: dict[str, Any] = {
        "token": seed["CUSTOMER_TOKEN"],
        "body": {"good_id": SEED_GOOD_ID, "quantity": 1},
        "headers": {"Idempotency-Key": "order-1"},
    }

    assert call(*SELL, **purchase).status == 201
    assert emitted(capsys) == [counted("Sale")]

    assert call(*SELL, **purchase).status == 201
    assert emitted(capsys) == [counted("SaleReplayed")]


def test_reviews_count_submission_auto_verdicts_and_employee_decisions(
    call: Invoke, seed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    stream = StreamReader()
    stream.read()  # the seed's own records
    capsys.readouterr()

    clean = submit(call, "grace", 4, "Solid beans, fresh roast.")
    submit(call, "alan", 1, "Absolute shit, avoid")
    assert emitted(capsys) == [counted("ReviewSubmitted"), counted("ReviewSubmitted")]

    while batch := stream.read():
        assert invoke(batch) == []
    assert sorted(emitted(capsys)) == [counted("ReviewAuto_approved"), counted("ReviewAuto_flagged")]

    employee_decides(call, clean, "flagged", "off-topic")
    assert emitted(capsys) == [counted("ReviewModerated_flagged")]


def test_a_record_the_job_cannot_process_is_counted_for_the_alarm(
    seed: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    stream = StreamReader()
    stream.read()
    boto3.resource("dynamodb").Table("ReviewsTable").put_item(Item={"review_id": "broken", "status": "pending"})
    capsys.readouterr()

    batch = stream.read()
    assert invoke(batch) == [batch[0]["dynamodb"]["SequenceNumber"]]

    assert emitted(capsys) == [counted("ModerationRecordFailed")]
