"""The HTTP edge: whatever a client sends, a clear 400 in the contract's error body and no change; never a 5xx.

Routes are taken from docs/openapi.json (kept equal to the code by test_openapi), so a new route with a body, a
path parameter or a next_token is covered here, or fails `test_every_body_route_has_a_case`, without anyone
remembering to add it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from shop_shared.api import MAX_BODY_BYTES
from shopctl import openapi
from shopctl.template import api_functions, handler_module
from tests.apigw import rest_event
from tests.unit.conftest import (
    SEED_CUSTOMER,
    SEED_GOOD_ID,
    SEED_PASSWORD,
    SEED_REVIEW_ID,
    HttpResult,
    invoke_event,
    snapshot,
)

SPEC: dict[str, Any] = json.loads(openapi.SPEC_PATH.read_text())
OPERATIONS = [(path, method, op) for path, item in SPEC["paths"].items() for method, op in item.items()]
MODULES = {
    (event["Properties"]["Path"], event["Properties"]["Method"]): handler_module(fn)
    for fn in api_functions().values()
    for event in fn["Properties"]["Events"].values()
    if event["Type"] == "Api"
}


@dataclass(frozen=True)
class Case:
    """A request the route accepts: the tests below break exactly one thing about it."""

    body: dict[str, Any] | None = None
    path: dict[str, str] = field(default_factory=dict)
    token: str | None = "EMPLOYEE_TOKEN"
    # A numeric field of the body, where an unstorable number is planted.
    number: str | None = None


CUSTOMER = "CUSTOMER_TOKEN"
NEW_CUSTOMER = {
    "full_name": "Grace Hopper",
    "username": "grace",
    "password": "cobol1959",
    "age": 85,
    "address": "Arlington",
    "gender": "f",
    "marital_status": "divorced",
}
BODY_CASES: dict[tuple[str, str], Case] = {
    ("/customers/register", "post"): Case(NEW_CUSTOMER, token=None, number="age"),
    ("/login", "post"): Case({"username": SEED_CUSTOMER, "password": SEED_PASSWORD}, token=None),
    ("/customers/{username}", "patch"): Case({"full_name": "Ada L"}, {"username": SEED_CUSTOMER}, CUSTOMER, "age"),
    ("/customers/{username}/charge", "put"): Case({"amount": 10}, {"username": SEED_CUSTOMER}, CUSTOMER, "amount"),
    ("/customers/{username}/deduct", "put"): Case({"amount": 10}, {"username": SEED_CUSTOMER}, CUSTOMER, "amount"),
    ("/inventory/add", "post"): Case({"name": "Tea", "category": "food", "price": 3.5, "count": 5}, number="price"),
    ("/inventory/{id}/update", "patch"): Case({"price": 13}, {"id": SEED_GOOD_ID}, number="price"),
    ("/inventory/{id}/deduct", "put"): Case({"count": 1}, {"id": SEED_GOOD_ID}, number="count"),
    ("/sales/sell", "post"): Case({"good_id": SEED_GOOD_ID, "quantity": 1}, token=CUSTOMER, number="quantity"),
    ("/reviews/submit", "post"): Case({"product_id": SEED_GOOD_ID, "rating": 4}, token=CUSTOMER, number="rating"),
    ("/reviews/{id}/update", "patch"): Case({"rating": 3}, {"id": SEED_REVIEW_ID}, CUSTOMER, "rating"),
    ("/reviews/{id}/moderate", "patch"): Case({"status": "flagged", "reason": "test"}, {"id": SEED_REVIEW_ID}),
}
BODY_ROUTES = sorted(BODY_CASES)


def route_id(route: tuple[str, str]) -> str:
    return f"{route[1].upper()} {route[0]}"


def send(
    route: tuple[str, str],
    case: Case,
    tokens: dict[str, str],
    *,
    raw_body: str | None = None,
    path: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResult:
    resource, method = route
    event = rest_event(
        method.upper(),
        resource,
        path if path is not None else case.path or None,
        body=case.body,
        raw_body=raw_body,
        token=tokens[case.token] if case.token else None,
        query=query,
        headers=headers,
    )
    return invoke_event(MODULES[route], event)


def assert_refused(result: HttpResult) -> None:
    assert result.status == 400, result.body
    assert set(result.body) == {"error", "code", "details"}
    assert result.body["code"] == "VALIDATION_ERROR"


def test_every_body_route_has_a_case() -> None:
    with_body = {(path, method) for path, method, op in OPERATIONS if "requestBody" in op}
    assert with_body == set(BODY_CASES)
    assert set(MODULES) == {(path, method) for path, method, _ in OPERATIONS}


@pytest.mark.parametrize("route", BODY_ROUTES, ids=route_id)
def test_the_valid_body_of_each_case_is_accepted(route: tuple[str, str], seed: dict[str, str]) -> None:
    # The control for the tests below: what they refuse differs from this request in one planted detail.
    assert send(route, BODY_CASES[route], seed).status in (200, 201)


@pytest.mark.parametrize("route", BODY_ROUTES, ids=route_id)
def test_an_array_around_a_valid_body_is_refused(route: tuple[str, str], seed: dict[str, str]) -> None:
    case = BODY_CASES[route]
    before = snapshot()

    result = send(route, case, seed, raw_body=json.dumps([case.body]))

    assert_refused(result)
    assert result.body["error"] == "Request body must be a JSON object"
    assert snapshot() == before


@pytest.mark.parametrize("raw", ["42", '"text"', "null", "true", "[]"])
def test_a_body_that_is_not_an_object_is_refused(raw: str, seed: dict[str, str]) -> None:
    route = ("/customers/{username}/charge", "put")
    before = snapshot()

    assert_refused(send(route, BODY_CASES[route], seed, raw_body=raw))
    assert snapshot() == before


DEEP = "[" * 1000 + "]" * 1000
# Bad numbers, planted in a numeric field of the body: each is a 400, whatever the field's own bounds.
BAD_NUMBERS = {
    "int over 4300 digits": "9" * 5000,
    "39 significant digits": "1" * 39,
    "exponent past DynamoDB's range": "1e400",
    "below DynamoDB's smallest": "1e-131",
    "more than 38 digits of trailing zeros": "10." + "0" * 40,
    "NaN": "NaN",
    "Infinity": "Infinity",
    "-Infinity": "-Infinity",
}


def with_raw_value(case: Case, name: str | None, literal: str) -> str:
    """The case's body as JSON text with `literal` (not valid Python-JSON, e.g. a 5000-digit int) as field `name`."""
    body = dict(case.body or {})
    body[name or "planted"] = "__PLANTED__"
    return json.dumps(body).replace('"__PLANTED__"', literal)


