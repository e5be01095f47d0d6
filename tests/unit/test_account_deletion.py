"""A deleted account becomes a tombstone: every route treats it as no account, and its name is never reused."""

from __future__ import annotations

import io
from typing import Any

import bcrypt
import boto3
import pytest

from shop_shared.data import customers
from shopctl import cli
from tests.unit.conftest import SEED_CUSTOMER, SEED_PASSWORD, Invoke

REGISTER = ("customers_api.register", "POST", "/customers/register")
LOGIN = ("customers_api.login", "POST", "/login")
GET = ("customers_api.get_customer", "GET", "/customers/{username}")
PATCH = ("customers_api.update_customer", "PATCH", "/customers/{username}")
DELETE = ("customers_api.delete_customer", "DELETE", "/customers/{username}")
LIST = ("customers_api.list_customers", "GET", "/customers")
CHARGE = ("customers_api.charge_wallet", "PUT", "/customers/{username}/charge")
DEDUCT = ("customers_api.deduct_wallet", "PUT", "/customers/{username}/deduct")
ADA = {"username": SEED_CUSTOMER}
NEW_OWNER_PASSWORD = "n3w-owner-pw"


def stored(username: str = SEED_CUSTOMER) -> dict[str, Any] | None:
    item: dict[str, Any] | None = (
        boto3.resource("dynamodb").Table("CustomersTable").get_item(Key={"username": username}).get("Item")
    )
    return item


def registration(username: str = SEED_CUSTOMER) -> dict[str, Any]:
    return {
        "full_name": "New Owner",
        "username": username,
        "password": NEW_OWNER_PASSWORD,
        "age": 30,
        "address": "2 Other Street",
        "gender": "n/a",
        "marital_status": "single",
    }


@pytest.fixture
def tombstone(call: Invoke, seed: dict[str, str]) -> dict[str, Any]:
    """ada (wallet 100, a failed login counted) deleted by herself; returns her tombstone as stored."""
    assert call(*LOGIN, body={"username": SEED_CUSTOMER, "password": "wrong-guess1"}).status == 401
    assert call(*DELETE, ADA, token=seed["CUSTOMER_TOKEN"]).status == 204
    item = stored()
    assert item is not None
    return item


def test_delete_keeps_only_the_name_and_when(tombstone: dict[str, Any]) -> None:
    assert set(tombstone) == {"username", "deleted_at"}  # profile, password hash, wallet, login counters: gone
    assert not customers.is_live_account(tombstone)


@pytest.mark.parametrize("token_kind", ["CUSTOMER_TOKEN", "EMPLOYEE_TOKEN"])
def test_reads_and_writes_of_a_tombstone_are_404_and_change_nothing(
    call: Invoke, seed: dict[str, str], tombstone: dict[str, Any], token_kind: str
) -> None:
    token = seed[token_kind]  # the deleted customer's own, still unexpired token, or an employee's
    results = {
        "get": call(*GET, ADA, token=token),
        "patch": call(*PATCH, ADA, token=token, body={"address": "Anywhere"}),
        "patch password": call(*PATCH, ADA, token=token, body={"password": "takeover99"}),
        "charge": call(*CHARGE, ADA, token=token, body={"amount": 50}),
        "deduct": call(*DEDUCT, ADA, token=token, body={"amount": 1}),
        "delete again": call(*DELETE, ADA, token=token),
    }

    assert {name: r.status for name, r in results.items()} == dict.fromkeys(results, 404)
    assert all(r.body["code"] == "NOT_FOUND" for r in results.values() if r.body)
    assert stored() == tombstone


def test_login_to_a_tombstone_is_401_after_one_password_check(
    call: Invoke, tombstone: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def counting_checkpw(password: bytes, hashed: bytes) -> bool:
        checks.append(password)
        return bool(real_checkpw(password, hashed))

    monkeypatch.setattr(bcrypt, "checkpw", counting_checkpw)  # the module shop_shared.auth calls

    result = call(*LOGIN, body={"username": SEED_CUSTOMER, "password": SEED_PASSWORD})

    assert result.status == 401
    assert result.body["code"] == "INVALID_CREDENTIALS"
    assert len(checks) == 1  # the dummy check an unknown name costs too
    assert stored() == tombstone


def test_the_list_leaves_tombstones_out(call: Invoke, seed: dict[str, str], tombstone: dict[str, Any]) -> None:
    seen: list[str] = []
    next_token: str | None = None
    while True:
        query = {"limit": "1"} | ({"next_token": next_token} if next_token else {})
        page = call(*LIST, token=seed["EMPLOYEE_TOKEN"], query=query)
        assert page.status == 200
        seen += [item["username"] for item in page.body["items"]]
        next_token = page.body["next_token"]
        if next_token is None:
            break
    assert seen == ["boss"]


def test_a_deleted_name_cannot_be_registered_again(call: Invoke, tombstone: dict[str, Any]) -> None:
    result = call(*REGISTER, body=registration())

    assert result.status == 409
    assert result.body["code"] == "USERNAME_TAKEN"
    assert stored() == tombstone
    assert call(*LOGIN, body={"username": SEED_CUSTOMER, "password": NEW_OWNER_PASSWORD}).status == 401


def test_shopctl_cannot_create_an_employee_under_a_deleted_name(
    tombstone: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("b0ss-password\n"))

    status = cli.main(["create-employee", "--username", SEED_CUSTOMER, "--password-stdin"])

    assert status == 1
    assert "USERNAME_TAKEN" in capsys.readouterr().err
    assert stored() == tombstone


def test_a_live_account_is_not_a_tombstone(seed: dict[str, str]) -> None:
    assert customers.is_live_account(stored())
    assert not customers.is_live_account(None)
