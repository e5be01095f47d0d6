"""Token checks every protected route relies on: signature, algorithm, expiry, issuer and claims."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from tests.unit.conftest import JWT_TEST_KEY, Invoke

GET = ("customers_api.get_customer", "GET", "/customers/{username}")


def signed(claims: dict[str, Any], key: str = JWT_TEST_KEY, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def valid_claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "ada", "role": "customer", "iss": "shop", "iat": now, "exp": now + 600} | overrides


def unsigned(claims: dict[str, Any]) -> str:
    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


def test_a_valid_token_is_accepted(call: Invoke, seed: dict[str, str]) -> None:
    assert call(*GET, {"username": "ada"}, token=signed(valid_claims())).status == 200


# Tokens are minted when the test runs, not when it is collected: a long session must not turn a
# wrong-issuer token into an expired one.
BAD_TOKENS: dict[str, tuple[Callable[[], str], str]] = {
    "expired": (lambda: signed(valid_claims(exp=int(time.time()) - 5)), "TOKEN_EXPIRED"),
    "wrong-key": (lambda: signed(valid_claims(), key="some-other-key-0123456789abcdef0123456789"), "INVALID_TOKEN"),
    "alg-none": (lambda: unsigned(valid_claims()), "INVALID_TOKEN"),
    "other-alg": (lambda: signed(valid_claims(), algorithm="HS512"), "INVALID_TOKEN"),
    "wrong-issuer": (lambda: signed(valid_claims(iss="elsewhere")), "INVALID_TOKEN"),
    "unknown-role": (lambda: signed(valid_claims(role="admin")), "INVALID_TOKEN"),
    "no-expiry": (lambda: signed({k: v for k, v in valid_claims().items() if k != "exp"}), "INVALID_TOKEN"),
    "garbage": (lambda: "not-a-jwt", "INVALID_TOKEN"),
}


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_tokens_are_401(call: Invoke, seed: dict[str, str], case: str) -> None:
    mint, code = BAD_TOKENS[case]
    result = call(*GET, {"username": "ada"}, token=mint())
    assert result.status == 401
    assert result.body["code"] == code


def test_tampered_role_claim_is_401(call: Invoke, seed: dict[str, str]) -> None:
    header, payload, signature = seed["CUSTOMER_TOKEN"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps(claims | {"role": "emp"}).encode()).decode().rstrip("=")

    result = call(*GET, {"username": "boss"}, token=f"{header}.{forged}.{signature}")

    assert result.status == 401


MALFORMED = "Authorization header must be 'Bearer <token>'"
# What each Authorization header answers, "{token}" standing for a valid token: anything but "Bearer", then one
# or more spaces, then a non-empty token is a 401 that says the header's form is wrong. The scheme is
# case-insensitive and spaces around the token are not part of it (RFC 7235 / RFC 6750: `Bearer 1*SP token`).
AUTHORIZATION_HEADERS: dict[str, tuple[int, str | None]] = {
    "Basic YWRhOnB3": (401, MALFORMED),
    "Token abc": (401, MALFORMED),
    "Bearer": (401, MALFORMED),
    "Bearer ": (401, MALFORMED),
    "Bearer    ": (401, MALFORMED),
    "Bearer\t{token}": (401, MALFORMED),
    " Bearer {token}": (401, MALFORMED),
    "{token}": (401, MALFORMED),
    "Basic {token}": (401, MALFORMED),
    "Bearer {token} {token}": (401, "Invalid token"),
    "Bearer {token}x": (401, "Invalid token"),
    "Bearer {token}": (200, None),
    "bearer {token}": (200, None),
    "BEARER {token}": (200, None),
    "Bearer   {token}": (200, None),
    "Bearer {token}  ": (200, None),
}


@pytest.mark.parametrize("header", AUTHORIZATION_HEADERS)
def test_each_form_of_authorization_header_answers_as_documented(
    call: Invoke, seed: dict[str, str], header: str
) -> None:
    status, error = AUTHORIZATION_HEADERS[header]

    result = call(*GET, {"username": "ada"}, headers={"Authorization": header.format(token=seed["CUSTOMER_TOKEN"])})

    assert result.status == status, result.body
    if error is not None:
        assert (result.body["code"], result.body["error"]) == ("INVALID_TOKEN", error)


@pytest.mark.parametrize("name", ["authorization", "AUTHORIZATION", "AuThOrIzAtIoN"])
def test_the_authorization_header_name_is_case_insensitive(call: Invoke, seed: dict[str, str], name: str) -> None:
    result = call(*GET, {"username": "ada"}, headers={name: f"Bearer {seed['CUSTOMER_TOKEN']}"})
    assert result.status == 200, result.body


def test_an_empty_authorization_header_is_no_credentials(call: Invoke, seed: dict[str, str]) -> None:
    result = call(*GET, {"username": "ada"}, headers={"Authorization": ""})
    assert (result.status, result.body["code"], result.body["error"]) == (
        401,
        "UNAUTHORIZED",
        "Authentication required",
    )