@pytest.mark.parametrize("route", BODY_ROUTES, ids=route_id)
def test_a_number_dynamodb_cannot_store_is_refused(route: tuple[str, str], seed: dict[str, str]) -> None:
    case = BODY_CASES[route]
    before = snapshot()

    for name, literal in BAD_NUMBERS.items():
        result = send(route, case, seed, raw_body=with_raw_value(case, case.number, literal))
        assert (result.status, result.body["code"]) == (400, "VALIDATION_ERROR"), name
    assert snapshot() == before


@pytest.mark.parametrize("route", BODY_ROUTES, ids=route_id)
def test_deeply_nested_json_is_refused(route: tuple[str, str], seed: dict[str, str]) -> None:
    case = BODY_CASES[route]
    before = snapshot()

    for raw in (with_raw_value(case, None, DEEP), DEEP, with_raw_value(case, None, "[" * 40 + "]" * 40)):
        result = send(route, case, seed, raw_body=raw)
        assert_refused(result)
    assert snapshot() == before


def test_a_body_over_the_size_limit_is_refused(seed: dict[str, str]) -> None:
    route = ("/inventory/add", "post")
    case = BODY_CASES[route]
    padded = json.dumps(case.body) + " " * MAX_BODY_BYTES  # valid JSON, only too big
    before = snapshot()

    result = send(route, case, seed, raw_body=padded)

    assert_refused(result)
    assert "larger than" in result.body["error"]
    assert snapshot() == before


