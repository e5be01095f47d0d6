"""Property-based fuzzing of the deployed API from docs/openapi.json (schemathesis + hypothesis).

Every operation gets generated valid (POSITIVE) and schema-violating (NEGATIVE) requests, sent over
HTTP to the local stack with the token that reaches its deepest code paths: a customer's for the routes only
customers may use (an employee's would stop at 403), an employee's for every other. No response may be a 5xx,
and every 4xx carries the contract's error body.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Err
from schemathesis.generation.modes import GenerationMode

from shopctl.openapi import SPEC_PATH
from tests.e2e.conftest import Api

ERROR_KEYS = {"error", "code", "details"}
CUSTOMER_ONLY = {("POST", "/sales/sell"), ("POST", "/reviews/submit"), ("PATCH", "/reviews/{id}/update")}
# CI replays the same examples every run; SHOP_FUZZ_EXPLORE=1 draws new ones (and SHOP_FUZZ_EXAMPLES more).
EXPLORE = os.environ.get("SHOP_FUZZ_EXPLORE") == "1"
EXAMPLES = int(os.environ.get("SHOP_FUZZ_EXAMPLES", "30"))


SCHEMA = schemathesis.openapi.from_path(SPEC_PATH)
RAW = json.loads(SPEC_PATH.read_text())


def _has_inputs(operation: Any) -> bool:
    raw = RAW["paths"][operation.path][operation.method.lower()]
    return bool(raw.get("parameters") or raw.get("requestBody"))


def _operations() -> list[Any]:
    operations = []
    for result in SCHEMA.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # a broken operation in the spec is a failure, not something to skip
        operations.append(result.ok())
    return operations


# An operation without parameters or body has no schema-violating variant to generate.
CASES = [
    pytest.param(op, mode, id=f"{op.method.upper()} {op.path} {mode}")
    for op in _operations()
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _has_inputs(op)
]


@pytest.mark.parametrize(("operation", "mode"), CASES)
def test_no_server_errors_and_contract_error_bodies(
    operation: Any, mode: GenerationMode, api: Api, employee_token: str, customer: tuple[str, str]
) -> None:
    token = customer[1] if (operation.method.upper(), operation.path) in CUSTOMER_ONLY else employee_token
    headers = {"Authorization": f"Bearer {token}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=not EXPLORE,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def check(case: Any) -> None:
        response = case.call(base_url=api.base_url, session=api.session, headers=headers, timeout=60)

        assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
        if 400 <= response.status_code < 500:
            body = response.json()
            assert set(body) == ERROR_KEYS, body
            assert body["code"].isupper()
            assert "Traceback" not in response.text

    check()


def test_the_customer_only_routes_exist() -> None:
    routes = {(method.upper(), path) for path, methods in RAW["paths"].items() for method in methods}
    assert routes >= CUSTOMER_ONLY
