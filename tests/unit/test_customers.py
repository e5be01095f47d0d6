"""Customers service, driven through its Lambda handlers with API Gateway events on moto."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.conftest import HttpResult, Invoke

REGISTER = ("customers_api.register", "POST", "/customers/register")
LOGIN = ("customers_api.login", "POST", "/login")


def new_customer(**overrides: Any) -> dict[str, Any]:
    return {
        "full_name": "Ada Lovelace",
        "username": "ada",
        "password": "engine1843",
        "age": 36,
        "address": "12 St James's Square, London",
        "gender": "female",
        "marital_status": "married",
    } | overrides


def test_register_creates_a_customer_without_exposing_the_password(call: Invoke) -> None:
    result = call(*REGISTER, body=new_customer())

    assert result.status == 201
    assert result.body["username"] == "ada"
    assert result.body["role"] == "customer"
    assert result.body["wallet_balance"] == 0
    assert "password" not in result.body
    assert "password_hash" not in result.body


def test_login_returns_a_bearer_token(call: Invoke) -> None:
    call(*REGISTER, body=new_customer())
    result = call(*LOGIN, body={"username": "ada", "password": "engine1843"})
    assert result.status == 200
    assert result.body["token_type"] == "Bearer"
    assert result.body["role"] == "customer"
    assert result.body["access_token"].count(".") == 2


@pytest.mark.parametrize("password", ["engine1844", "x"])
def test_login_with_a_wrong_password_is_401(call: Invoke, password: str) -> None:
    call(*REGISTER, body=new_customer())
    result: HttpResult = call(*LOGIN, body={"username": "ada", "password": password})
    assert result.status == 401
    assert result.body["code"] == "INVALID_CREDENTIALS"