def test_a_body_of_exactly_the_size_limit_is_accepted_and_one_byte_more_refused(seed: dict[str, str]) -> None:
    route = ("/customers/{username}/charge", "put")
    case = BODY_CASES[route]
    exact = json.dumps(case.body).ljust(MAX_BODY_BYTES)

    over = send(route, case, seed, raw_body=exact + " ")
    accepted = send(route, case, seed, raw_body=exact)

    assert_refused(over)
    assert (accepted.status, accepted.body["wallet_balance"]) == (200, 110)


def test_a_good_with_the_longest_description_fits_the_size_limit(seed: dict[str, str]) -> None:
    route = ("/inventory/add", "post")
    body = {**(BODY_CASES[route].body or {}), "name": "\U0001f375" * 100, "description": "\U0001f375" * 2000}
    raw = json.dumps(body, ensure_ascii=True)  # every character escaped: the largest valid body

    assert send(route, BODY_CASES[route], seed, raw_body=raw).status == 201


# ------------------------------------------------------------------ path parameters

PATH_ROUTES = sorted((path, method) for path, method, _ in OPERATIONS if "{" in path)
# DynamoDB refuses a key over 2048 bytes: a 500 unless the edge refuses it first.
OVERSIZED_KEYS = {"2049 ASCII bytes": "a" * 2049, "2050 UTF-8 bytes": "\u00e9" * 1025}


@pytest.mark.parametrize("route", PATH_ROUTES, ids=route_id)
def test_a_path_parameter_dynamodb_would_refuse_is_a_400(route: tuple[str, str], seed: dict[str, str]) -> None:
    case = BODY_CASES.get(route, Case())
    names = [part[1:-1] for part in route[0].split("/") if part.startswith("{")]
    before = snapshot()

    for name, value in OVERSIZED_KEYS.items():
        result = send(route, case, seed, path=dict.fromkeys(names, value))
        assert (result.status, result.body["code"]) == (400, "VALIDATION_ERROR"), name
    assert snapshot() == before


# ------------------------------------------------------------------ next_token

TOKEN_ROUTES = sorted(
    (path, method)
    for path, method, op in OPERATIONS
    if any(param["name"] == "next_token" for param in op.get("parameters", []))
)
TOKEN_PATHS = {"username": SEED_CUSTOMER, "product_id": SEED_GOOD_ID}


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_TOKENS = {
    "deeply nested JSON": b64("[" * 1500 + "]" * 1500),
    "deeply nested inside the key": b64('{"id":' + "[" * 1400 + "]" * 1400 + "}"),
    "int over 4300 digits": b64('{"id":' + "9" * 5000 + "}"),
    "huge JSON": b64('{"id":"' + "x" * 100_000 + '"}'),
    "not base64": "%%%",
}


def test_the_public_lists_are_among_the_token_routes() -> None:
    assert {("/sales/display-goods", "get"), ("/reviews/product/{product_id}", "get")} <= set(TOKEN_ROUTES)


@pytest.mark.parametrize("route", TOKEN_ROUTES, ids=route_id)
def test_a_next_token_we_did_not_hand_out_is_a_400(route: tuple[str, str], seed: dict[str, str]) -> None:
    names = [part[1:-1] for part in route[0].split("/") if part.startswith("{")]
    path = {name: TOKEN_PATHS[name] for name in names}

    for name, token in BAD_TOKENS.items():
        result = send(route, Case(path=path), seed, query={"next_token": token})
        assert (result.status, result.body["code"]) == (400, "VALIDATION_ERROR"), name


