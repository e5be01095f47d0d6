"""In-process fixtures: moto-backed tables built from template.yaml and a way to call handlers like API Gateway."""

from __future__ import annotations

import importlib
import io
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from shop_shared import auth
from shop_shared.errors import InvalidRequest
from shop_shared.observability import logger
from shopctl import devloop, openapi
from shopctl.template import resources
from tests.apigw import rest_event
from tests.unit import iam

JWT_TEST_KEY = "unit-test-signing-key-0123456789abcdef0123456789abcdef"


@dataclass
class LambdaContext:
    function_name: str = "unit-test"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:unit-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


@dataclass
class HttpResult:
    status: int
    body: Any
    headers: dict[str, str]
    # The body string exactly as the handler returned it: a 204 must send "" (null breaks strict proxies).
    raw_body: str | None = None


def create_tables() -> None:
    client = boto3.client("dynamodb")
    for logical_id, res in resources("AWS::DynamoDB::Table").items():
        props = res["Properties"]
        kwargs: dict[str, Any] = {
            "TableName": logical_id,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props["BillingMode"],
        }
        if "GlobalSecondaryIndexes" in props:
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if "StreamSpecification" in props:
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        client.create_table(**kwargs)


def snapshot(dynamodb: Any = None) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table, in a comparable order (read with the test's own client, so never checked)."""
    dynamodb = dynamodb or boto3.resource("dynamodb")
    return {
        name: sorted(dynamodb.Table(name).scan()["Items"], key=repr)
        for name in boto3.client("dynamodb").list_tables()["TableNames"]
    }


def create_signing_secret() -> None:
    boto3.client("secretsmanager").create_secret(Name="shop-test-jwt", SecretString=JWT_TEST_KEY)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        create_tables()
        create_signing_secret()
        yield


Invoke = Callable[..., HttpResult]
LogLines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def log_lines() -> Iterator[LogLines]:
    """Every line the shared Powertools logger wrote in the test, as JSON, at the template's default level (INFO)."""
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(logger.registered_formatter)
    stdlib_logger = logging.getLogger(logger.name)
    stdlib_logger.addHandler(capture)
    previous = logger.log_level
    logger.setLevel("INFO")

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    logger.setLevel(previous)
    stdlib_logger.removeHandler(capture)


@pytest.fixture
def call(aws: None) -> Invoke:
    """call("customers_api.register", "POST", "/customers/register", body=...) -> HttpResult."""

    def _call(
        module: str, method: str, resource: str, path_params: dict[str, str] | None = None, **kw: Any
    ) -> HttpResult:
        return invoke_event(module, rest_event(method, resource, path_params, **kw))

    return _call


EVENTS_DIR = Path(__file__).resolve().parents[2] / "events"


def load_event(relative_path: str, tokens: dict[str, str]) -> dict[str, Any]:
    """A sample event from events/, with its CUSTOMER_TOKEN / EMPLOYEE_TOKEN placeholders replaced by real tokens."""
    text = (EVENTS_DIR / relative_path).read_text()
    for placeholder, token in tokens.items():
        text = text.replace(placeholder, token)
    event: dict[str, Any] = json.loads(text)
    return event


def handler_module_for(event_file: Path) -> str:
    """events/<service>/<module>[.<variant>].json is the sample event for <service>_api.<module>.handler."""
    service = event_file.parent.name
    return f"{service}_api.{event_file.name.split('.')[0]}"


def assert_declared(module: ModuleType, status: int, body: Any) -> None:
    """An error answer must be one the route declares (`shop_shared.errors.raises`), as the OpenAPI document says:
    same status, code and message (a validation error's message says what was wrong, so only its code counts)."""
    if status < 400 or not hasattr(module, "app"):
        return
    matches = [error for error in openapi.route_errors(module) if (error.status, error.code) == (status, body["code"])]
    assert any(error is InvalidRequest or error.message == body["error"] for error in matches), (
        f"{module.__name__} answered {status} {body['code']} ({body['error']!r}), which its route does not declare"
    )


def invoke_event(module: str, event: dict[str, Any]) -> HttpResult:
    handler_module = importlib.import_module(module)
    with iam.running_as(iam.function_for_handler(module)) as role:  # under its own policy, as on AWS
        response = handler_module.handler(event, LambdaContext())
    iam.assert_authorised(role)
    raw = response.get("body")
    body = json.loads(raw) if raw else None
    assert_declared(handler_module, response["statusCode"], body)
    headers = dict(response.get("headers") or {})
    headers.update({name: values[-1] for name, values in (response.get("multiValueHeaders") or {}).items()})
    return HttpResult(status=response["statusCode"], body=body, headers=headers, raw_body=raw)


# The seed every sample event in events/ assumes has one definition, shared with `shopctl local seed`.
SEED_CUSTOMER = devloop.SEED_CUSTOMER
SEED_EMPLOYEE = devloop.SEED_EMPLOYEE
SEED_PASSWORD = devloop.SEED_PASSWORD
SEED_GOOD_ID = devloop.SEED_GOOD_ID
SEED_RETIRED_GOOD_ID = devloop.SEED_RETIRED_GOOD_ID
SEED_REVIEW_ID = devloop.SEED_REVIEW_ID


@pytest.fixture
def seed(aws: None) -> dict[str, str]:
    return seed_data()


def seed_data() -> dict[str, str]:
    """The data every sample event in events/ assumes (`devloop.seed_items`), and tokens for its placeholders.

    Customer `ada` (wallet 100.00), employee `boss` (both with password SEED_PASSWORD), and the good
    SEED_GOOD_ID ("Espresso beans", food, 12.50, 10 in stock), and ada's approved 4-star review SEED_REVIEW_ID
    of SEED_RETIRED_GOOD_ID.
    """
    dynamodb = boto3.resource("dynamodb")
    for output, items in devloop.seed_items().items():
        table = dynamodb.Table(output.removesuffix("Name"))  # the unit tables carry the logical ids
        for item in items:
            table.put_item(Item=item)
    return {
        "CUSTOMER_TOKEN": auth.issue_token(SEED_CUSTOMER, auth.CUSTOMER),
        "EMPLOYEE_TOKEN": auth.issue_token(SEED_EMPLOYEE, auth.EMPLOYEE),
    }
