"""CORS: the one configured browser origin gets the header on real responses; nobody does by default."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from shop_shared import api
from shop_shared.config import settings
from tests.apigw import rest_event
from tests.unit.conftest import LambdaContext

SHOP = "https://shop.example.com"


@pytest.fixture
def configured_origin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CORS_ALLOWED_ORIGIN", SHOP)
    settings.cache_clear()
    yield
    settings.cache_clear()


def _ping_app() -> APIGatewayRestResolver:
    app = api.create_app()

    @app.get("/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    return app


def _headers_for(origin: str) -> dict[str, str]:
    event = rest_event("GET", "/ping", headers={"Origin": origin})
    response = _ping_app().resolve(event, cast(Any, LambdaContext()))
    assert response["statusCode"] == 200
    headers: dict[str, str] = response.get("headers") or {}
    headers |= {name: values[-1] for name, values in (response.get("multiValueHeaders") or {}).items()}
    return headers


def test_the_configured_origin_is_allowed(configured_origin: None) -> None:
    headers = _headers_for(SHOP)
    assert headers["Access-Control-Allow-Origin"] == SHOP
    assert set(headers["Access-Control-Allow-Headers"].split(",")) >= set(api.CORS_REQUEST_HEADERS)


def test_another_origin_is_not(configured_origin: None) -> None:
    assert "Access-Control-Allow-Origin" not in _headers_for("https://evil.example")


def test_no_origin_is_allowed_by_default() -> None:
    assert settings().cors_allowed_origin == ""
    assert "Access-Control-Allow-Origin" not in _headers_for(SHOP)
