"""GET /docs: the spec link serves JSON, and "Try it out" targets the base URL the page was loaded from."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
import swagger_ui

from tests.apigw import rest_event
from tests.unit.conftest import LambdaContext


def aws_event(query: dict[str, str] | None = None, **context: Any) -> dict[str, Any]:
    """GET /docs as API Gateway sends it when called on https://<id>.execute-api.../v1/docs."""
    event = rest_event("GET", "/docs", query=query, headers={"Host": "abc123.execute-api.eu-west-1.amazonaws.com"})
    event["headers"]["X-Forwarded-Proto"] = "https"
    event["requestContext"].update(
        {"domainName": "abc123.execute-api.eu-west-1.amazonaws.com", "apiId": "abc123", "stage": "v1"}
    )
    event["requestContext"]["path"] = "/v1/docs"
    event["requestContext"].update(context)
    return event


def emulator_event(query: dict[str, str] | None = None, host: str = "127.0.0.1:4566") -> dict[str, Any]:
    """GET /docs as MiniStack sends it: no domainName, its own host, the API under /_aws/execute-api/<id>/<stage>."""
    event = rest_event("GET", "/docs", query=query, headers={"Host": host})
    event["requestContext"].update({"apiId": "ab7ba440", "stage": "v1", "path": "/v1/docs"})
    return event


def call(event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = swagger_ui.handler(event, cast(Any, LambdaContext()))
    assert response["statusCode"] == 200
    return response


def content_type(response: dict[str, Any]) -> str:
    headers = response.get("multiValueHeaders") or {}
    return str(headers.get("Content-Type", [response.get("headers", {}).get("Content-Type")])[0])


def test_spec_link_serves_the_openapi_document_as_json() -> None:
    response = call(aws_event({"format": "json"}))

    assert content_type(response).startswith("application/json")
    spec = json.loads(response["body"])
    assert spec["openapi"].startswith("3.")
    assert "/sales/display-goods" in spec["paths"]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (aws_event({"format": "json"}), "https://abc123.execute-api.eu-west-1.amazonaws.com/v1"),
        # A custom domain with a base path mapping: the base path replaces the stage in the URL.
        (
            aws_event({"format": "json"}, domainName="api.shop.example", path="/shop/docs"),
            "https://api.shop.example/shop",
        ),
        (emulator_event({"format": "json"}), "http://127.0.0.1:4566/_aws/execute-api/ab7ba440/v1"),
        (
            emulator_event({"format": "json"}, host="ab7ba440.execute-api.localhost.localstack.cloud:4566"),
            "http://ab7ba440.execute-api.localhost.localstack.cloud:4566/v1",
        ),
    ],
    ids=["aws-stage", "aws-custom-domain", "local-path", "local-host"],
)
def test_servers_is_the_base_url_the_request_came_in_through(event: dict[str, Any], expected: str) -> None:
    spec = json.loads(call(event)["body"])

    assert [server["url"] for server in spec["servers"]] == [expected]


def test_the_page_embeds_the_same_server() -> None:
    response = call(emulator_event())

    assert content_type(response).startswith("text/html")
    assert '"url": "http://127.0.0.1:4566/_aws/execute-api/ab7ba440/v1"' in response["body"]
