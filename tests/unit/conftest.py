"""In-process fixtures: moto-backed tables built from template.yaml and a way to call handlers like API Gateway."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.apigw import rest_event
from tests.template import resources

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


def _create_tables() -> None:
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


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        _create_tables()
        boto3.client("secretsmanager").create_secret(Name="shop-test-jwt", SecretString=JWT_TEST_KEY)
        yield


Invoke = Callable[..., HttpResult]


@pytest.fixture
def call(aws: None) -> Invoke:
    """call("customers_api.register", "POST", "/customers/register", body=...) -> HttpResult."""

    def _call(
        module: str, method: str, resource: str, path_params: dict[str, str] | None = None, **kw: Any
    ) -> HttpResult:
        return invoke_event(module, rest_event(method, resource, path_params, **kw))

    return _call


def invoke_event(module: str, event: dict[str, Any]) -> HttpResult:
    handler = importlib.import_module(module).handler
    response = handler(event, LambdaContext())
    raw = response.get("body")
    body = json.loads(raw) if raw else None
    return HttpResult(status=response["statusCode"], body=body, headers=response.get("headers") or {})
