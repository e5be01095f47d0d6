"""docs/openapi.json is generated from the code (`shopctl openapi`) and must not drift from it."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
import swagger_ui
from openapi_spec_validator import validate

from sales_api import get_good, sell
from shopctl import openapi
from shopctl.template import api_functions
from tests.apigw import rest_event
from tests.unit.conftest import LambdaContext, assert_declared


def test_committed_spec_matches_the_code() -> None:
    assert openapi.SPEC_PATH.read_text() == openapi.render(), "docs/openapi.json is stale: run `shopctl openapi`"


def test_spec_is_valid_openapi_and_covers_every_route() -> None:
    spec = json.loads(openapi.SPEC_PATH.read_text())
    validate(spec)
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    for function in api_functions().values():
        event = next(e for e in function["Properties"]["Events"].values() if e["Type"] == "Api")["Properties"]
        assert (event["Path"], event["Method"]) in documented


def test_protected_routes_declare_the_bearer_scheme() -> None:
    spec = json.loads(openapi.SPEC_PATH.read_text())
    operation = spec["paths"]["/customers/{username}"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert "security" not in spec["paths"]["/customers/register"]["post"]
    assert "422" not in json.dumps(spec["paths"])


def test_swagger_ui_is_served_with_the_spec() -> None:
    response = swagger_ui.handler(rest_event("GET", "/docs"), cast(Any, LambdaContext()))

    assert response["statusCode"] == 200
    assert "text/html" in str(response.get("multiValueHeaders") or response.get("headers"))
    assert 'id="swagger-ui"' in response["body"]
    assert '"title": "Shop API"' in response["body"]


def test_each_route_documents_the_errors_it_declares() -> None:
    spec = json.loads(openapi.SPEC_PATH.read_text())
    sell_responses = spec["paths"]["/sales/sell"]["post"]["responses"]
    get_good_responses = spec["paths"]["/sales/goods/{id}"]["get"]["responses"]

    conflict_codes = sell_responses["409"]["content"]["application/json"]["schema"]["allOf"][1]["properties"]["code"]
    assert conflict_codes["enum"] == ["IDEMPOTENCY_KEY_REUSED", "INSUFFICIENT_FUNDS", "INSUFFICIENT_STOCK"]
    assert "Good not found" in get_good_responses["404"]["description"]
    assert "409" not in get_good_responses  # reading a good conflicts with nothing
    assert "401" not in get_good_responses  # a public route


def test_an_answer_the_route_does_not_declare_fails_the_test_that_got_it() -> None:
    assert_declared(sell, 409, {"code": "INSUFFICIENT_FUNDS", "error": "Insufficient funds"})
    with pytest.raises(AssertionError, match="does not declare"):
        assert_declared(get_good, 409, {"code": "INSUFFICIENT_FUNDS", "error": "Insufficient funds"})
    with pytest.raises(AssertionError, match="does not declare"):
        assert_declared(sell, 404, {"code": "NOT_FOUND", "error": "Review not found"})
