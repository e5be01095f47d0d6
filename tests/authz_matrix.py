"""The authorization matrix: every route x {anonymous, customer (owner), other customer, employee} and the status
each caller gets, shared by the end-to-end run (tests/e2e/test_authz_matrix_e2e.py, over HTTP) and the in-process
one (tests/unit/test_authz_matrix.py, which also checks that every refused call changed no table).

Each case gets fresh data (`World`): an owner customer with money, another customer, a good in stock, and a
review by the owner that moderation will not approve (it contains a link), so visibility rules are exercised.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from shopctl.openapi import SPEC_PATH

ANON, OWNER, OTHER, EMP = "anonymous", "owner", "other_customer", "employee"


@dataclass
class World:
    owner: str
    tokens: dict[str, str | None]
    good_id: str
    other_good_id: str
    review_id: str


Request = Callable[[World], tuple[str, str, dict[str, Any] | None]]


def profile() -> dict[str, Any]:
    return {
        "full_name": "Matrix",
        "username": f"mx_{uuid.uuid4().hex[:12]}",
        "password": "matrix-pass1",
        "age": 30,
        "address": "x",
        "gender": "x",
        "marital_status": "x",
    }


# route -> (request builder, expected status per caller)
MATRIX: dict[str, tuple[Request, dict[str, int]]] = {
    "POST /customers/register": (
        lambda w: ("POST", "/customers/register", profile()),
        {ANON: 201, OWNER: 201, OTHER: 201, EMP: 201},
    ),
    "GET /customers": (lambda w: ("GET", "/customers", None), {ANON: 401, OWNER: 403, OTHER: 403, EMP: 200}),
    "GET /customers/{username}": (
        lambda w: ("GET", f"/customers/{w.owner}", None),
        {ANON: 401, OWNER: 200, OTHER: 403, EMP: 200},
    ),
    "PATCH /customers/{username}": (
        lambda w: ("PATCH", f"/customers/{w.owner}", {"address": "Elsewhere"}),
        {ANON: 401, OWNER: 200, OTHER: 403, EMP: 200},
    ),
    "DELETE /customers/{username}": (
        lambda w: ("DELETE", f"/customers/{w.owner}", None),
        {ANON: 401, OWNER: 204, OTHER: 403, EMP: 204},
    ),
    "PUT /customers/{username}/charge": (
        lambda w: ("PUT", f"/customers/{w.owner}/charge", {"amount": 5}),
        {ANON: 401, OWNER: 200, OTHER: 403, EMP: 200},
    ),
    "PUT /customers/{username}/deduct": (
        lambda w: ("PUT", f"/customers/{w.owner}/deduct", {"amount": 5}),
        {ANON: 401, OWNER: 200, OTHER: 403, EMP: 200},
    ),
    "POST /inventory/add": (
        lambda w: ("POST", "/inventory/add", {"name": "New", "category": "clothes", "price": 2.5, "count": 1}),
        {ANON: 401, OWNER: 403, OTHER: 403, EMP: 201},
    ),
    "PUT /inventory/{id}/deduct": (
        lambda w: ("PUT", f"/inventory/{w.good_id}/deduct", {"count": 1}),
        {ANON: 401, OWNER: 403, OTHER: 403, EMP: 200},
    ),
    "PATCH /inventory/{id}/update": (
        lambda w: ("PATCH", f"/inventory/{w.good_id}/update", {"price": 2}),
        {ANON: 401, OWNER: 403, OTHER: 403, EMP: 200},
    ),
    "DELETE /inventory/{id}": (
        lambda w: ("DELETE", f"/inventory/{w.good_id}", None),
        {ANON: 401, OWNER: 403, OTHER: 403, EMP: 204},
    ),
    "GET /sales/display-goods": (
        lambda w: ("GET", "/sales/display-goods", None),
        {ANON: 200, OWNER: 200, OTHER: 200, EMP: 200},
    ),
    "GET /sales/goods/{id}": (
        lambda w: ("GET", f"/sales/goods/{w.good_id}", None),
        {ANON: 200, OWNER: 200, OTHER: 200, EMP: 200},
    ),
    "POST /sales/sell": (
        lambda w: ("POST", "/sales/sell", {"good_id": w.good_id, "quantity": 1}),
        {ANON: 401, OWNER: 201, OTHER: 201, EMP: 403},
    ),
    "GET /sales/history/{username}": (
        lambda w: ("GET", f"/sales/history/{w.owner}", None),
        {ANON: 401, OWNER: 200, OTHER: 403, EMP: 200},
    ),
    "POST /reviews/submit": (
        lambda w: ("POST", "/reviews/submit", {"product_id": w.other_good_id, "rating": 5, "comment": "Lovely tea"}),
        {ANON: 401, OWNER: 201, OTHER: 201, EMP: 403},
    ),
    "PATCH /reviews/{id}/update": (
        lambda w: ("PATCH", f"/reviews/{w.review_id}/update", {"rating": 3}),
        # The review is not approved, so to another customer it does not exist (docs/reviews.md).
        {ANON: 401, OWNER: 200, OTHER: 404, EMP: 403},
    ),
    "DELETE /reviews/{id}/delete": (
        lambda w: ("DELETE", f"/reviews/{w.review_id}/delete", None),
        {ANON: 401, OWNER: 204, OTHER: 404, EMP: 204},
    ),
    "GET /reviews/product/{product_id}": (
        lambda w: ("GET", f"/reviews/product/{w.good_id}", None),
        {ANON: 200, OWNER: 200, OTHER: 200, EMP: 200},
    ),
    "GET /reviews/customer/{username}": (
        lambda w: ("GET", f"/reviews/customer/{w.owner}", None),
        {ANON: 200, OWNER: 200, OTHER: 200, EMP: 200},
    ),
    "PATCH /reviews/{id}/moderate": (
        lambda w: ("PATCH", f"/reviews/{w.review_id}/moderate", {"status": "approved"}),
        {ANON: 401, OWNER: 403, OTHER: 403, EMP: 200},
    ),
    "GET /reviews/{id}": (
        lambda w: ("GET", f"/reviews/{w.review_id}", None),
        {ANON: 404, OWNER: 200, OTHER: 404, EMP: 200},
    ),
}

CASES = [
    pytest.param(route, caller, expected, id=f"{route} as {caller}")
    for route, (_, statuses) in MATRIX.items()
    for caller, expected in statuses.items()
]


def documented_routes() -> set[str]:
    """Every route of docs/openapi.json but the two outside the matrix (the docs page, login)."""
    spec = json.loads(SPEC_PATH.read_text())
    documented = {f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item}
    return documented - {"GET /docs", "POST /login"}
