"""Edges of the shared layer and the customers service the main tests leave open (found by mutation testing,
docs/testing.md): what a password change stores, a route a function does not serve, an unexpected exception,
and the cold-start error's wording."""

from __future__ import annotations

import json
from typing import Any, cast

import boto3
import pytest

from customers_api import get_customer
from customers_api import service as customers_service
from shop_shared import config
from tests.apigw import rest_event
from tests.unit.conftest import SEED_PASSWORD, Invoke, LambdaContext, LogLines

PATCH = ("customers_api.update_customer", "PATCH", "/customers/{username}")
LOGIN = ("customers_api.login", "POST", "/login")
GET = ("customers_api.get_customer", "GET", "/customers/{username}")


def account(username: str) -> dict[str, Any]:
    item: dict[str, Any] = (
        boto3.resource("dynamodb").Table("CustomersTable").get_item(Key={"username": username})["Item"]
    )
    return item


def test_a_new_password_is_stored_only_as_its_hash(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*PATCH, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"password": "brand-new-pass9"})

    assert result.status == 200
    stored = account("ada")
    assert "password" not in stored
    assert "brand-new-pass9" not in repr(stored)
    assert call(*LOGIN, body={"username": "ada", "password": "brand-new-pass9"}).status == 200
    assert call(*LOGIN, body={"username": "ada", "password": SEED_PASSWORD}).status == 401


def test_a_path_the_function_does_not_serve_is_the_contracts_404(seed: dict[str, str]) -> None:
    # API Gateway routes one resource to each function (and answers unknown paths itself, GatewayResponses); a
    # function handed a stray path still answers in the contract. Not a route's error, so called without the
    # harness's check of the route's declared errors.
    event = rest_event("GET", "/customers/{username}/nothing-here", {"username": "ada"}, token=seed["CUSTOMER_TOKEN"])

    response = get_customer.handler(event, cast(Any, LambdaContext()))

    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {"error": "No such route", "code": "NOT_FOUND", "details": []}


def test_an_unexpected_exception_is_a_generic_500_without_its_message(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(customers_service, "get_customer", broken)

    result = call(*GET, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"])

    assert result.status == 500
    assert result.body == {"error": "Internal error", "code": "INTERNAL_ERROR", "details": []}


def test_an_unexpected_exception_is_logged_as_one_error_with_its_trace(
    call: Invoke, seed: dict[str, str], monkeypatch: pytest.MonkeyPatch, log_lines: LogLines
) -> None:
    # What the client is not shown, operators are: one ERROR line with the exception and its traceback, carrying
    # the request's correlation id.
    def broken(*_: Any) -> Any:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(customers_service, "get_customer", broken)

    assert call(*GET, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"]).status == 500

    lines = log_lines()
    errors = [line for line in lines if line["level"] == "ERROR"]
    (access,) = [line for line in lines if line["message"] == "request"]
    assert [(line["message"], line.get("exception_name")) for line in errors] == [("unhandled error", "RuntimeError")]
    assert errors[0]["exception"].startswith("Traceback (most recent call last):")
    assert errors[0]["exception"].endswith("RuntimeError: secret internals")
    assert errors[0]["correlation_id"] == access["correlation_id"]


def test_the_cold_start_error_names_the_variables_and_where_to_set_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(config, "_REQUIRED", {})
    read = config.required("SHOP_EDGE_TABLE")
    config.required("SHOP_EDGE_SECRET")
    assert config.required("SHOP_EDGE_TABLE") is read  # declared twice, one setting
    monkeypatch.delenv("SHOP_EDGE_TABLE", raising=False)
    monkeypatch.delenv("SHOP_EDGE_SECRET", raising=False)

    with pytest.raises(config.MissingSetting) as raised:
        config.check_required()

    assert str(raised.value) == (
        "Missing required environment variable(s): SHOP_EDGE_SECRET, SHOP_EDGE_TABLE. "
        "Set them in this function's Environment in template.yaml."
    )
    monkeypatch.setenv("SHOP_EDGE_TABLE", "edge-table")
    assert read() == "edge-table"
