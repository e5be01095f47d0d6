"""Customers service, driven through its Lambda handlers with API Gateway events on moto."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import boto3
import jwt
import pytest

from shop_shared import auth
from shop_shared.models.common import MONEY_MAX
from tests.unit.conftest import JWT_TEST_KEY, SEED_PASSWORD, HttpResult, Invoke

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


GET = ("customers_api.get_customer", "GET", "/customers/{username}")
PATCH = ("customers_api.update_customer", "PATCH", "/customers/{username}")
DELETE = ("customers_api.delete_customer", "DELETE", "/customers/{username}")
LIST = ("customers_api.list_customers", "GET", "/customers")
CHARGE = ("customers_api.charge_wallet", "PUT", "/customers/{username}/charge")
DEDUCT = ("customers_api.deduct_wallet", "PUT", "/customers/{username}/deduct")


def stored(username: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = (
        boto3.resource("dynamodb").Table("CustomersTable").get_item(Key={"username": username}).get("Item")
    )
    return item


def test_password_is_stored_as_a_bcrypt_hash(call: Invoke) -> None:
    call(*REGISTER, body=new_customer())
    item = stored("ada")
    assert item is not None
    assert "password" not in item
    assert str(item["password_hash"]).startswith("$2b$")
    assert "engine1843" not in json.dumps(item, default=str)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "ab"),
        ("username", "bad name!"),
        ("password", "short1"),
        ("password", "nodigitshere"),
        ("password", "12345678"),
        ("password", "é" * 40 + "1"),  # 81 bytes in UTF-8: bcrypt would silently truncate it
        ("age", 0),
        ("age", 121),
        ("age", True),
        ("age", "30"),
        ("full_name", ""),
        ("address", "x" * 201),
        ("role", "emp"),
        ("wallet_balance", 1000),
    ],
)
def test_invalid_registration_is_400_and_stores_nothing(call: Invoke, field: str, value: Any) -> None:
    result = call(*REGISTER, body=new_customer(**{field: value}))

    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"
    assert any(field in detail["loc"] for detail in result.body["details"])
    assert stored("ada") is None
    assert "engine1843" not in json.dumps(result.body)


@pytest.mark.parametrize("raw", ["{not json", "[]", '"text"', ""])
def test_malformed_body_is_400(call: Invoke, raw: str) -> None:
    result = call(*REGISTER, raw_body=raw)
    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"


def test_duplicate_username_is_409_and_keeps_the_first_account(call: Invoke) -> None:
    call(*REGISTER, body=new_customer())
    result = call(*REGISTER, body=new_customer(full_name="Impostor"))
    assert result.status == 409
    assert result.body["code"] == "USERNAME_TAKEN"
    assert stored("ada")["full_name"] == "Ada Lovelace"  # type: ignore[index]


def test_unknown_user_login_is_401_like_a_wrong_password(call: Invoke) -> None:
    result = call(*LOGIN, body={"username": "nobody", "password": "engine1843"})
    assert result.status == 401
    assert result.body["code"] == "INVALID_CREDENTIALS"


def test_get_own_account_but_not_another(call: Invoke, seed: dict[str, str]) -> None:
    call(*REGISTER, body=new_customer(username="bob"))
    own = call(*GET, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"])
    other = call(*GET, {"username": "bob"}, token=seed["CUSTOMER_TOKEN"])
    by_employee = call(*GET, {"username": "bob"}, token=seed["EMPLOYEE_TOKEN"])
    anonymous = call(*GET, {"username": "ada"})

    assert own.status == 200
    assert own.body["wallet_balance"] == 100
    assert "password_hash" not in own.body
    assert other.status == 403
    assert by_employee.status == 200
    assert anonymous.status == 401
    assert call(*GET, {"username": "ghost"}, token=seed["EMPLOYEE_TOKEN"]).status == 404


def test_list_is_for_employees_and_paginates(call: Invoke, seed: dict[str, str]) -> None:
    for name in ("bob", "cyd", "dee"):
        call(*REGISTER, body=new_customer(username=name))

    assert call(*LIST, token=seed["CUSTOMER_TOKEN"]).status == 403
    seen: list[str] = []
    token: str | None = None
    while True:
        query = {"limit": "2"} | ({"next_token": token} if token else {})
        page = call(*LIST, token=seed["EMPLOYEE_TOKEN"], query=query)
        assert page.status == 200
        assert len(page.body["items"]) <= 2
        assert all("password_hash" not in item for item in page.body["items"])
        seen += [item["username"] for item in page.body["items"]]
        token = page.body["next_token"]
        if token is None:
            break
    assert sorted(seen) == ["ada", "bob", "boss", "cyd", "dee"]


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"next_token": "garbage!"}])
def test_bad_list_parameters_are_400(call: Invoke, seed: dict[str, str], query: dict[str, str]) -> None:
    result = call(*LIST, token=seed["EMPLOYEE_TOKEN"], query=query)
    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"


def test_patch_updates_whitelisted_fields_and_rehashes_password(call: Invoke, seed: dict[str, str]) -> None:
    old_hash = stored("ada")["password_hash"]  # type: ignore[index]
    result = call(*PATCH, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"age": 37, "password": "newpass99"})

    assert result.status == 200
    assert result.body["age"] == 37
    assert "password_hash" not in result.body
    assert stored("ada")["password_hash"] != old_hash  # type: ignore[index]
    assert call(*LOGIN, body={"username": "ada", "password": "newpass99"}).status == 200
    assert call(*LOGIN, body={"username": "ada", "password": "engine1843"}).status == 401


@pytest.mark.parametrize(
    "body",
    [{}, {"wallet_balance": 5}, {"username": "eve"}, {"password_hash": "x"}, {"age": None}, {"age": "37"}],
)
def test_patch_rejects_empty_unknown_or_null_fields(call: Invoke, seed: dict[str, str], body: dict[str, Any]) -> None:
    before = stored("ada")
    result = call(*PATCH, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body=body)
    assert result.status == 400
    assert stored("ada") == before


def test_only_employees_change_roles(call: Invoke, seed: dict[str, str]) -> None:
    self_promotion = call(*PATCH, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"role": "emp"})
    promotion = call(*PATCH, {"username": "ada"}, token=seed["EMPLOYEE_TOKEN"], body={"role": "emp"})

    assert self_promotion.status == 403
    assert promotion.status == 200
    assert promotion.body["role"] == "emp"
    assert call(*LOGIN, body={"username": "ada", "password": "engine1843"}).body["role"] == "emp"


def test_patch_of_missing_customer_is_404(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*PATCH, {"username": "ghost"}, token=seed["EMPLOYEE_TOKEN"], body={"age": 40})
    assert result.status == 404
    assert stored("ghost") is None


def test_delete_self_and_by_employee(call: Invoke, seed: dict[str, str]) -> None:
    call(*REGISTER, body=new_customer(username="bob"))
    assert call(*DELETE, {"username": "bob"}, token=seed["CUSTOMER_TOKEN"]).status == 403
    assert call(*DELETE, {"username": "bob"}, token=seed["EMPLOYEE_TOKEN"]).status == 204
    deleted_self = call(*DELETE, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"])
    assert deleted_self.status == 204
    assert deleted_self.body is None
    assert set(stored("ada") or {}) == {"username", "deleted_at"}  # a tombstone: profile, hash and wallet gone
    assert set(stored("bob") or {}) == {"username", "deleted_at"}
    assert call(*DELETE, {"username": "ada"}, token=seed["EMPLOYEE_TOKEN"]).status == 404


def test_charge_and_deduct(call: Invoke, seed: dict[str, str]) -> None:
    charged = call(*CHARGE, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"amount": 0.1})
    deducted = call(*DEDUCT, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"amount": 100.05})

    assert charged.body == {"username": "ada", "wallet_balance": 100.1}
    assert deducted.body == {"username": "ada", "wallet_balance": 0.05}
    assert stored("ada")["wallet_balance"] == Decimal("0.05")  # type: ignore[index]


def test_deduct_never_goes_below_zero(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*DEDUCT, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"amount": 100.01})
    assert result.status == 409
    assert result.body["code"] == "INSUFFICIENT_FUNDS"
    assert stored("ada")["wallet_balance"] == Decimal(100)  # type: ignore[index]


def test_wallet_of_missing_customer_is_404(call: Invoke, seed: dict[str, str]) -> None:
    assert call(*CHARGE, {"username": "ghost"}, token=seed["EMPLOYEE_TOKEN"], body={"amount": 1}).status == 404
    assert call(*DEDUCT, {"username": "ghost"}, token=seed["EMPLOYEE_TOKEN"], body={"amount": 1}).status == 404
    assert stored("ghost") is None


@pytest.mark.parametrize("amount", [0, -1, "5", True, None, 1.001, 10000.01, "NaN", 1e309])
def test_bad_charge_amounts_are_400_and_change_nothing(call: Invoke, seed: dict[str, str], amount: Any) -> None:
    result = call(*CHARGE, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"amount": amount})
    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"
    assert stored("ada")["wallet_balance"] == Decimal(100)  # type: ignore[index]


def test_other_customers_wallet_is_403(call: Invoke, seed: dict[str, str]) -> None:
    call(*REGISTER, body=new_customer(username="bob"))
    result = call(*CHARGE, {"username": "bob"}, token=seed["CUSTOMER_TOKEN"], body={"amount": 5})
    assert result.status == 403
    assert stored("bob")["wallet_balance"] == 0  # type: ignore[index]


def test_repeated_failed_logins_lock_the_account_for_a_while(call: Invoke, seed: dict[str, str]) -> None:
    for _ in range(5):
        assert call(*LOGIN, body={"username": "ada", "password": "guess1234"}).status == 401

    locked = call(*LOGIN, body={"username": "ada", "password": "engine1843"})

    assert locked.status == 429
    assert locked.body["code"] == "TOO_MANY_REQUESTS"
    assert 0 < int(locked.headers["Retry-After"]) <= 900


@pytest.mark.parametrize("username", ["ada", "nobody"])
def test_login_with_a_password_beyond_what_bcrypt_reads_is_400(
    call: Invoke, seed: dict[str, str], username: str
) -> None:
    # 20 characters but 77 bytes: bcrypt 5 raises beyond 72 bytes. Fuzzing found this as a 500 once.
    result = call(*LOGIN, body={"username": username, "password": "0" + "\U00010000" * 19})
    assert result.status == 400
    assert result.body["code"] == "VALIDATION_ERROR"


def test_password_check_refuses_rather_than_raises_beyond_72_bytes() -> None:
    stored_hash = auth.hash_password("a" * 72)
    assert auth.check_password("a" * 72, stored_hash)
    assert not auth.check_password("a" * 73, stored_hash)


# ---------------------------------------------------------------- passwords are never transformed


@pytest.mark.parametrize("password", ["  Spaced0ut  ", "\tSpaced0ut\n"])
def test_a_password_is_checked_exactly_as_registered(call: Invoke, password: str) -> None:
    assert call(*REGISTER, body=new_customer(password=password)).status == 201

    assert call(*LOGIN, body={"username": "ada", "password": "Spaced0ut"}).status == 401
    assert call(*LOGIN, body={"username": "ada", "password": password}).status == 200


def test_a_changed_password_is_stored_exactly_as_sent(call: Invoke, seed: dict[str, str]) -> None:
    changed = call(*PATCH, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"password": " n3w pass "})
    assert changed.status == 200

    assert call(*LOGIN, body={"username": "ada", "password": "n3w pass"}).status == 401
    assert call(*LOGIN, body={"username": "ada", "password": " n3w pass "}).status == 200


def test_other_text_fields_are_still_trimmed(call: Invoke) -> None:
    result = call(*REGISTER, body=new_customer(full_name="  Ada Lovelace  ", username=" ada "))
    assert result.status == 201
    assert (result.body["full_name"], result.body["username"]) == ("Ada Lovelace", "ada")


# ---------------------------------------------------------------- wallet bounds


def set_balance(username: str, balance: Decimal) -> None:
    boto3.resource("dynamodb").Table("CustomersTable").update_item(
        Key={"username": username},
        UpdateExpression="SET wallet_balance = :b",
        ExpressionAttributeValues={":b": balance},
    )


def test_a_charge_past_the_largest_expressible_balance_is_409_and_changes_nothing(
    call: Invoke, seed: dict[str, str]
) -> None:
    set_balance("ada", MONEY_MAX - 1)

    result = call(*CHARGE, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"amount": 2})

    assert result.status == 409
    assert result.body["code"] == "WALLET_LIMIT_EXCEEDED"
    assert stored("ada")["wallet_balance"] == MONEY_MAX - 1  # type: ignore[index]


def test_a_charge_up_to_the_largest_expressible_balance_succeeds(call: Invoke, seed: dict[str, str]) -> None:
    set_balance("ada", MONEY_MAX - 1)

    result = call(*CHARGE, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"amount": 1})

    assert result.status == 200
    assert result.body["wallet_balance"] == float(MONEY_MAX)
    assert stored("ada")["wallet_balance"] == MONEY_MAX  # type: ignore[index]


def test_deducting_the_whole_balance_leaves_zero(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*DEDUCT, {"username": "ada"}, token=seed["CUSTOMER_TOKEN"], body={"amount": 100})

    assert result.status == 200
    assert result.body == {"username": "ada", "wallet_balance": 0}
    assert stored("ada")["wallet_balance"] == 0  # type: ignore[index]


# ---------------------------------------------------------------- the token /login issues


@pytest.mark.parametrize(("username", "role"), [("ada", "customer"), ("boss", "emp")])
def test_the_token_from_login_carries_the_role_and_opens_what_that_role_may(
    call: Invoke, seed: dict[str, str], username: str, role: str
) -> None:
    issued = call(*LOGIN, body={"username": username, "password": SEED_PASSWORD})
    assert issued.status == 200
    token = issued.body["access_token"]

    claims = jwt.decode(token, JWT_TEST_KEY, algorithms=["HS256"], issuer="shop")
    assert (claims["sub"], claims["role"]) == (username, role)
    assert claims["exp"] - claims["iat"] == issued.body["expires_in"]
    assert issued.body["role"] == role
    is_employee = role == "emp"
    other = "ada" if is_employee else "boss"
    assert call(*GET, {"username": username}, token=token).status == 200
    assert call(*GET, {"username": other}, token=token).status == (200 if is_employee else 403)
    assert call(*LIST, token=token).status == (200 if is_employee else 403)


# ---------------------------------------------------------------- what a rejected password is told


@pytest.mark.parametrize("password", ["a1" + "x" * 70, "a1" + "é" * 35])  # exactly 72 bytes, ASCII and 2-byte UTF-8
def test_a_password_of_exactly_72_bytes_is_accepted(call: Invoke, password: str) -> None:
    assert len(password.encode()) == auth.MAX_PASSWORD_BYTES

    assert call(*REGISTER, body=new_customer(password=password)).status == 201
    assert call(*LOGIN, body={"username": "ada", "password": password}).status == 200


def test_a_password_one_byte_over_72_is_400_saying_the_limit(call: Invoke) -> None:
    password = "a1x" + "é" * 35  # 38 characters, 73 bytes

    result = call(*REGISTER, body=new_customer(password=password))

    assert result.status == 400
    assert [detail["msg"] for detail in result.body["details"]] == [
        "Value error, password must be at most 72 bytes in UTF-8"
    ]
    assert stored("ada") is None


def test_a_password_without_a_digit_is_400_saying_what_it_lacks(call: Invoke) -> None:
    result = call(*REGISTER, body=new_customer(password="analytical"))

    assert result.status == 400
    assert [detail["msg"] for detail in result.body["details"]] == [
        "Value error, password must contain a letter and a digit"
    ]
