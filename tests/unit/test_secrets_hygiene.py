"""Passwords and their hashes never leave the service: not in any response, not in any log line."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from shop_shared.observability import logger
from tests.unit.conftest import SEED_PASSWORD, Invoke


@pytest.fixture
def debug_logging() -> Iterator[None]:
    previous = logger.log_level
    logger.setLevel("DEBUG")
    yield
    logger.setLevel(previous)


def test_no_password_or_hash_in_responses_or_logs(
    call: Invoke, seed: dict[str, str], debug_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    password_hash = (
        boto3.resource("dynamodb").Table("CustomersTable").get_item(Key={"username": "ada"})["Item"]["password_hash"]
    )
    bodies = [
        call("customers_api.login", "POST", "/login", body={"username": "ada", "password": SEED_PASSWORD}).body,
        call("customers_api.login", "POST", "/login", body={"username": "ada", "password": "wrong-guess1"}).body,
        call(
            "customers_api.get_customer",
            "GET",
            "/customers/{username}",
            {"username": "ada"},
            token=seed["CUSTOMER_TOKEN"],
        ).body,
        call("customers_api.list_customers", "GET", "/customers", token=seed["EMPLOYEE_TOKEN"]).body,
        call(
            "customers_api.update_customer",
            "PATCH",
            "/customers/{username}",
            {"username": "ada"},
            token=seed["CUSTOMER_TOKEN"],
            body={"password": "brand-new-pass9"},
        ).body,
        call(
            "customers_api.update_customer",
            "PATCH",
            "/customers/{username}",
            {"username": "ada"},
            token=seed["CUSTOMER_TOKEN"],
            body={"password": "Zq7"},
        ).body,
    ]
    output = capsys.readouterr()
    everything = repr(bodies) + output.out + output.err

    for secret in (SEED_PASSWORD, "wrong-guess1", "brand-new-pass9", "Zq7", str(password_hash), "$2b$"):
        assert secret not in everything
    assert "password_hash" not in everything
