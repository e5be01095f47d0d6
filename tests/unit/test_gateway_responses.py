"""Answers API Gateway generates itself (no route, no method, throttling, ...) use the contract's error body.

MiniStack does not apply the gateway responses SAM writes into the API's OpenAPI body (docs/edge.md), so the
end-to-end suite can only show which gateway error a request raises (tests/e2e/test_gateway_e2e.py); this test
checks what AWS then answers for each type, from the very CloudFormation SAM produces out of template.yaml.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from typing import Any

import pytest
from samtranslator.translator.transform import transform  # type: ignore[import-untyped]

from shopctl.template import template

# Every gateway response type and its status on AWS when not customized (API Gateway developer guide,
# "Gateway response types"); DEFAULT_4XX / DEFAULT_5XX apply to the types not customized themselves.
AWS_DEFAULT_STATUS = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_PARAMETERS": 400,
    "BAD_REQUEST_BODY": 400,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}
# The answers the contract fixes; the rest only need the error body and a status of the right class.
EXPECTED = {
    "MISSING_AUTHENTICATION_TOKEN": (404, "NOT_FOUND"),  # no such route or method, on AWS and MiniStack alike
    "RESOURCE_NOT_FOUND": (404, "NOT_FOUND"),
    "BAD_REQUEST_BODY": (400, "VALIDATION_ERROR"),
    "BAD_REQUEST_PARAMETERS": (400, "VALIDATION_ERROR"),
    "UNAUTHORIZED": (401, "UNAUTHORIZED"),
    "ACCESS_DENIED": (403, "FORBIDDEN"),
    "THROTTLED": (429, "TOO_MANY_REQUESTS"),
    "QUOTA_EXCEEDED": (429, "TOO_MANY_REQUESTS"),
    "INTEGRATION_TIMEOUT": (504, "SERVICE_UNAVAILABLE"),
    "INTEGRATION_FAILURE": (504, "SERVICE_UNAVAILABLE"),
}
_VARIABLE = re.compile(r"\$(?:\{(context(?:\.\w+)+)\}|(context(?:\.[A-Za-z]\w*)+))")


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


@cache
def api_body() -> dict[str, Any]:
    """The OpenAPI body of the ShopApi RestApi that SAM generates from template.yaml."""
    fragment = copy.deepcopy(template())
    for resource in fragment["Resources"].values():
        for key in ("CodeUri", "ContentUri"):  # what `sam package` does before the transform runs
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = "s3://bucket/key"
    transformed = transform(fragment, {}, _NoManagedPolicies())
    body: dict[str, Any] = transformed["Resources"]["ShopApi"]["Properties"]["Body"]
    return body


def gateway_responses() -> dict[str, Any]:
    """The x-amazon-apigateway-gateway-responses of the API SAM generates."""
    responses: dict[str, Any] = api_body()["x-amazon-apigateway-gateway-responses"]
    return responses


def effective(response_type: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, headers) AWS answers for a gateway error of this type, rendered as API Gateway does."""
    responses = gateway_responses()
    status = AWS_DEFAULT_STATUS[response_type]
    response = responses.get(response_type) or responses[f"DEFAULT_{status // 100}XX"]
    template_text = response["responseTemplates"]["application/json"]
    message = "Missing Authentication Token"
    variables = {
        "context.error.message": message,
        # API Gateway renders messageString as a quoted JSON string (with a leading space for some types).
        "context.error.messageString": " " + json.dumps(message),
        "context.error.responseType": response_type,
        "context.requestId": "0f1c2d3e",
    }
    rendered = _VARIABLE.sub(lambda m: variables[m.group(1) or m.group(2)], template_text)
    headers = {
        name.removeprefix("gatewayresponse.header."): value.strip("'")
        for name, value in response.get("responseParameters", {}).items()
    }
    return int(response.get("statusCode", status)), json.loads(rendered), headers


@pytest.mark.parametrize("response_type", sorted(AWS_DEFAULT_STATUS))
def test_every_gateway_response_uses_the_error_body(response_type: str) -> None:
    status, body, headers = effective(response_type)

    assert set(body) == {"error", "code", "details"}
    assert isinstance(body["error"], str)
    assert body["error"].strip()
    assert re.fullmatch(r"[A-Z][A-Z0-9_]*", body["code"])
    assert body["details"] == []
    assert status // 100 == AWS_DEFAULT_STATUS[response_type] // 100
    assert not any(name.lower().startswith("access-control-") for name in headers), "CORS is not the gateway's job"


@pytest.mark.parametrize("response_type", sorted(EXPECTED))
def test_the_contract_fixes_status_and_code(response_type: str) -> None:
    status, body, _ = effective(response_type)

    assert (status, body["code"]) == EXPECTED[response_type]


def test_no_route_is_a_404_not_found() -> None:
    status, body, _ = effective("MISSING_AUTHENTICATION_TOKEN")

    assert (status, body) == (404, {"error": "No such route or method", "code": "NOT_FOUND", "details": []})


def test_throttling_tells_the_client_when_to_retry() -> None:
    for response_type in ("THROTTLED", "INTEGRATION_TIMEOUT", "INTEGRATION_FAILURE"):
        assert effective(response_type)[2].get("Retry-After") == "1", response_type


def test_both_families_have_a_default() -> None:
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(gateway_responses())
    assert set(gateway_responses()) <= {*AWS_DEFAULT_STATUS, "DEFAULT_4XX", "DEFAULT_5XX"}


def test_every_path_answers_a_preflight_with_the_configured_origin_only() -> None:
    """API Gateway answers OPTIONS itself (a mock integration): the origin is the CorsAllowedOrigin parameter,
    empty by default, which no browser accepts. MiniStack routes these but drops the mock's headers."""
    for path, methods in api_body()["paths"].items():
        integration = methods["options"]["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock", path
        headers = integration["responses"]["default"]["responseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == {"Fn::Sub": "'${CorsAllowedOrigin}'"}
        assert "Idempotency-Key" in headers["method.response.header.Access-Control-Allow-Headers"]
