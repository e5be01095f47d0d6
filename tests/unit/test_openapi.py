"""docs/openapi.json is generated from the code (`shopctl openapi`) and must not drift from it."""

from __future__ import annotations

import json
from typing import Any, cast

import swagger_ui
from openapi_spec_validator import validate

from shopctl import openapi
from shopctl.template import api_functions
from tests.apigw import rest_event
from tests.unit.conftest import LambdaContext


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
