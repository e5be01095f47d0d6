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


@pytest.mark.parametrize("header", ["Basic YWRhOnB3", "Bearer", "Token abc"])
def test_malformed_authorization_header_is_401(call: Invoke, seed: dict[str, str], header: str) -> None:
    result = call(*GET, {"username": "ada"}, headers={"Authorization": header})
    assert result.status == 401