# ------------------------------------------------------------------ Content-Type and empty bodies

CONTENT_TYPES = {
    "no Content-Type": None,
    "curl -d default": "application/x-www-form-urlencoded",
    "text/plain": "text/plain",
    "JSON with charset": "application/json; charset=utf-8",
}


def without_content_type(event: dict[str, Any], content_type: str | None) -> dict[str, Any]:
    headers = {k: v for k, v in event["headers"].items() if k.lower() != "content-type"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    event["headers"] = headers
    event["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
    return event


@pytest.mark.parametrize("content_type", CONTENT_TYPES.values(), ids=CONTENT_TYPES.keys())
def test_the_body_is_json_whatever_content_type_says(content_type: str | None, aws: None) -> None:
    def register(raw: str) -> HttpResult:
        event = rest_event("POST", "/customers/register", raw_body=raw)
        return invoke_event("customers_api.register", without_content_type(event, content_type))

    created = register(json.dumps(NEW_CUSTOMER))
    refused = register("full_name=Grace&username=grace2")  # what a form post would be: not JSON

    assert created.status == 201, created.body
    assert created.body["username"] == "grace"
    assert_refused(refused)


def test_the_body_is_json_whatever_content_type_says_on_a_protected_route(seed: dict[str, str]) -> None:
    event = rest_event(
        "PUT", "/customers/{username}/charge", {"username": SEED_CUSTOMER}, body={"amount": 5}, token=seed[CUSTOMER]
    )

    result = invoke_event("customers_api.charge_wallet", without_content_type(event, "text/plain"))

    assert result.status == 200, result.body
    assert result.body["wallet_balance"] == 105


def test_an_idempotency_key_sent_twice_is_a_400(seed: dict[str, str]) -> None:
    # API Gateway keeps the last value in `headers` and both in `multiValueHeaders`: which key was meant is unknown.
    route = ("/sales/sell", "post")
    event = rest_event(
        "POST", route[0], body=BODY_CASES[route].body, token=seed[CUSTOMER], headers={"Idempotency-Key": "b"}
    )
    event["multiValueHeaders"]["Idempotency-Key"] = ["a", "b"]
    before = snapshot()

    result = invoke_event(MODULES[route], event)

    assert (result.status, result.body["details"]) == (
        400,
        [detail(["header", "idempotency-key"], "Input should be a valid string", "string_type")],
    )
    assert snapshot() == before


DELETE_ROUTES = sorted((path, method) for path, method, op in OPERATIONS if "204" in op["responses"])
DELETE_PATHS = {"username": SEED_CUSTOMER, "id": SEED_GOOD_ID}


@pytest.mark.parametrize("route", DELETE_ROUTES, ids=route_id)
def test_a_204_has_an_empty_string_body(route: tuple[str, str], seed: dict[str, str]) -> None:
    path = {"id": SEED_REVIEW_ID} if route[0].startswith("/reviews") else DELETE_PATHS
    names = [part[1:-1] for part in route[0].split("/") if part.startswith("{")]

    result = send(route, Case(path={name: path[name] for name in names}), seed)

    assert result.status == 204
    assert result.raw_body == ""


# ------------------------------------------------------------------ what a 400 says: where, what, which rule

GENERIC = "Request validation failed"


def detail(loc: list[str], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": loc, "msg": msg, "type": kind}


@dataclass(frozen=True)
class Refusal:
    """A bad request and its error body: each of `details` says where (`loc`), what (`msg`) and which rule (`type`)."""

    route: tuple[str, str]
    case: Case
    details: list[dict[str, Any]]
    error: str = GENERIC
    raw_body: str | None = None
    path: dict[str, str] | None = None
    query: dict[str, str] | None = None
    headers: dict[str, str] | None = None


REGISTER = ("/customers/register", "post")
CHARGE = ("/customers/{username}/charge", "put")
ADA = {"username": SEED_CUSTOMER}
WITHOUT_AGE = {name: value for name, value in NEW_CUSTOMER.items() if name != "age"}
NOT_AN_INT = "Input should be a valid integer"
EXTRA = "Extra inputs are not permitted"
UNSTORABLE = "Numbers must be finite, with at most 38 significant digits, between 1E-130 and 1E+126"
TOO_DEEP = "Request body is nested too deeply"
TOO_LARGE = f"Request body is larger than {MAX_BODY_BYTES} bytes"
NOT_A_NUMBER = "Value error, must be a JSON number"
TWELVE_DIGITS = "Decimal input should have no more than 12 digits in total"


def raw_charge(raw_body: str, details: list[dict[str, Any]], error: str = GENERIC) -> Refusal:
    """Ada charging her wallet with a body sent as written: what `json.dumps` cannot write, or will not."""
    return Refusal(CHARGE, Case(None, ADA, CUSTOMER), details, error, raw_body=raw_body)


REFUSALS = {
    "missing field": Refusal(
        REGISTER, Case(WITHOUT_AGE, token=None), [detail(["body", "age"], "Field required", "missing")]
    ),
    "string for an integer": Refusal(
        REGISTER, Case({**NEW_CUSTOMER, "age": "85"}, token=None), [detail(["body", "age"], NOT_AN_INT, "int_type")]
    ),
    "bool for an integer": Refusal(
        REGISTER, Case({**NEW_CUSTOMER, "age": True}, token=None), [detail(["body", "age"], NOT_AN_INT, "int_type")]
    ),
    "unknown field": Refusal(
        REGISTER,
        Case({**NEW_CUSTOMER, "role": "emp"}, token=None),
        [detail(["body", "role"], EXTRA, "extra_forbidden")],
    ),
    "two faults at once": Refusal(
        REGISTER,
        Case({**WITHOUT_AGE, "role": "emp"}, token=None),
        [detail(["body", "age"], "Field required", "missing"), detail(["body", "role"], EXTRA, "extra_forbidden")],
    ),
    # The value itself is never echoed: it may be a password.
    "too short a password": Refusal(
        REGISTER,
        Case({**NEW_CUSTOMER, "password": "short1"}, token=None),
        [detail(["body", "password"], "String should have at least 8 characters", "string_too_short")],
    ),
    "three decimals of money": Refusal(
        CHARGE,
        Case({"amount": 1.234}, ADA, CUSTOMER),
        [detail(["body", "amount"], "Decimal input should have no more than 2 decimal places", "decimal_max_places")],
    ),
    "no body": Refusal(CHARGE, Case(None, ADA, CUSTOMER), [detail(["body"], "Field required", "missing")]),
    "malformed JSON (loc: the offset)": raw_charge(
        '{"amount": ,}', [detail(["body", "11"], "JSON decode error", "json_invalid")]
    ),
    "bad path parameter": Refusal(
        ("/customers/{username}", "get"),
        Case(),
        [detail(["path", "username"], "String should match pattern '^[A-Za-z0-9_]{3,50}$'", "string_pattern_mismatch")],
        path={"username": "a!"},
    ),
    "query parameter below its range": Refusal(
        ("/customers", "get"),
        Case(),
        [detail(["query", "limit"], "Input should be greater than or equal to 1", "greater_than_equal")],
        query={"limit": "0"},
    ),
    "query parameter that is not a number": Refusal(
        ("/customers", "get"),
        Case(),
        [detail(["query", "limit"], f"{NOT_AN_INT}, unable to parse string as an integer", "int_parsing")],
        query={"limit": "ten"},
    ),
    "bad header": Refusal(
        ("/sales/sell", "post"),
        BODY_CASES[("/sales/sell", "post")],
        [
            detail(
                ["header", "idempotency-key"],
                "String should match pattern '^[\\x21-\\x7e]{1,255}$'",
                "string_pattern_mismatch",
            )
        ],
        headers={"Idempotency-Key": "two words"},
    ),
    "number DynamoDB cannot store": raw_charge(
        '{"amount": 1e400}', [detail(["body", "amount"], UNSTORABLE, "number_out_of_range")], UNSTORABLE
    ),
    "too deep": raw_charge(
        '{"amount": ' + "[" * 40 + "]" * 40 + "}", [detail(["body"], TOO_DEEP, "json_too_deep")], TOO_DEEP
    ),
    "too large": raw_charge(
        '{"amount": 5}' + " " * MAX_BODY_BYTES, [detail(["body"], TOO_LARGE, "body_too_large")], TOO_LARGE
    ),
    # Deeper than the parser's own recursion limit: refused by the same rule, in the same words.
    "too deep for the parser": raw_charge(
        '{"amount": ' + "[" * 5000 + "]" * 5000 + "}", [detail(["body"], TOO_DEEP, "json_too_deep")], TOO_DEEP
    ),
    # The deepest body allowed (32 levels counting "body") reaches the model, which names the field.
    "as deep as allowed": raw_charge(
        '{"amount": ' + "[" * 31 + "]" * 31 + "}", [detail(["body", "amount"], NOT_A_NUMBER, "value_error")]
    ),
    "one level deeper": raw_charge(
        '{"amount": ' + "[" * 32 + "]" * 32 + "}", [detail(["body"], TOO_DEEP, "json_too_deep")], TOO_DEEP
    ),
    "a string for money": Refusal(
        CHARGE, Case({"amount": "5"}, ADA, CUSTOMER), [detail(["body", "amount"], NOT_A_NUMBER, "value_error")]
    ),
    "an unstorable number in a list (loc: its index)": raw_charge(
        '{"amount": [1, 1e400]}', [detail(["body", "amount", "1"], UNSTORABLE, "number_out_of_range")], UNSTORABLE
    ),
    "NaN": raw_charge('{"amount": NaN}', [detail(["body", "amount"], UNSTORABLE, "number_out_of_range")], UNSTORABLE),
    "-Infinity": raw_charge(
        '{"amount": -Infinity}', [detail(["body", "amount"], UNSTORABLE, "number_out_of_range")], UNSTORABLE
    ),
    # DynamoDB's smallest and largest magnitudes are storable, so the model judges them (not the parser).
    "1E-130, storable": raw_charge(
        '{"amount": 1e-130}', [detail(["body", "amount"], TWELVE_DIGITS, "decimal_max_digits")]
    ),
    "1E+125, storable": raw_charge(
        '{"amount": 1e125}', [detail(["body", "amount"], TWELVE_DIGITS, "decimal_max_digits")]
    ),
    "an array, not an object": raw_charge(
        '[{"amount": 5}]',
        [detail(["body"], "Request body must be a JSON object", "model_attributes_type")],
        "Request body must be a JSON object",
    ),
    # Counted in UTF-8 bytes: fewer characters than the limit, more bytes.
    "too large in bytes": raw_charge(
        '{"amount": 5, "note": "' + "\u00e9" * (MAX_BODY_BYTES // 2) + '"}',
        [detail(["body"], TOO_LARGE, "body_too_large")],
        TOO_LARGE,
    ),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_a_400_names_the_offending_field_and_what_is_wrong(name: str, seed: dict[str, str]) -> None:
    refusal = REFUSALS[name]
    before = snapshot()

    result = send(
        refusal.route,
        refusal.case,
        seed,
        raw_body=refusal.raw_body,
        path=refusal.path,
        query=refusal.query,
        headers=refusal.headers,
    )

    assert (result.status, result.body) == (
        400,
        {"error": refusal.error, "code": "VALIDATION_ERROR", "details": refusal.details},
    )
    assert "Retry-After" not in result.headers  # only a 429 or 503 says when to come back
    assert snapshot() == before
