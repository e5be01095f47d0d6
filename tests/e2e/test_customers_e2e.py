"""Customers service over HTTP: API Gateway -> Lambda -> DynamoDB on the local stack."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from tests.e2e.conftest import PASSWORD, Api, unique


def test_register_login_and_read_own_account(api: Api) -> None:
    username = api.register()
    token = api.login(username)

    response = api.get(f"/customers/{username}", token)

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == username
    assert body["role"] == "customer"
    assert body["wallet_balance"] == 0
    assert not {"password", "password_hash"} & set(body)


def test_registration_cannot_make_an_employee(api: Api) -> None:
    body = {
        "full_name": "Mallory",
        "username": unique("mal"),
        "password": PASSWORD,
        "age": 30,
        "address": "x",
        "gender": "x",
        "marital_status": "x",
        "role": "emp",
    }
    response = api.post("/customers/register", json=body)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"


def test_duplicate_username_is_409(api: Api) -> None:
    username = api.register()
    response = api.post(
        "/customers/register",
        json={
            "full_name": "Again",
            "username": username,
            "password": PASSWORD,
            "age": 30,
            "address": "x",
            "gender": "x",
            "marital_status": "x",
        },
    )
    assert response.status_code == 409
    assert response.json()["code"] == "USERNAME_TAKEN"


def test_wrong_password_is_401(api: Api) -> None:
    username = api.register()
    response = api.post("/login", json={"username": username, "password": "wrong-pass1"})
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_CREDENTIALS"


def test_anonymous_is_401_other_customer_403_employee_allowed(api: Api, employee_token: str) -> None:
    alice = api.register()
    bob_token = api.login(api.register())

    assert api.get(f"/customers/{alice}").status_code == 401
    assert api.get(f"/customers/{alice}", bob_token).status_code == 403
    assert api.put(f"/customers/{alice}/charge", bob_token, json={"amount": 5}).status_code == 403
    assert api.delete(f"/customers/{alice}", bob_token).status_code == 403
    assert api.get("/customers", bob_token).status_code == 403
    assert api.get(f"/customers/{alice}", employee_token).status_code == 200

    listing = api.get("/customers", employee_token, params={"limit": 100})
    assert listing.status_code == 200
    assert all("password_hash" not in item for item in listing.json()["items"])


def test_patch_changes_whitelisted_fields_and_password(api: Api, customer: tuple[str, str]) -> None:
    username, token = customer

    response = api.patch(f"/customers/{username}", token, json={"address": "2 New Road", "password": "n3w-password"})

    assert response.status_code == 200
    assert response.json()["address"] == "2 New Road"
    assert api.post("/login", json={"username": username, "password": PASSWORD}).status_code == 401
    assert api.login(username, "n3w-password")
    assert api.patch(f"/customers/{username}", token, json={"role": "emp"}).status_code == 403
    assert api.patch(f"/customers/{username}", token, json={"wallet_balance": 1000}).status_code == 400
    assert api.patch(f"/customers/{username}", token, json={}).status_code == 400


def test_employee_can_promote_a_customer(api: Api, employee_token: str) -> None:
    username = api.register()
    response = api.patch(f"/customers/{username}", employee_token, json={"role": "emp"})
    assert response.status_code == 200
    assert response.json()["role"] == "emp"
    assert api.get("/customers", api.login(username)).status_code == 200


def test_charge_and_deduct_wallet(api: Api, customer: tuple[str, str]) -> None:
    username, token = customer

    charged = api.put(f"/customers/{username}/charge", token, json={"amount": 25.5})
    deducted = api.put(f"/customers/{username}/deduct", token, json={"amount": 10.25})
    overdraft = api.put(f"/customers/{username}/deduct", token, json={"amount": 100})

    assert charged.status_code == 200
    assert charged.json()["wallet_balance"] == 25.5
    assert deducted.status_code == 200
    assert deducted.json()["wallet_balance"] == 15.25
    assert overdraft.status_code == 409
    assert overdraft.json()["code"] == "INSUFFICIENT_FUNDS"
    assert api.get(f"/customers/{username}", token).json()["wallet_balance"] == 15.25


def test_twenty_concurrent_deducts_never_overdraw(api: Api, customer: tuple[str, str], dynamodb: Any) -> None:
    username, token = customer
    assert api.put(f"/customers/{username}/charge", token, json={"amount": 50}).status_code == 200

    def deduct(_: int) -> int:
        return api.put(f"/customers/{username}/deduct", token, json={"amount": 7}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(deduct, range(20)))

    assert statuses.count(200) == 7  # 7 x 7 = 49 <= 50 < 8 x 7
    assert statuses.count(409) == 13
    balance = api.get(f"/customers/{username}", token).json()["wallet_balance"]
    assert balance == 1
    assert api.get(f"/customers/{username}", token).status_code == 200
    tables = [t for t in dynamodb.tables.all() if "CustomersTable" in t.name]
    stored = tables[0].get_item(Key={"username": username})["Item"]["wallet_balance"]
    assert stored == Decimal(1)


def test_delete_account(api: Api, customer: tuple[str, str], employee_token: str) -> None:
    username, token = customer
    assert api.delete(f"/customers/{username}", token).status_code == 204
    assert api.get(f"/customers/{username}", employee_token).status_code == 404
    assert api.post("/login", json={"username": username, "password": PASSWORD}).status_code == 401


def test_bad_input_is_a_clear_400(api: Api, customer: tuple[str, str]) -> None:
    username, token = customer
    for body in ({"amount": 0}, {"amount": -5}, {"amount": "5"}, {"amount": 1.005}, {"amount": 10001}):
        response = api.put(f"/customers/{username}/charge", token, json=body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "VALIDATION_ERROR"
    malformed = api.post("/login", data="{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "VALIDATION_ERROR"
